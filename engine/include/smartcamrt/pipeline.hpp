#pragma once
// The detection pipeline: source -> bounded queue (latest-wins when real-time) -> preprocess ->
// infer -> postprocess -> sinks (frames.csv, detections.jsonl, annotated output), one FrameRecord
// per processed frame. Threads: one reads the source, the caller's thread runs the model, one
// writes the sinks, and the resource sampler runs beside them.
#include <cstdint>
#include <memory>
#include <string>

#include "smartcamrt/detector.hpp"
#include "smartcamrt/run_control.hpp"

namespace smartcamrt {

struct RunConfig {
  DetectorConfig detector;
  std::string source;
  std::string out_dir;         // empty = runs/<run_id>
  int64_t max_frames = 0;      // 0 = the whole source
  bool realtime = false;       // pace a file at its frame rate and drop frames when behind
  bool save_annotated = true;  // annotated.mp4 or annotated/ images
  bool telemetry = true;       // resource sampler on
  int sample_interval_ms = 100;
  bool print_progress = false;  // live status line on stdout when it is a terminal
  std::string trace_path;       // Chrome trace-event JSON; empty = off
  int metrics_port = -1;        // Prometheus endpoint; -1 = off, 0 = any free port
  std::string metrics_host = "127.0.0.1";
  // Switch model/runtime or stop while the run goes on: through this object (library API) and/or
  // a control file (see control_file.hpp). Either may be left empty.
  std::shared_ptr<RunControl> control;
  std::string control_path;
};

struct RunReport {
  std::string run_id;
  std::string out_dir;
  std::string summary_path;
  int64_t processed = 0, dropped = 0;
  int switches = 0;
  bool interrupted = false;
  std::string summary_table;  // the one-screen summary printed at the end
};

// Throws Error for set-up problems (model, source, output folder). Stops early, cleanly, when
// stop_requested() becomes true.
RunReport run_detection(const RunConfig& config);

std::string make_run_id();

}  // namespace smartcamrt
