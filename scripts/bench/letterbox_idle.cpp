// Letterbox variants after an idle pause, as in a real-time run (the engine sleeps ~80 ms between frames
// at 10 fps, and caches go cold). Measures the levers of docs/benchmarks.md, "Engine overhead": the old
// split + convertTo path, the fused one-pass conversion the engine uses, with the border kept, on two
// threads, with the tensor on huge pages, a busy spin before each frame, and the resize of a frame written
// just before (as the capture thread would, right after its decode). Build and run:
//   cv="$(dirname "$(bash scripts/build-codecs.sh)")/../.."   # the engine's OpenCV (scripts/setup.sh built it)
//   flags="-I$cv/include/opencv4 -L$cv/lib -Wl,-rpath,$cv/lib -lopencv_core -lopencv_imgproc -lopencv_videoio"
//   g++ -O2 -std=c++17 scripts/bench/letterbox_idle.cpp -o /tmp/letterbox_idle $flags
//   /tmp/letterbox_idle $SMARTCAMRT_ASSETS/video/vtest.avi [IDLE_MS=30] [SPIN_US=0] [HUGE=0|1]
// Prints p50/p90 per variant (interleaved, 200 rounds) and checks every variant is bit-identical.
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <opencv2/core.hpp>
#include <opencv2/core/hal/intrin.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <thread>
#include <vector>

using Clock = std::chrono::steady_clock;
constexpr int kSize = 640;
constexpr size_t kPlane = static_cast<size_t>(kSize) * kSize;

// The engine's conversion (engine/src/tasks/detection/bgr_to_rgb.cpp), planar float only.
void fused_rows(const cv::Mat& src, float* tensor, cv::Rect inner, int r0, int r1) {
  const float s = 1.f / 255.f;
  for (int y = r0; y < r1; ++y) {
    const uint8_t* p = src.ptr<uint8_t>(y);
    float* r = tensor + static_cast<size_t>(inner.y + y) * kSize + inner.x;
    float* g = r + kPlane;
    float* b = g + kPlane;
    int x = 0;
#if CV_SIMD128
    const cv::v_float32x4 scale = cv::v_setall_f32(s);
    for (; x + 16 <= inner.width; x += 16) {
      cv::v_uint8x16 vb, vg, vr;
      cv::v_load_deinterleave(p + 3 * x, vb, vg, vr);
      const auto store = [&](const cv::v_uint8x16& v, float* out) {
        cv::v_uint16x8 lo, hi;
        cv::v_expand(v, lo, hi);
        cv::v_uint32x4 q[4];
        cv::v_expand(lo, q[0], q[1]);
        cv::v_expand(hi, q[2], q[3]);
        for (int i = 0; i < 4; ++i) cv::v_store(out + 4 * i, cv::v_cvt_f32(cv::v_reinterpret_as_s32(q[i])) * scale);
      };
      store(vb, b + x);
      store(vg, g + x);
      store(vr, r + x);
    }
#endif
    for (; x < inner.width; ++x) {
      b[x] = p[3 * x] * s;
      g[x] = p[3 * x + 1] * s;
      r[x] = p[3 * x + 2] * s;
    }
  }
}

enum Variant { kSplitConvert, kFused, kFusedKeepBorder, kFusedTwoThreads, kResizeOnly, kResizeAfterDecode, kVariants };
const char* kNames[] = {"split + convertTo (old)", "fused",       "fused, border kept",
                        "fused, 2 threads",        "resize only", "resize, frame just decoded"};
static_assert(sizeof(kNames) / sizeof(kNames[0]) == kVariants, "a name per variant");

