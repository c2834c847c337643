#pragma once
// Detection task: letterbox -> session -> YOLOv5 decode -> class-aware NMS -> boxes in source
// pixels. It knows nothing of runtimes: the session comes from the backend registry.
//
// Thread-safety: a Detector owns one Session and its buffers; use it from one thread at a time.
// Run several streams with one Detector each.
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "smartcamrt/backends/backend.hpp"
#include "smartcamrt/core/model_info.hpp"
#include "smartcamrt/core/quantization.hpp"
#include "smartcamrt/tasks/detection/detection.hpp"
#include "smartcamrt/tasks/detection/letterbox.hpp"

namespace smartcamrt {

struct DetectorConfig {
  std::string model_path;
  std::string runtime;  // backend name; empty = chosen by the model file's suffix
  SessionOptions session;
  float conf_threshold = 0.25f;
  float iou_threshold = 0.45f;
  size_t max_det = 300;
  bool force = false;  // accept a model whose manifest records a failed parity check
};

// The model facts every task has, plus the detector's input geometry.
struct DetectorInfo : ModelInfo {
  int input_width = 0, input_height = 0;
  bool input_nhwc = false;  // [1,H,W,3] (TFLite style) instead of [1,3,H,W]
};

class Detector {
 public:
  // Opens and validates the model (file exists, runtime available, image input [1,3,H,W] or [1,H,W,3],
  // YOLOv5 output [1,N,5+classes]; each float32, or uint8/int8 with a per-tensor quantisation scale).
  // Throws Error with a one-line message otherwise.
  static std::unique_ptr<Detector> Create(const DetectorConfig& config);

  const DetectorInfo& info() const { return info_; }
  Session& session() { return *session_; }

  // The three steps, separately timed by the pipeline.
  LetterboxMeta preprocess(const cv::Mat& bgr);
  void infer();
  Detections postprocess(const LetterboxMeta& meta);

  // All three, for callers that do not time the steps.
  Detections detect(const cv::Mat& bgr);

 private:
  Detector(const DetectorConfig& config, std::unique_ptr<Session> session, DetectorInfo info);

  DetectorConfig config_;
  std::unique_ptr<Session> session_;
  DetectorInfo info_;
  // The letterboxed image in the input's layout, reused every frame: floats for a float32 input,
  // else bytes (quantised through input_table_, unless that table is the identity).
  DType input_dtype_ = DType::kFloat32;
  std::vector<float> input_;
  std::vector<uint8_t> input_bytes_;
  PixelQuantizationTable input_table_{};
  bool input_table_is_identity_ = true;
  // The source size whose letterbox border the input holds (0x0: none yet): frames of that size write
  // only the image area. Not used where the pixel table rewrites the whole input after the letterbox.
  cv::Size bordered_for_{};

  std::vector<Tensor> outputs_;
  std::vector<float> dequantized_output_;  // a quantised output as floats for the decoder, reused
};

}  // namespace smartcamrt
