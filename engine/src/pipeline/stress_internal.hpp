#pragma once
// The parts of `smartcamrt stress` shared by its files: reading a mode's run folder back, the
// reports, and the soak. Not public: stress.hpp is the interface.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "smartcamrt/core/host.hpp"
#include "smartcamrt/pipeline/pipeline.hpp"
#include "smartcamrt/pipeline/stress.hpp"

namespace smartcamrt::stress_detail {

struct Reaction {
  LoadRise rise;
  std::optional<double> seconds;
};

// What one mode's run produced, read back from its folder.
struct ModeResult {
  std::string mode;
  std::string model;  // the configuration it started on
  std::string run_id;
  std::string folder;                       // relative to the stress folder
  std::vector<std::string> stream_folders;  // relative to the stress folder; each holds frames.csv
  PooledFigures figures;
  std::optional<double> p50_ms, p95_ms, p99_ms;  // end to end, every stream's answers pooled
  std::vector<Reaction> reactions;
  int64_t lost_to_switching = 0;
  double duration_s = 0;                          // the longest stream's
  size_t decisions = 0;                           // the controller's switching decisions
  std::map<std::string, int64_t> configurations;  // answered items per configuration, all streams
  bool interrupted = false;
};

// frames.csv -> rows (RFC 4180 quoting, columns found by their header names); throws Error.
std::vector<FrameRow> read_frame_rows(const std::string& csv_path);

// Reads the run folders of `report` (one per stream) and computes the mode's figures.
ModeResult collect_mode(const std::string& mode, const std::string& model, const RunReport& report,
                        const std::string& stress_dir, const LoadSchedule& schedule, double slo_ms);

// The host as the reports name it: CPU model, cores and the ISA flags that decide kernels.
nlohmann::json host_json(const HostInfo& host);
std::string host_line(const HostInfo& host);

nlohmann::json stress_json(const StressConfig& config, const HostInfo& host, const LoadSchedule& schedule,
                           const std::vector<ModeResult>& modes, bool interrupted);
std::string stress_markdown(const StressConfig& config, const HostInfo& host, const std::vector<ModeResult>& modes,
                            bool interrupted);

// Shared by the stress modes and the soak: one run of the pipeline as the stress runs it, with
// progress on stderr while it goes.
struct RunPlan {
  std::string label;  // shown in the progress line
  std::string model;
  std::string runtime;
  int threads = 0;
  bool adapt = false;
  std::string out_dir;
  double duration_s = 0;
  // The first source's rate and length (source_timing): a paced file's run is bounded by a frame
  // count; with no rate (a live source) a timer stops it.
  double source_fps = 0;
  int64_t source_frames = -1;
};
// Opens the first source once (throws Error naming it when it cannot be opened).
void source_timing(const StressConfig& config, RunPlan& plan);
RunReport run_planned(const StressConfig& config, const RunPlan& plan);

// `base` carries the source's timing (source_timing).
StressReport run_soak(const StressConfig& config, const RunPlan& base);

std::string format_number(double value);                                 // %g: "0", "2.5", "100"
void write_text_file(const std::string& path, const std::string& text);  // throws Error

}  // namespace smartcamrt::stress_detail
