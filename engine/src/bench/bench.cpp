#include "smartcamrt/bench/bench.hpp"

#include <cstdio>
#include <filesystem>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "smartcamrt/core/clock.hpp"
#include "smartcamrt/core/error.hpp"
#include "smartcamrt/telemetry/system_sampler.hpp"

namespace smartcamrt {
namespace {

// A deterministic input per declared input spec: uniform [0, 1) floats (an image's range), zeros
// for other types. Dynamic dimensions are taken as 1.
std::vector<std::vector<unsigned char>> make_inputs(const Session& session) {
  std::vector<std::vector<unsigned char>> buffers;
  std::mt19937 random(1234);
  std::uniform_real_distribution<float> uniform(0.f, 1.f);
  for (const TensorSpec& spec : session.inputs()) {
    if (spec.dtype == DType::kUnknown) throw Error("bench: input '" + spec.name + "' has an unsupported type");
    std::vector<unsigned char> buffer(static_cast<size_t>(element_count(spec.shape)) * dtype_size(spec.dtype), 0);
    if (spec.dtype == DType::kFloat32) {
      auto* values = reinterpret_cast<float*>(buffer.data());
      for (size_t i = 0; i < buffer.size() / sizeof(float); ++i) values[i] = uniform(random);
    }
    buffers.push_back(std::move(buffer));
  }
  return buffers;
}

}  // namespace

BenchResult run_bench(const BenchConfig& config) {
  if (config.runs < 1) throw Error("--runs " + std::to_string(config.runs) + ": must be >= 1");
  if (config.warmup < 0) throw Error("--warmup " + std::to_string(config.warmup) + ": must be >= 0");
  if (!(config.interval_ms >= 0)) throw Error("--interval-ms " + std::to_string(config.interval_ms) + ": must be >= 0");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(config.model_path, ec)) {
    throw Error("model '" + config.model_path + "': no such file");
  }
  const BackendRegistry& registry = BackendRegistry::instance();
  const Backend& backend =
      config.runtime.empty() ? registry.for_model(config.model_path) : registry.require(config.runtime);

  BenchResult result;
  result.model = std::filesystem::path(config.model_path).filename().string();
  result.runtime = backend.name();
  result.runtime_version = backend.availability().version;
  result.threads = config.session.threads;
  result.interval_ms = config.interval_ms;

  const auto t_open = Clock::now();
  std::unique_ptr<Session> session = backend.open(config.model_path, config.session);
  result.init_ms = ms_between(t_open, Clock::now());

  const auto buffers = make_inputs(*session);
  std::vector<TensorView> views;
  for (size_t i = 0; i < buffers.size(); ++i) {
    Shape shape = session->inputs()[i].shape;
    for (auto& dim : shape) dim = dim > 0 ? dim : 1;
    views.push_back(TensorView{session->inputs()[i].dtype, shape, buffers[i].data()});
    result.input_shape += (i ? " " : "") + shape_to_string(shape);
  }

  const auto t_first = Clock::now();
  session->run(views);
  result.first_run_ms = ms_between(t_first, Clock::now());
  for (int i = 0; i < config.warmup; ++i) session->run(views);

  std::vector<double> latencies;
  latencies.reserve(static_cast<size_t>(config.runs));
  const auto t_runs = Clock::now();
  const auto interval =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(config.interval_ms));
  for (int i = 0; i < config.runs; ++i) {
    if (config.interval_ms > 0) std::this_thread::sleep_until(t_runs + i * interval);
    const auto t0 = Clock::now();
    session->run(views);
    latencies.push_back(ms_between(t0, Clock::now()));
  }
  const double total_s = ms_between(t_runs, Clock::now()) / 1000.0;
  result.latency_ms = summarize(latencies);
  SystemSampler sampler;
  sampler.sample_now();
  result.peak_rss_mb = sampler.latest().peak_rss_mb.value_or(0);
  result.throughput_per_s = total_s > 0 ? config.runs / total_s : 0;
  return result;
}

std::string format_bench(const BenchResult& r) {
  char pacing_text[64] = "";
  if (r.interval_ms > 0) std::snprintf(pacing_text, sizeof(pacing_text), ", one every %.1f ms", r.interval_ms);
  const std::string pacing = pacing_text;
  char text[1024];
  std::snprintf(text, sizeof(text),
                "model        %s\nruntime      %s %s (threads %d)\ninput        %s\n"
                "init         %.2f ms\nfirst run    %.2f ms\nruns         %zu%s\n"
                "latency ms   p50 %.2f  p90 %.2f  p99 %.2f  mean %.2f  min %.2f  max %.2f\n"
                "throughput   %.2f inferences/s\npeak rss     %.1f MiB\n",
                r.model.c_str(), r.runtime.c_str(), r.runtime_version.c_str(), r.threads, r.input_shape.c_str(),
                r.init_ms, r.first_run_ms, r.latency_ms.count, pacing.c_str(), r.latency_ms.p50, r.latency_ms.p90,
                r.latency_ms.p99, r.latency_ms.mean, r.latency_ms.min, r.latency_ms.max, r.throughput_per_s,
                r.peak_rss_mb);
  return text;
}

std::string bench_to_json(const BenchResult& r) {
  const Stats& s = r.latency_ms;
  nlohmann::json doc = {{"model", r.model},
                        {"runtime", r.runtime},
                        {"runtime_version", r.runtime_version},
                        {"threads", r.threads},
                        {"interval_ms", r.interval_ms},
                        {"input_shape", r.input_shape},
                        {"init_ms", r.init_ms},
                        {"first_run_ms", r.first_run_ms},
                        {"latency_ms",
                         {{"count", s.count},
                          {"mean", s.mean},
                          {"min", s.min},
                          {"p50", s.p50},
                          {"p90", s.p90},
                          {"p95", s.p95},
                          {"p99", s.p99},
                          {"max", s.max}}},
                        {"throughput_per_s", r.throughput_per_s},
                        {"peak_rss_mb", r.peak_rss_mb}};
  return doc.dump(2);
}

}  // namespace smartcamrt
