#include "smartcamrt/letterbox.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "smartcamrt/error.hpp"

namespace smartcamrt {
namespace {
constexpr float kPadValue = 114.f / 255.f;  // YOLOv5's grey border, normalised
}

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

void letterbox_to_chw(const cv::Mat& bgr, const LetterboxMeta& meta, float* chw) {
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
  float* red = chw;
  float* green = chw + plane;
  float* blue = chw + 2 * plane;
  std::fill(chw, chw + 3 * plane, kPadValue);

  constexpr float kInv255 = 1.f / 255.f;
  const int left = static_cast<int>(meta.pad_x);
  const int top = static_cast<int>(meta.pad_y);
  for (int y = 0; y < resized.rows; ++y) {
    const unsigned char* pixel = resized.ptr<unsigned char>(y);
    const size_t row = static_cast<size_t>(y + top) * static_cast<size_t>(meta.dst_width) + static_cast<size_t>(left);
    for (int x = 0; x < resized.cols; ++x, pixel += 3) {
      blue[row + x] = pixel[0] * kInv255;
      green[row + x] = pixel[1] * kInv255;
      red[row + x] = pixel[2] * kInv255;
    }
  }
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
