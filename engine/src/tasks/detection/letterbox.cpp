#include "smartcamrt/tasks/detection/letterbox.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "smartcamrt/core/error.hpp"

namespace smartcamrt {
namespace {
constexpr unsigned char kPadPixel = 114;  // YOLOv5's grey border
constexpr float kPadValue = kPadPixel / 255.f;
}  // namespace

LetterboxMeta compute_letterbox(int src_width, int src_height, int dst_width, int dst_height) {
  if (src_width <= 0 || src_height <= 0 || dst_width <= 0 || dst_height <= 0) {
    throw Error("letterbox: image sizes must be positive (source " + std::to_string(src_width) + "x" +
                std::to_string(src_height) + ", model " + std::to_string(dst_width) + "x" + std::to_string(dst_height) +
                ")");
  }
  LetterboxMeta meta;
  meta.src_width = src_width;
  meta.src_height = src_height;
  meta.dst_width = dst_width;
  meta.dst_height = dst_height;
  meta.scale = std::min(static_cast<float>(dst_width) / static_cast<float>(src_width),
                        static_cast<float>(dst_height) / static_cast<float>(src_height));
  meta.resized_width = std::min(dst_width, static_cast<int>(std::lround(src_width * meta.scale)));
  meta.resized_height = std::min(dst_height, static_cast<int>(std::lround(src_height * meta.scale)));
  // Whole-pixel padding, as the image is really shifted; the odd pixel goes right/bottom.
  meta.pad_x = static_cast<float>((dst_width - meta.resized_width) / 2);
  meta.pad_y = static_cast<float>((dst_height - meta.resized_height) / 2);
  return meta;
}

namespace {

// Resizes into the letterbox's inner rectangle and hands each resized row to `write_row`, after
// filling the whole tensor with the padding value.
template <typename T, typename WriteRow>
void letterbox_rows(const cv::Mat& bgr, const LetterboxMeta& meta, T* tensor, T pad_value, WriteRow write_row) {
  if (bgr.type() != CV_8UC3 || bgr.cols != meta.src_width || bgr.rows != meta.src_height) {
    throw Error("letterbox: expected an 8-bit BGR image of " + std::to_string(meta.src_width) + "x" +
                std::to_string(meta.src_height));
  }
  cv::Mat resized;
  if (bgr.cols == meta.resized_width && bgr.rows == meta.resized_height) {
    resized = bgr;
  } else {
    cv::resize(bgr, resized, cv::Size(meta.resized_width, meta.resized_height), 0, 0, cv::INTER_LINEAR);
  }
  const size_t plane = static_cast<size_t>(meta.dst_width) * static_cast<size_t>(meta.dst_height);
  std::fill(tensor, tensor + 3 * plane, pad_value);
  const int left = static_cast<int>(meta.pad_x);
  const int top = static_cast<int>(meta.pad_y);
  for (int y = 0; y < resized.rows; ++y) {
    // Index of the first pixel of this row inside one dst_width x dst_height plane.
    const size_t offset =
        static_cast<size_t>(y + top) * static_cast<size_t>(meta.dst_width) + static_cast<size_t>(left);
    write_row(resized.ptr<unsigned char>(y), resized.cols, offset, plane);
  }
}

// Planar RGB (CHW) and interleaved RGB (HWC) from BGR rows; `value` turns a pixel byte into the
// tensor's element (p / 255 for float tensors, the byte itself for 8-bit ones).
template <typename T, typename Value>
void letterbox_chw(const cv::Mat& bgr, const LetterboxMeta& meta, T* chw, T pad_value, Value value) {
  letterbox_rows(bgr, meta, chw, pad_value,
                 [chw, value](const unsigned char* pixel, int width, size_t offset, size_t plane) {
                   T* red = chw + offset;
                   T* green = chw + plane + offset;
                   T* blue = chw + 2 * plane + offset;
                   for (int x = 0; x < width; ++x, pixel += 3) {
                     blue[x] = value(pixel[0]);
                     green[x] = value(pixel[1]);
                     red[x] = value(pixel[2]);
                   }
                 });
}

template <typename T, typename Value>
void letterbox_hwc(const cv::Mat& bgr, const LetterboxMeta& meta, T* hwc, T pad_value, Value value) {
  letterbox_rows(bgr, meta, hwc, pad_value, [hwc, value](const unsigned char* pixel, int width, size_t offset, size_t) {
    T* out = hwc + 3 * offset;
    for (int x = 0; x < width; ++x, pixel += 3, out += 3) {
      out[0] = value(pixel[2]);
      out[1] = value(pixel[1]);
      out[2] = value(pixel[0]);
    }
  });
}

constexpr float kInv255 = 1.f / 255.f;
const auto kNormalised = [](unsigned char p) { return p * kInv255; };
const auto kAsIs = [](unsigned char p) { return p; };

}  // namespace

void letterbox_to_chw(const cv::Mat& bgr, const LetterboxMeta& meta, float* chw) {
  letterbox_chw(bgr, meta, chw, kPadValue, kNormalised);
}

void letterbox_to_hwc(const cv::Mat& bgr, const LetterboxMeta& meta, float* hwc) {
  letterbox_hwc(bgr, meta, hwc, kPadValue, kNormalised);
}

void letterbox_to_chw(const cv::Mat& bgr, const LetterboxMeta& meta, uint8_t* chw) {
  letterbox_chw(bgr, meta, chw, kPadPixel, kAsIs);
}

void letterbox_to_hwc(const cv::Mat& bgr, const LetterboxMeta& meta, uint8_t* hwc) {
  letterbox_hwc(bgr, meta, hwc, kPadPixel, kAsIs);
}

Box to_source(const Box& model_box, const LetterboxMeta& meta) {
  const auto map = [&](float value, float pad, int limit) {
    return std::clamp((value - pad) / meta.scale, 0.f, static_cast<float>(limit));
  };
  return Box{map(model_box.x1, meta.pad_x, meta.src_width), map(model_box.y1, meta.pad_y, meta.src_height),
             map(model_box.x2, meta.pad_x, meta.src_width), map(model_box.y2, meta.pad_y, meta.src_height)};
}

Box to_model(const Box& source_box, const LetterboxMeta& meta) {
  return Box{source_box.x1 * meta.scale + meta.pad_x, source_box.y1 * meta.scale + meta.pad_y,
             source_box.x2 * meta.scale + meta.pad_x, source_box.y2 * meta.scale + meta.pad_y};
}

}  // namespace smartcamrt
