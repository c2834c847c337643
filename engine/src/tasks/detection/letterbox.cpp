#include "smartcamrt/tasks/detection/letterbox.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include <opencv2/imgproc.hpp>

#include "bgr_to_rgb.hpp"
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

// Resize (OpenCV's INTER_LINEAR: the same arithmetic as the Python reference's cv2.resize), then one
// SIMD pass straight into the tensor (bgr_to_rgb.hpp): BGR -> R, G, B planes or interleaved RGB, bytes ->
// floats scaled by 1/255; and the padding border only, unless the caller says the tensor has it already.
// A fused resize of our own was tried and was slower (docs/benchmarks.md, "Engine overhead").
template <typename T>
void letterbox_into(const cv::Mat& bgr, const LetterboxMeta& meta, T* tensor, bool planar, T pad_value,
                    LetterboxBorder border) {
  if (bgr.type() != CV_8UC3 || bgr.cols != meta.src_width || bgr.rows != meta.src_height) {
    throw Error("letterbox: expected an 8-bit BGR image of " + std::to_string(meta.src_width) + "x" +
                std::to_string(meta.src_height));
  }
  constexpr int kDepth = std::is_same_v<T, float> ? CV_32F : CV_8U;
  const int dst_w = meta.dst_width, dst_h = meta.dst_height;
  const cv::Rect inner(static_cast<int>(meta.pad_x), static_cast<int>(meta.pad_y), meta.resized_width,
                       meta.resized_height);
  // The padding: the four bands around the inner rectangle, in each plane (or the one interleaved image).
  const auto pad = [&](cv::Mat image) {
    if (border == LetterboxBorder::kKeep) return;
    const cv::Scalar value = cv::Scalar::all(static_cast<double>(pad_value));
    image.rowRange(0, inner.y).setTo(value);
    image.rowRange(inner.y + inner.height, dst_h).setTo(value);
    image(cv::Rect(0, inner.y, inner.x, inner.height)).setTo(value);
    image(cv::Rect(inner.x + inner.width, inner.y, dst_w - inner.x - inner.width, inner.height)).setTo(value);
  };
  // The resized image is kept per thread and reused (OpenCV writes into a Mat of the right size in place):
  // a fresh megabyte per frame is, with malloc's mmap threshold fixed (cli/main.cpp), an mmap and its
  // page faults every frame (measured at 640: pre 1.3 -> 2.4 ms with fresh images).
  thread_local cv::Mat scratch_resized;
  cv::Mat resized;
  if (bgr.cols == meta.resized_width && bgr.rows == meta.resized_height) {
    resized = bgr;
  } else {
    cv::resize(bgr, scratch_resized, inner.size(), 0, 0, cv::INTER_LINEAR);
    resized = scratch_resized;
  }
  const size_t first = static_cast<size_t>(inner.y) * static_cast<size_t>(dst_w) + static_cast<size_t>(inner.x);
  if (planar) {
    const size_t plane = static_cast<size_t>(dst_w) * static_cast<size_t>(dst_h);
    for (int c = 0; c < 3; ++c) pad(cv::Mat(dst_h, dst_w, CV_MAKETYPE(kDepth, 1), tensor + c * plane));
    detail::bgr_to_rgb_planes(resized, tensor + first, tensor + plane + first, tensor + 2 * plane + first,
                              static_cast<size_t>(dst_w));
  } else {
    pad(cv::Mat(dst_h, dst_w, CV_MAKETYPE(kDepth, 3), tensor));
    detail::bgr_to_rgb_interleaved(resized, tensor + 3 * first, 3 * static_cast<size_t>(dst_w));
  }
}

}  // namespace

void letterbox_to_chw(const cv::Mat& bgr, const LetterboxMeta& meta, float* chw, LetterboxBorder border) {
  letterbox_into(bgr, meta, chw, true, kPadValue, border);
}

void letterbox_to_hwc(const cv::Mat& bgr, const LetterboxMeta& meta, float* hwc, LetterboxBorder border) {
  letterbox_into(bgr, meta, hwc, false, kPadValue, border);
}

void letterbox_to_chw(const cv::Mat& bgr, const LetterboxMeta& meta, uint8_t* chw, LetterboxBorder border) {
  letterbox_into(bgr, meta, chw, true, kPadPixel, border);
}

void letterbox_to_hwc(const cv::Mat& bgr, const LetterboxMeta& meta, uint8_t* hwc, LetterboxBorder border) {
  letterbox_into(bgr, meta, hwc, false, kPadPixel, border);
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
