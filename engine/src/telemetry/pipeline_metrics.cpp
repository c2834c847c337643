#include "smartcamrt/telemetry/pipeline_metrics.hpp"

#include <cstdio>

namespace smartcamrt {
namespace {

void add_double(std::atomic<double>& target, double value) {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + value, std::memory_order_relaxed)) {
  }
}

// Prometheus label values escape backslash, double quote and newline.
std::string escape_label(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.6g", value);
  return text;
}

}  // namespace

void PipelineMetrics::Histogram::observe(double value) {
  size_t bucket = 0;
  while (bucket < kBucketsMs.size() && value > kBucketsMs[bucket]) ++bucket;
  buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  count.fetch_add(1, std::memory_order_relaxed);
  add_double(sum, value);
}

void PipelineMetrics::set_model(const std::string& model, const std::string& runtime, const std::string& precision) {
  std::lock_guard<std::mutex> lock(labels_mutex_);
  model_ = model;
  runtime_ = runtime;
  precision_ = precision;
}

void PipelineMetrics::record(const FrameRecord& r) {
  processed_.fetch_add(1, std::memory_order_relaxed);
  dropped_.store(r.dropped, std::memory_order_relaxed);
  detections_.fetch_add(r.detections, std::memory_order_relaxed);
  const double values[] = {r.capture_ms, r.queue_ms, r.pre_ms, r.infer_ms, r.post_ms, r.e2e_ms};
  for (size_t i = 0; i < kStages.size(); ++i) stages_[i].observe(values[i]);
}

void PipelineMetrics::set_resources(const ResourceSample& s) {
  const auto store = [](std::atomic<double>& target, const std::optional<double>& value) {
    target.store(value ? *value : -1, std::memory_order_relaxed);
  };
  store(cpu_proc_, s.cpu_proc_pct);
  store(cpu_sys_, s.cpu_sys_pct);
  store(rss_, s.rss_mb);
  store(gpu_util_, s.gpu_util_pct);
  store(gpu_mem_, s.gpu_mem_mb);
}

std::string PipelineMetrics::render() const {
  std::string labels;
  {
    std::lock_guard<std::mutex> lock(labels_mutex_);
    labels = "model=\"" + escape_label(model_) + "\",runtime=\"" + escape_label(runtime_) + "\",precision=\"" +
             escape_label(precision_) + "\"";
  }
  std::string out;
  const auto metric = [&](const char* name, const char* type, const char* help, const std::string& value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    out += std::string(name) + "{" + labels + "} " + value + "\n";
  };
  metric("smartcamrt_frames_processed_total", "counter", "Frames processed.",
         std::to_string(processed_.load(std::memory_order_relaxed)));
  metric("smartcamrt_frames_dropped_total", "counter", "Frames dropped before processing.",
         std::to_string(dropped_.load(std::memory_order_relaxed)));
  metric("smartcamrt_detections_total", "counter", "Detections reported.",
         std::to_string(detections_.load(std::memory_order_relaxed)));
  metric("smartcamrt_fps", "gauge", "Frames processed per second over the recent window.",
         number(fps_.load(std::memory_order_relaxed)));
  const auto gauge_if_sampled = [&](const char* name, const char* help, const std::atomic<double>& value) {
    const double v = value.load(std::memory_order_relaxed);
    if (v >= 0) metric(name, "gauge", help, number(v));
  };
  gauge_if_sampled("smartcamrt_process_cpu_percent", "Process CPU, percent of one core.", cpu_proc_);
  gauge_if_sampled("smartcamrt_system_cpu_percent", "System CPU busy, percent of all cores.", cpu_sys_);
  gauge_if_sampled("smartcamrt_rss_mebibytes", "Resident set size of the process.", rss_);
  gauge_if_sampled("smartcamrt_gpu_utilization_percent", "NVIDIA GPU utilisation.", gpu_util_);
  gauge_if_sampled("smartcamrt_gpu_memory_mebibytes", "NVIDIA GPU memory used.", gpu_mem_);

  out += "# HELP smartcamrt_stage_latency_ms Per-frame latency of each pipeline stage, milliseconds.\n";
  out += "# TYPE smartcamrt_stage_latency_ms histogram\n";
  for (size_t s = 0; s < kStages.size(); ++s) {
    const Histogram& h = stages_[s];
    const std::string stage_labels = labels + ",stage=\"" + kStages[s] + "\"";
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= kBucketsMs.size(); ++b) {
      cumulative += h.buckets[b].load(std::memory_order_relaxed);
      const std::string le = b < kBucketsMs.size() ? number(kBucketsMs[b]) : "+Inf";
      out += "smartcamrt_stage_latency_ms_bucket{" + stage_labels + ",le=\"" + le + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    out +=
        "smartcamrt_stage_latency_ms_sum{" + stage_labels + "} " + number(h.sum.load(std::memory_order_relaxed)) + "\n";
    out += "smartcamrt_stage_latency_ms_count{" + stage_labels + "} " +
           std::to_string(h.count.load(std::memory_order_relaxed)) + "\n";
  }
  return out;
}

}  // namespace smartcamrt
