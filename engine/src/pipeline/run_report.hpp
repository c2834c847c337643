#pragma once
// summary.json and the one-screen end-of-run table, from the run's context and statistics.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "smartcamrt/detector.hpp"
#include "smartcamrt/host.hpp"
#include "smartcamrt/pipeline.hpp"
#include "smartcamrt/run_summary.hpp"
#include "smartcamrt/source.hpp"

namespace smartcamrt {

struct RunContext {
  std::string run_id, out_dir;
  const RunConfig* config = nullptr;
  ModelInfo model;
  std::string runtime_version;
  SourceInfo source;
  HostInfo host;
  int64_t captured = 0, processed = 0, dropped = 0;
  double duration_s = 0;
  bool interrupted = false;
  std::vector<std::string> files;
};

nlohmann::json summary_json(const RunContext& context, const RunStatistics& stats);
std::string summary_table(const RunContext& context, const RunStatistics& stats);

}  // namespace smartcamrt
