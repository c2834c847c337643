#pragma once
// The one letterbox of the project: resize keeping the aspect ratio, pad to the model's input size
// (centred, YOLOv5's grey 114), and the metadata that maps boxes back to source pixels.
#include <cstdint>

#include <opencv2/core.hpp>

namespace smartcamrt {

struct LetterboxMeta {
  int src_width = 0, src_height = 0;  // source image
  int dst_width = 0, dst_height = 0;  // model input
  float scale = 1.f;                  // source pixel -> model pixel
  float pad_x = 0.f, pad_y = 0.f;     // left / top padding in model pixels
  int resized_width = 0, resized_height = 0;
};

struct Box {
  float x1 = 0, y1 = 0, x2 = 0, y2 = 0;
};

LetterboxMeta compute_letterbox(int src_width, int src_height, int dst_width, int dst_height);

// Whether a letterbox writes the grey border. kKeep writes only the image area: for a caller that reuses
// its tensor and wrote the previous letterbox there with the same meta's geometry and layout, so the
// border is already in place (at 640, 1.2 MB of floats not rewritten each frame).
enum class LetterboxBorder { kPaint, kKeep };

// Writes the letterboxed image as planar RGB float in [0, 1] (NCHW, N = 1) into `chw`, which holds
// 3 * dst_width * dst_height floats. `bgr` is an 8-bit, 3-channel image of the meta's source size.
void letterbox_to_chw(const cv::Mat& bgr, const LetterboxMeta& meta, float* chw,
                      LetterboxBorder border = LetterboxBorder::kPaint);

// The same image as interleaved RGB float in [0, 1] (NHWC, N = 1): TFLite-style models.
void letterbox_to_hwc(const cv::Mat& bgr, const LetterboxMeta& meta, float* hwc,
                      LetterboxBorder border = LetterboxBorder::kPaint);

// The same two layouts as 8-bit pixels (0..255, grey 114 border), for models with quantised inputs:
// the float versions above are these values / 255.
void letterbox_to_chw(const cv::Mat& bgr, const LetterboxMeta& meta, uint8_t* chw,
                      LetterboxBorder border = LetterboxBorder::kPaint);
void letterbox_to_hwc(const cv::Mat& bgr, const LetterboxMeta& meta, uint8_t* hwc,
                      LetterboxBorder border = LetterboxBorder::kPaint);

// Model-input pixels -> source pixels, clipped to the source image.
Box to_source(const Box& model_box, const LetterboxMeta& meta);
// Source pixels -> model-input pixels (the inverse, used by tests and drawing overlays).
Box to_model(const Box& source_box, const LetterboxMeta& meta);

}  // namespace smartcamrt
