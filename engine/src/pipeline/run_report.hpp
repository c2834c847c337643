#pragma once
// summary.json and the one-screen end-of-run table, from the run's context and statistics.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <map>

#include "smartcamrt/core/host.hpp"
#include "smartcamrt/core/model_info.hpp"
#include "smartcamrt/pipeline/pipeline.hpp"
#include "smartcamrt/sources/source.hpp"
#include "smartcamrt/telemetry/run_summary.hpp"

namespace smartcamrt {

// Frames answered by one configuration, for the effective accuracy (accuracy weighted by frames).
struct ConfigurationUse {
  int64_t frames = 0;
  std::optional<AccuracyRecord> accuracy;
};

struct RunContext {
  std::string run_id, out_dir;
  const RunConfig* config = nullptr;
  int stream = 0;
  std::string source_spec;
  ModelInfo model;  // the model the stream started with
  std::string runtime_version;
  SourceInfo source;
  HostInfo host;
  int64_t captured = 0, processed = 0, dropped = 0;
  double duration_s = 0;
  bool interrupted = false;
  std::vector<std::string> files;
  int switches = 0;
  double slo_ms = 0;                             // 0 = no latency objective
  int64_t within_slo = 0;                        // processed items whose end-to-end time met the SLO
  std::map<std::string, ConfigurationUse> used;  // by "runtime/model"

  void account(const FrameRecord& record, const ModelInfo& answering) {
    if (slo_ms > 0 && record.e2e_ms <= slo_ms) ++within_slo;
    ConfigurationUse& use = used[answering.runtime + "/" + answering.name];
    ++use.frames;
    if (answering.manifest) use.accuracy = answering.manifest->accuracy;
  }
};

// `distributions` = false leaves out `stages` and `resources` (their percentiles sort every per-frame
// figure: what a long run's checkpoint cannot afford on the inference thread).
nlohmann::json summary_json(const RunContext& context, const RunStatistics& stats, bool distributions = true);
// The part of summary.json that follows from the processed items alone (frames, duration_s, fps, stages,
// resources, events, adaptation): shared by the run's own summary and `smartcamrt summarize`, which
// rebuilds it from frames.csv. Reads neither context.config nor the model.
void set_frame_figures(nlohmann::json& doc, const RunContext& context, const RunStatistics& stats,
                       bool distributions = true);
std::string summary_table(const RunContext& context, const RunStatistics& stats);

}  // namespace smartcamrt
