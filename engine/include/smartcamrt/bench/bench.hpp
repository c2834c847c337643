#pragma once
// Raw session latency, the figures onnxruntime_perf_test prints: init time, first run, then
// p50/p90/p99/mean/max over a fixed number of runs after warm-up, and throughput.
#include <string>

#include "smartcamrt/backends/backend.hpp"
#include "smartcamrt/core/stats.hpp"

namespace smartcamrt {

struct BenchConfig {
  std::string model_path;
  std::string runtime;  // empty = by suffix
  SessionOptions session;
  int warmup = 10;
  int runs = 200;
  // > 0: each timed run starts this long after the previous one started, as frames from a camera do
  // (the runtime's threads idle in between); 0: back to back. A real-time pipeline's inference is
  // compared with a session paced at the same interval, so that the comparison isolates the engine.
  double interval_ms = 0;
};

struct BenchResult {
  std::string model, runtime, runtime_version, input_shape;
  int threads = 0;
  double interval_ms = 0;
  double init_ms = 0, first_run_ms = 0;
  Stats latency_ms;
  double throughput_per_s = 0;
  double peak_rss_mb = 0;  // the process's high-water mark after the runs (model + runtime + buffers)
};

BenchResult run_bench(const BenchConfig& config);
std::string format_bench(const BenchResult& result);
std::string bench_to_json(const BenchResult& result);

}  // namespace smartcamrt
