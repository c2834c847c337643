#pragma once
// `smartcamrt stress`: the same source(s) and the same injected load schedule, run once per mode —
// static on the heaviest configuration, static on the lightest, adaptive — one after the other, then
// one comparison of what each mode kept of the latency promise (stress.md, stress.json). The modes
// run in sequence, never side by side, so that each sees the same machine and only the injected load.
//
// `--soak`: one long run (adaptive when a profile is given, else static) that samples the process's
// RSS and open file descriptors, to show whether either grows.
//
// The figures are computed from what the runs wrote (summary.json, frames.csv), by the pure functions
// below, which the tests drive with scripted data.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "smartcamrt/pipeline/load_generator.hpp"

namespace smartcamrt {

struct StressConfig {
  std::string model;                 // --model: the configuration the adaptive run starts on
  std::vector<std::string> sources;  // one stream each, repeated `streams` times
  int streams = 1;
  double slo_ms = 0;  // end-to-end objective; required but by a static soak
  std::string load;   // --load schedule, e.g. "0s:0,20s:2,50s:0"
  double duration_s = 0;
  // Device profile for the adaptive mode and the default light model; empty = this host's cached
  // profile, measured first when there is none. The soak is adaptive only when one is named.
  std::string profile;
  std::string heavy;               // default: model
  std::string light;               // default: the profile ladder's last rung (its runtime and threads too)
  std::string runtime;             // backend; empty = from the model file's suffix
  int threads = 0;                 // inference threads per session; 0 = the runtime's default
  std::vector<std::string> modes;  // of kStressModes; empty = all three
  std::string out_dir;             // empty = runs/stress-<run id>
  bool soak = false;
  double sample_s = 1.0;  // soak sampling interval
  bool progress = true;   // which mode and elapsed/duration on stderr
};

inline const char* const kStressModes[] = {"static-heavy", "static-light", "adaptive"};

struct StressReport {
  std::string out_dir;
  std::string markdown_path, json_path;
  std::string markdown;  // what stress.md (or soak.md) holds, for the terminal
  bool interrupted = false;
};

// Throws Error with a one-line message naming the option at fault (e.g. "--duration 0: must be > 0"),
// before anything runs.
void validate_stress_config(const StressConfig& config);

// Runs the modes (or the soak), writes the reports and returns where they are. Throws Error for
// set-up problems. Ctrl-C ends the mode that runs and skips the rest; the report covers what ran.
StressReport run_stress(const StressConfig& config);

// ---- Pure parts, computed from the run folders ----

// One item offered to a stream, on the run clock: answered (e2e_ms >= 0) or dropped (e2e_ms < 0).
struct OfferedItem {
  double t_s = 0;
  double e2e_ms = -1;
};

// One row of frames.csv, the columns these figures read.
struct FrameRow {
  int64_t frame = 0;
  double ts_ms = 0;
  double e2e_ms = 0;
  int64_t dropped = 0;  // cumulative
  std::string model;
  std::string event;
};

// A stream's rows -> its offered items. Frames.csv has no row for a dropped frame, only the
// cumulative count on the next answered one: the drops since the previous row are placed at this
// row's capture time (the drop happened between the two captures).
std::vector<OfferedItem> offered_items(const std::vector<FrameRow>& rows);

// Frames missing from a stream that its `dropped` column does not explain: frame numbers without a
// row beyond the drops counted (a switch must lose nothing but counted drops). Rows in file order.
int64_t frames_lost(const std::vector<FrameRow>& rows);

// A rise of the load schedule: from `from` busy cores to a higher `to` at `at_s`, until `until_s`
// (the next change of the schedule, or infinity).
struct LoadRise {
  double at_s = 0;
  double from = 0, to = 0;
  double until_s = 0;
};
std::vector<LoadRise> load_rises(const LoadSchedule& schedule);

// Reaction time to one rise: the windows of `window_s` from the rise (up to its until_s or the last
// item) are judged — met when a window has an answered item, its p95 <= slo_ms and no drop. 0 when
// the promise never broke; else the start of the first met window after the first broken one,
// minus the rise; nullopt when it is not met again before the load changes or the run ends.
// `items` may come from several streams (one budget), in any order.
std::optional<double> reaction_time_s(std::vector<OfferedItem> items, const LoadRise& rise, double slo_ms,
                                      double window_s = 1.0);

// What one stream's summary.json says.
struct StreamFigures {
  int64_t processed = 0, dropped = 0, offered = 0, within_slo = 0;
  int switches = 0;
  std::optional<double> accuracy;  // effective accuracy; nullopt when a configuration had none
  std::string accuracy_metric;
};

// Streams pooled: attainment = all answers within the SLO / all items offered (not a mean of the
// streams' ratios); accuracy weighted by answered items, nullopt unless every stream has one.
struct PooledFigures {
  int64_t processed = 0, dropped = 0, offered = 0, within_slo = 0;
  int switches = 0;
  std::optional<double> attainment;
  std::optional<double> accuracy;
  std::string accuracy_metric;  // "mixed" when the streams' metrics differ
};
PooledFigures pool_streams(const std::vector<StreamFigures>& streams);

// The one-sentence answer of stress.md: did the adaptive run get the lightest's attainment (within
// `attainment_slack`) and an accuracy close to the heaviest's (within `accuracy_slack`, absolute)?
std::string adaptive_verdict(const std::optional<PooledFigures>& heavy, const std::optional<PooledFigures>& light,
                             const std::optional<PooledFigures>& adaptive, double attainment_slack = 0.01,
                             double accuracy_slack = 0.03);

// Soak: the median of the first quarter of `samples` against that of the last quarter.
struct Growth {
  double first = 0, last = 0;
  std::optional<double> pct;  // (last - first) / first in %, nullopt when first is 0
};
std::optional<Growth> quarter_growth(const std::vector<double>& samples);  // nullopt below 4 samples

}  // namespace smartcamrt
