#pragma once
// `smartcamrt summarize RUN`: rebuilds a run folder's summary.json from its frames.csv, for a run that
// was cut short (kill -9, power loss) before it wrote its final summary. The figures that follow from
// the processed items (frames, duration, FPS, per-stage statistics, resources, events, adaptation) are
// recomputed with the same code as the run's own summary; what frames.csv does not hold (configuration,
// host, versions, source) is taken from the checkpoint summary the run rewrites every few seconds, when
// there is one, and otherwise left out rather than invented. The result says so in "rebuilt".
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace smartcamrt {

struct RebuiltSummary {
  nlohmann::json summary;
  int64_t rows = 0;          // frames.csv rows used
  int64_t skipped_rows = 0;  // rows that did not parse (a row cut by the kill)
  bool had_summary = false;  // an earlier summary.json (checkpoint or final) supplied the other fields
};

// Reads RUN/frames.csv (and RUN/summary.json where present). Throws Error naming what is missing.
RebuiltSummary rebuild_summary(const std::string& run_dir);

// rebuild_summary(), then replaces RUN/summary.json atomically. Returns what it wrote.
RebuiltSummary summarize_run(const std::string& run_dir);

}  // namespace smartcamrt
