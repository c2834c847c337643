#include "run_report.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include <opencv2/core/version.hpp>

#include "smartcamrt/core/version.hpp"

namespace smartcamrt {
namespace {

double round3(double value) { return std::round(value * 1000.0) / 1000.0; }

nlohmann::json stats_json(const Stats& s) {
  return {{"count", s.count},     {"mean", round3(s.mean)}, {"p50", round3(s.p50)}, {"p90", round3(s.p90)},
          {"p95", round3(s.p95)}, {"p99", round3(s.p99)},   {"max", round3(s.max)}};
}

double fps_of(const RunContext& context) {
  return context.duration_s > 0 ? static_cast<double>(context.processed) / context.duration_s : 0.0;
}

// SLO attainment = items answered within the SLO / items offered (a dropped item is a miss);
// effective accuracy = the accuracy of the configurations used, weighted by the items each answered.
nlohmann::json adaptation_json(const RunContext& c) {
  nlohmann::json doc;
  doc["switches"] = c.switches;
  const int64_t offered = c.processed + c.dropped;
  doc["slo_ms"] = c.slo_ms > 0 ? nlohmann::json(c.slo_ms) : nlohmann::json();
  doc["offered"] = offered;
  doc["within_slo"] = c.slo_ms > 0 ? nlohmann::json(c.within_slo) : nlohmann::json();
  doc["slo_attainment"] = c.slo_ms > 0 && offered > 0
                              ? nlohmann::json(round3(static_cast<double>(c.within_slo) / static_cast<double>(offered)))
                              : nlohmann::json();
  double weighted = 0;
  int64_t with_accuracy = 0;
  std::string metric;
  auto& used = doc["configurations"] = nlohmann::json::array();
  for (const auto& [name, use] : c.used) {
    used.push_back({{"configuration", name},
                    {"frames", use.frames},
                    {"accuracy", use.accuracy ? nlohmann::json(use.accuracy->value) : nlohmann::json()},
                    {"metric", use.accuracy ? nlohmann::json(use.accuracy->metric) : nlohmann::json()}});
    if (!use.accuracy) continue;
    weighted += use.accuracy->value * static_cast<double>(use.frames);
    with_accuracy += use.frames;
    metric = metric.empty() || metric == use.accuracy->metric ? use.accuracy->metric : "mixed";
  }
  // Only when every answering configuration has a recorded accuracy: a partial figure would mislead.
  const bool complete = with_accuracy > 0 && with_accuracy == c.processed;
  doc["effective_accuracy"] =
      complete ? nlohmann::json(round3(weighted / static_cast<double>(with_accuracy))) : nlohmann::json();
  doc["accuracy_metric"] = complete ? nlohmann::json(metric) : nlohmann::json();
  return doc;
}

}  // namespace

void set_frame_figures(nlohmann::json& doc, const RunContext& c, const RunStatistics& stats, bool distributions) {
  doc["frames"] = {{"captured", c.captured}, {"processed", c.processed}, {"dropped", c.dropped}};
  doc["duration_s"] = round3(c.duration_s);
  doc["fps"] = round3(fps_of(c));
  doc["adaptation"] = adaptation_json(c);
  auto& events = doc["events"] = nlohmann::json::array();
  for (const RunEvent& e : stats.events())
    events.push_back({{"frame", e.frame}, {"ts_ms", round3(e.ts_ms)}, {"event", e.event}});
  if (!distributions) {
    doc.erase("stages");
    doc.erase("resources");
    return;
  }
  auto& stages = doc["stages"] = nlohmann::json::object();
  for (const auto& [name, s] : stats.stages()) stages[name] = stats_json(s);
  auto& resources = doc["resources"] = nlohmann::json::object();
  for (const auto& [name, s] : stats.resources()) resources[name] = {{"mean", round3(s.mean)}, {"max", round3(s.max)}};
  if (resources.contains("cpu_proc_pct") && c.host.cores > 0) {
    // Normalised by the core count: 100 = every core busy.
    resources["cpu_proc_norm_pct"] = {{"mean", round3(resources["cpu_proc_pct"]["mean"].get<double>() / c.host.cores)},
                                      {"max", round3(resources["cpu_proc_pct"]["max"].get<double>() / c.host.cores)}};
  }
}

nlohmann::json summary_json(const RunContext& c, const RunStatistics& stats, bool distributions) {
  const RunConfig& config = *c.config;
  nlohmann::json doc;
  doc["run_id"] = c.run_id;
  doc["tool"] = "smartcamrt run";
  doc["stream"] = c.stream;
  doc["config"] = {{"model", config.task.model_path},
                   {"source", c.source_spec},
                   {"runtime", c.model.runtime},
                   {"task", c.model.task},
                   {"threads", config.task.session.threads},
                   {"conf", config.task.detection.conf_threshold},
                   {"iou", config.task.detection.iou_threshold},
                   {"realtime", config.realtime},
                   {"input", c.model.input},
                   {"slo_ms", c.slo_ms > 0 ? nlohmann::json(c.slo_ms) : nlohmann::json()},
                   {"adapt", config.adapt.enabled},
                   {"max_frames", config.max_frames > 0 ? nlohmann::json(config.max_frames) : nlohmann::json()},
                   {"telemetry", config.telemetry}};
  doc["model"] = {{"name", c.model.name},
                  {"precision", c.model.precision},
                  {"classes", c.model.labels.size()},
                  {"parity", c.model.parity}};
  doc["host"] = {{"cpu_model", c.host.cpu_model},
                 {"cores", c.host.cores},
                 {"os", c.host.os},
                 {"kernel", c.host.kernel},
                 {"arch", c.host.arch}};
  doc["versions"] = {{"smartcamrt", SMARTCAMRT_VERSION}, {c.model.runtime, c.runtime_version}, {"opencv", CV_VERSION}};
  doc["source"] = {{"kind", source_kind_name(c.source.kind)},
                   {"width", c.source.width},
                   {"height", c.source.height},
                   {"fps", c.source.fps}};
  set_frame_figures(doc, c, stats, distributions);
  if (!config.load.empty()) doc["config"]["load"] = config.load;
  doc["files"] = c.files;
  doc["interrupted"] = c.interrupted;
  doc["final"] = true;  // a checkpoint written while the run goes on says false (Stream::checkpoint)
  return doc;
}

std::string summary_table(const RunContext& c, const RunStatistics& stats) {
  const RunConfig& config = *c.config;
  std::string out;
  char line[256];
  std::snprintf(line, sizeof(line), "SmartCamRT run %s%s\n", c.run_id.c_str(), c.interrupted ? "  (interrupted)" : "");
  out += line;
  std::snprintf(line, sizeof(line), "  model    %s  [%s %s, %s, input %s, threads %d]\n", c.model.name.c_str(),
                c.model.runtime.c_str(), c.runtime_version.c_str(), c.model.precision.c_str(), c.model.input.c_str(),
                config.task.session.threads);
  out += line;
  std::snprintf(line, sizeof(line), "  source   %s  [%s %dx%d, %.1f fps, %s]\n",
                std::filesystem::path(c.source_spec).filename().string().c_str(), source_kind_name(c.source.kind),
                c.source.width, c.source.height, c.source.fps, config.realtime ? "real-time" : "as fast as possible");
  out += line;
  std::snprintf(line, sizeof(line), "  frames   %lld processed, %lld dropped, %.1f s, %.2f FPS\n",
                static_cast<long long>(c.processed), static_cast<long long>(c.dropped), c.duration_s, fps_of(c));
  out += line;
  out += "  stage (ms)      p50      p90      p99     mean      max\n";
  const auto stage_stats = stats.stages();
  for (const char* name : {"capture_ms", "queue_ms", "pre_ms", "infer_ms", "post_ms", "e2e_ms"}) {
    const auto it = stage_stats.find(name);
    if (it == stage_stats.end()) continue;
    const Stats& s = it->second;
    std::string label(name);
    label = label.substr(0, label.size() - 3);
    std::snprintf(line, sizeof(line), "  %-10s %8.2f %8.2f %8.2f %8.2f %8.2f\n", label.c_str(), s.p50, s.p90, s.p99,
                  s.mean, s.max);
    out += line;
  }
  const auto resources = stats.resources();
  const auto cpu = resources.find("cpu_proc_pct");
  const auto rss = resources.find("rss_mb");
  if (cpu != resources.end() && rss != resources.end()) {
    std::snprintf(line, sizeof(line),
                  "  cpu      %.0f%% mean, %.0f%% max (of one core)   rss %.0f MiB mean, %.0f MiB max\n",
                  cpu->second.mean, cpu->second.max, rss->second.mean, rss->second.max);
    out += line;
  }
  if (c.slo_ms > 0) {
    const nlohmann::json adaptation = adaptation_json(c);
    std::snprintf(line, sizeof(line), "  slo      %.0f ms: attainment %s, effective accuracy %s, %d switches\n",
                  c.slo_ms, adaptation["slo_attainment"].dump().c_str(),
                  adaptation["effective_accuracy"].dump().c_str(), c.switches);
    out += line;
  }
  out += "  out      " + c.out_dir + "\n";
  return out;
}

}  // namespace smartcamrt
