#include "bgr_to_rgb.hpp"

#include <type_traits>

#include <opencv2/core/hal/intrin.hpp>

namespace smartcamrt::detail {
namespace {

constexpr float kScale = 1.f / 255.f;  // the scale the Python reference uses (p / 255 as float32)

template <typename T>
T to_value(uint8_t p) {
  if constexpr (std::is_same_v<T, float>) {
    return p * kScale;
  } else {
    return p;
  }
}

#if CV_SIMD128
constexpr int kLanes = 16;  // pixels per step: one v_uint8x16 per channel

// 16 bytes -> four vectors of 4 floats, each scaled.
struct Floats16 {
  cv::v_float32x4 q[4];
};
inline Floats16 to_floats(const cv::v_uint8x16& bytes) {
  const cv::v_float32x4 scale = cv::v_setall_f32(kScale);
  cv::v_uint16x8 low, high;
  cv::v_expand(bytes, low, high);
  cv::v_uint32x4 part[4];
  cv::v_expand(low, part[0], part[1]);
  cv::v_expand(high, part[2], part[3]);
  Floats16 out;
  for (int i = 0; i < 4; ++i) out.q[i] = cv::v_cvt_f32(cv::v_reinterpret_as_s32(part[i])) * scale;
  return out;
}

// 16 pixels of one channel into a plane.
inline void store_plane(uint8_t* out, const cv::v_uint8x16& channel) { cv::v_store(out, channel); }
inline void store_plane(float* out, const cv::v_uint8x16& channel) {
  const Floats16 values = to_floats(channel);
  for (int i = 0; i < 4; ++i) cv::v_store(out + 4 * i, values.q[i]);
}

// 16 RGB pixels, interleaved.
inline void store_rgb(uint8_t* out, const cv::v_uint8x16& r, const cv::v_uint8x16& g, const cv::v_uint8x16& b) {
  cv::v_store_interleave(out, r, g, b);
}
inline void store_rgb(float* out, const cv::v_uint8x16& r, const cv::v_uint8x16& g, const cv::v_uint8x16& b) {
  const Floats16 fr = to_floats(r), fg = to_floats(g), fb = to_floats(b);
  for (int i = 0; i < 4; ++i) cv::v_store_interleave(out + 12 * i, fr.q[i], fg.q[i], fb.q[i]);
}
#endif

template <typename T>
void to_planes(const cv::Mat& bgr, T* r, T* g, T* b, size_t stride) {
  for (int y = 0; y < bgr.rows; ++y) {
    const uint8_t* in = bgr.ptr<uint8_t>(y);
    T* out_r = r + static_cast<size_t>(y) * stride;
    T* out_g = g + static_cast<size_t>(y) * stride;
    T* out_b = b + static_cast<size_t>(y) * stride;
    int x = 0;
#if CV_SIMD128
    for (; x + kLanes <= bgr.cols; x += kLanes) {
      cv::v_uint8x16 vb, vg, vr;
      cv::v_load_deinterleave(in + 3 * x, vb, vg, vr);
      store_plane(out_r + x, vr);
      store_plane(out_g + x, vg);
      store_plane(out_b + x, vb);
    }
#endif
    for (; x < bgr.cols; ++x) {
      out_b[x] = to_value<T>(in[3 * x]);
      out_g[x] = to_value<T>(in[3 * x + 1]);
      out_r[x] = to_value<T>(in[3 * x + 2]);
    }
  }
}

template <typename T>
void to_interleaved(const cv::Mat& bgr, T* rgb, size_t stride) {
  for (int y = 0; y < bgr.rows; ++y) {
    const uint8_t* in = bgr.ptr<uint8_t>(y);
    T* out = rgb + static_cast<size_t>(y) * stride;
    int x = 0;
#if CV_SIMD128
    for (; x + kLanes <= bgr.cols; x += kLanes) {
      cv::v_uint8x16 vb, vg, vr;
      cv::v_load_deinterleave(in + 3 * x, vb, vg, vr);
      store_rgb(out + 3 * x, vr, vg, vb);
    }
#endif
    for (; x < bgr.cols; ++x) {
      out[3 * x] = to_value<T>(in[3 * x + 2]);
      out[3 * x + 1] = to_value<T>(in[3 * x + 1]);
      out[3 * x + 2] = to_value<T>(in[3 * x]);
    }
  }
}

}  // namespace

void bgr_to_rgb_planes(const cv::Mat& bgr, float* r, float* g, float* b, size_t stride) {
  to_planes(bgr, r, g, b, stride);
}

void bgr_to_rgb_planes(const cv::Mat& bgr, uint8_t* r, uint8_t* g, uint8_t* b, size_t stride) {
  to_planes(bgr, r, g, b, stride);
}

void bgr_to_rgb_interleaved(const cv::Mat& bgr, float* rgb, size_t stride) { to_interleaved(bgr, rgb, stride); }

void bgr_to_rgb_interleaved(const cv::Mat& bgr, uint8_t* rgb, size_t stride) { to_interleaved(bgr, rgb, stride); }

}  // namespace smartcamrt::detail
