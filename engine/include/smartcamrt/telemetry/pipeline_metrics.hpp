#pragma once
// Live metrics of a run in the Prometheus text exposition format: frame counters, per-stage latency
// histograms, FPS, CPU, RSS, GPU, and the current model/runtime as labels.
//
// Thread-safety: record() is called by the pipeline thread once per frame and is lock-free;
// render() may run concurrently on the metrics server's thread. set_model() takes a lock (it runs
// only at start and on a model/runtime switch).
#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "smartcamrt/telemetry/frame_record.hpp"
#include "smartcamrt/telemetry/system_sampler.hpp"

namespace smartcamrt {

class PipelineMetrics {
 public:
  // Upper bounds of the latency buckets, in milliseconds (+Inf is implicit).
  static constexpr std::array<double, 14> kBucketsMs{1, 2, 5, 10, 20, 30, 50, 75, 100, 150, 200, 300, 500, 1000};
  static constexpr std::array<const char*, 6> kStages{"capture", "queue", "pre", "infer", "post", "e2e"};

  void set_model(const std::string& model, const std::string& runtime, const std::string& precision);
  void record(const FrameRecord& record);
  void set_fps(double fps) { fps_.store(fps, std::memory_order_relaxed); }
  void set_resources(const ResourceSample& sample);
  std::string render() const;

 private:
  struct Histogram {
    std::array<std::atomic<uint64_t>, kBucketsMs.size() + 1> buckets{};  // last = +Inf
    std::atomic<uint64_t> count{0};
    std::atomic<double> sum{0};
    void observe(double value);
  };
  mutable std::mutex labels_mutex_;
  std::string model_, runtime_, precision_;
  std::atomic<uint64_t> processed_{0};
  std::atomic<int64_t> dropped_{0};
  std::atomic<int64_t> detections_{0};
  std::atomic<double> fps_{0};
  std::array<Histogram, kStages.size()> stages_{};
  // NaN = not sampled (rendered as absent, never as 0).
  std::atomic<double> cpu_proc_{-1}, cpu_sys_{-1}, rss_{-1}, gpu_util_{-1}, gpu_mem_{-1};
};

}  // namespace smartcamrt