void letterbox(Variant v, const cv::Mat& bgr, float* tensor, cv::Rect inner) {
  static cv::Mat resized, planes[3];
  cv::resize(bgr, resized, inner.size(), 0, 0, cv::INTER_LINEAR);
  if (v == kResizeOnly || v == kResizeAfterDecode) return;
  if (v != kFusedKeepBorder) {
    for (int c = 0; c < 3; ++c) {
      cv::Mat image(kSize, kSize, CV_32F, tensor + c * kPlane);
      image.rowRange(0, inner.y).setTo(114 / 255.f);
      image.rowRange(inner.y + inner.height, kSize).setTo(114 / 255.f);
    }
  }
  if (v == kSplitConvert) {
    cv::split(resized, planes);
    for (int c = 0; c < 3; ++c) {
      cv::Mat out(kSize, kSize, CV_32F, tensor + (2 - c) * kPlane);
      planes[c].convertTo(out(inner), CV_32F, static_cast<double>(1.f / 255.f));
    }
  } else if (v == kFusedTwoThreads) {
    cv::parallel_for_(
        cv::Range(0, 2),
        [&](const cv::Range& r) {
          for (int i = r.start; i < r.end; ++i)
            fused_rows(resized, tensor, inner, i * inner.height / 2, (i + 1) * inner.height / 2);
        },
        2);
  } else {
    fused_rows(resized, tensor, inner, 0, inner.height);
  }
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: letterbox_idle VIDEO [IDLE_MS] [SPIN_US] [HUGE]\n");
    return 2;
  }
  cv::VideoCapture capture(argv[1]);
  std::vector<cv::Mat> frames;
  for (cv::Mat f; frames.size() < 20 && capture.read(f);) frames.push_back(f.clone());
  if (frames.empty() || frames[0].cols * 3 != frames[0].rows * 4) {
    std::fprintf(stderr, "letterbox_idle: need a readable 4:3 video (vtest.avi)\n");
    return 2;
  }
  const int idle_ms = argc > 2 ? std::atoi(argv[2]) : 30, spin_us = argc > 3 ? std::atoi(argv[3]) : 0;
  const bool huge = argc > 4 && std::atoi(argv[4]) != 0;
  const size_t bytes = (3 * kPlane * sizeof(float) + (2u << 20) - 1) & ~static_cast<size_t>((2u << 20) - 1);
  auto* tensor = static_cast<float*>(std::aligned_alloc(2u << 20, bytes));
  if (huge) madvise(tensor, bytes, MADV_HUGEPAGE);
  std::memset(tensor, 0, bytes);
  const cv::Rect inner(0, 80, 640, 480);

  std::vector<float> reference(3 * kPlane);
  letterbox(kSplitConvert, frames[0], reference.data(), inner);
  for (int v = kFused; v < kResizeOnly; ++v) {
    letterbox(kFused, frames[1], tensor, inner);  // a painted border, then the variant on frame 0
    letterbox(static_cast<Variant>(v), frames[0], tensor, inner);
    const bool same = std::memcmp(tensor, reference.data(), reference.size() * sizeof(float)) == 0;
    std::printf("%-26s bit-identical to the old path: %s\n", kNames[v], same ? "yes" : "NO");
  }
  std::vector<char> evict(48u << 20);
  std::vector<double> times[kVariants];
  for (int round = 0; round < 200; ++round) {
    for (int v = 0; v < kVariants; ++v) {
      std::memset(evict.data(), round & 0xff, evict.size());  // what an inference does to the caches
      std::this_thread::sleep_for(std::chrono::milliseconds(idle_ms));
      for (const auto end = Clock::now() + std::chrono::microseconds(spin_us); Clock::now() < end;) {
      }
      const cv::Mat& frame = frames[round % frames.size()];
      // As on the capture thread right after a decode: the frame was just written on this core.
      if (v == kResizeAfterDecode) std::memset(frame.data, round & 0xff, frame.total() * frame.elemSize());
      const auto start = Clock::now();
      letterbox(static_cast<Variant>(v), frame, tensor, inner);
      times[v].push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
  }
  std::printf("768x576 -> 640, after %d ms idle, spin %d us, huge pages %s\n", idle_ms, spin_us, huge ? "on" : "off");
  for (int v = 0; v < kVariants; ++v) {
    std::sort(times[v].begin(), times[v].end());
    std::printf("%-26s p50 %.3f ms  p90 %.3f ms\n", kNames[v], times[v][times[v].size() / 2],
                times[v][times[v].size() * 9 / 10]);
  }
  std::free(tensor);
  return 0;
}
