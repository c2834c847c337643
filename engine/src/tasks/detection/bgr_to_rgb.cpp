#include "bgr_to_rgb.hpp"

#include <opencv2/core/hal/intrin.hpp>

namespace smartcamrt::detail {
namespace {

constexpr float kScale = 1.f / 255.f;  // the scale the Python reference uses (p / 255 as float32)

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
#endif

inline float to_float(uint8_t p) { return p * kScale; }

}  // namespace

void bgr_to_rgb_planes(const cv::Mat& bgr, float* r, float* g, float* b, size_t stride) {
  for (int y = 0; y < bgr.rows; ++y) {
    const uint8_t* in = bgr.ptr<uint8_t>(y);
    float* out_r = r + static_cast<size_t>(y) * stride;
    float* out_g = g + static_cast<size_t>(y) * stride;
    float* out_b = b + static_cast<size_t>(y) * stride;
    int x = 0;
#if CV_SIMD128
    for (; x + kLanes <= bgr.cols; x += kLanes) {
      cv::v_uint8x16 vb, vg, vr;
      cv::v_load_deinterleave(in + 3 * x, vb, vg, vr);
      const Floats16 fr = to_floats(vr), fg = to_floats(vg), fb = to_floats(vb);
      for (int i = 0; i < 4; ++i) {
        cv::v_store(out_r + x + 4 * i, fr.q[i]);
        cv::v_store(out_g + x + 4 * i, fg.q[i]);
        cv::v_store(out_b + x + 4 * i, fb.q[i]);
      }
    }
#endif
    for (; x < bgr.cols; ++x) {
      out_b[x] = to_float(in[3 * x]);
      out_g[x] = to_float(in[3 * x + 1]);
      out_r[x] = to_float(in[3 * x + 2]);
    }
  }
}

void bgr_to_rgb_planes(const cv::Mat& bgr, uint8_t* r, uint8_t* g, uint8_t* b, size_t stride) {
  for (int y = 0; y < bgr.rows; ++y) {
    const uint8_t* in = bgr.ptr<uint8_t>(y);
    uint8_t* out_r = r + static_cast<size_t>(y) * stride;
    uint8_t* out_g = g + static_cast<size_t>(y) * stride;
    uint8_t* out_b = b + static_cast<size_t>(y) * stride;
    int x = 0;
#if CV_SIMD128
    for (; x + kLanes <= bgr.cols; x += kLanes) {
      cv::v_uint8x16 vb, vg, vr;
      cv::v_load_deinterleave(in + 3 * x, vb, vg, vr);
      cv::v_store(out_r + x, vr);
      cv::v_store(out_g + x, vg);
      cv::v_store(out_b + x, vb);
    }
#endif
    for (; x < bgr.cols; ++x) {
      out_b[x] = in[3 * x];
      out_g[x] = in[3 * x + 1];
      out_r[x] = in[3 * x + 2];
    }
  }
}

void bgr_to_rgb_interleaved(const cv::Mat& bgr, float* rgb, size_t stride) {
  for (int y = 0; y < bgr.rows; ++y) {
    const uint8_t* in = bgr.ptr<uint8_t>(y);
    float* out = rgb + static_cast<size_t>(y) * stride;
    int x = 0;
#if CV_SIMD128
    for (; x + kLanes <= bgr.cols; x += kLanes) {
      cv::v_uint8x16 vb, vg, vr;
      cv::v_load_deinterleave(in + 3 * x, vb, vg, vr);
      const Floats16 fr = to_floats(vr), fg = to_floats(vg), fb = to_floats(vb);
      for (int i = 0; i < 4; ++i) cv::v_store_interleave(out + 3 * (x + 4 * i), fr.q[i], fg.q[i], fb.q[i]);
    }
#endif
    for (; x < bgr.cols; ++x) {
      out[3 * x] = to_float(in[3 * x + 2]);
      out[3 * x + 1] = to_float(in[3 * x + 1]);
      out[3 * x + 2] = to_float(in[3 * x]);
    }
  }
}

void bgr_to_rgb_interleaved(const cv::Mat& bgr, uint8_t* rgb, size_t stride) {
  for (int y = 0; y < bgr.rows; ++y) {
    const uint8_t* in = bgr.ptr<uint8_t>(y);
    uint8_t* out = rgb + static_cast<size_t>(y) * stride;
    int x = 0;
#if CV_SIMD128
    for (; x + kLanes <= bgr.cols; x += kLanes) {
      cv::v_uint8x16 vb, vg, vr;
      cv::v_load_deinterleave(in + 3 * x, vb, vg, vr);
      cv::v_store_interleave(out + 3 * x, vr, vg, vb);
    }
#endif
    for (; x < bgr.cols; ++x) {
      out[3 * x] = in[3 * x + 2];
      out[3 * x + 1] = in[3 * x + 1];
      out[3 * x + 2] = in[3 * x];
    }
  }
}

}  // namespace smartcamrt::detail
