#pragma once
// The letterbox's last step: an 8-bit BGR image (already resized) into the model's RGB input, in one
// pass over the pixels with SIMD (OpenCV's universal intrinsics: SSE2 on x86-64, NEON on arm64), either
// as three planes (NCHW) or interleaved (NHWC), as floats scaled by 1/255 or as bytes. It replaced
// cv::split / cv::cvtColor followed by convertTo, which went through an intermediate image: that pass
// cost ~0.25 ms at 640 after an inference's idle (docs/benchmarks.md, "Engine overhead").
// Results are bit-identical to p * (1.f / 255.f) per element.
#include <cstddef>
#include <cstdint>

#include <opencv2/core.hpp>

namespace smartcamrt::detail {

// Rows of `bgr` go to rows of the planes; `stride` is the planes' row length in elements.
void bgr_to_rgb_planes(const cv::Mat& bgr, float* r, float* g, float* b, size_t stride);
void bgr_to_rgb_planes(const cv::Mat& bgr, uint8_t* r, uint8_t* g, uint8_t* b, size_t stride);

// Rows of `bgr` go to interleaved RGB rows starting at `rgb`; `stride` is a row's length in elements.
void bgr_to_rgb_interleaved(const cv::Mat& bgr, float* rgb, size_t stride);
void bgr_to_rgb_interleaved(const cv::Mat& bgr, uint8_t* rgb, size_t stride);

}  // namespace smartcamrt::detail
