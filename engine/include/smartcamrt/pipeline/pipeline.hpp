#pragma once
// A run: one or more streams, each source -> bounded queue (latest-wins when real-time) -> task ->
// sinks (frames.csv + the task's own files), one FrameRecord per processed item. Threads per stream:
// one reads the source, one runs the task, one writes the sinks; the resource sampler, the control
// file watcher and (with adaptation) the controller run beside them on the caller's thread.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "smartcamrt/optimizer/controller.hpp"
#include "smartcamrt/pipeline/run_control.hpp"
#include "smartcamrt/tasks/task.hpp"

namespace smartcamrt {

struct RunConfig {
  TaskConfig task;
  std::vector<std::string> sources;  // one stream per source
  std::string out_dir;               // empty = runs/<run_id>
  int64_t max_frames = 0;            // per stream; 0 = the whole source
  bool realtime = false;             // pace a file at its frame rate and drop frames when behind
  bool save_annotated = true;        // annotated/: video segments or images
  double segment_s = 10.0;           // length of each annotated video segment (a kill loses at most one)
  bool telemetry = true;             // resource sampler on
  int sample_interval_ms = 100;
  bool print_progress = false;  // live status line on stdout when it is a terminal
  std::string trace_path;       // Chrome trace-event JSON; empty = off
  int metrics_port = -1;        // Prometheus endpoint; -1 = off, 0 = any free port
  std::string metrics_host = "127.0.0.1";
  // Live web view (serve/live_view.hpp): "[ADDR:]PORT", loopback unless ADDR is given; empty = off.
  std::string serve;
  // Called with the view's URL once it listens (a caller that asked for port 0 learns the port).
  std::function<void(const std::string& url)> on_serve;
  // Switch model/runtime or stop while the run goes on: through this object (library API) and/or
  // a control file (see control_file.hpp). Either may be left empty. A switch applies to every stream.
  std::shared_ptr<RunControl> control;
  std::string control_path;
  AdaptConfig adapt;
  // Injected CPU load from the run's start (the engine's own generator, pipeline/load_generator.hpp):
  // "0s:0,20s:2,50s:0" = busy cores over time. Empty = none.
  std::string load;
};

struct StreamReport {
  int id = 0;
  std::string source;
  std::string out_dir;
  std::string summary_path;
  int64_t processed = 0, dropped = 0;
  int switches = 0;
};

struct RunReport {
  std::string run_id;
  std::string out_dir;
  std::string summary_path;
  int64_t processed = 0, dropped = 0;  // all streams
  int switches = 0;
  bool interrupted = false;
  std::vector<StreamReport> streams;
  std::vector<DecisionRecord> decisions;  // the controller's, with --adapt
  std::string summary_table;              // the one-screen summary printed at the end
};

// Throws Error for set-up problems (model, source, output folder, options). Stops early, cleanly,
// when stop_requested() becomes true. One source: the run folder holds that stream's files. Several:
// the run folder holds summary.json for the run and stream<N>/ with each stream's own run folder.
RunReport run_pipeline(const RunConfig& config);

std::string make_run_id();

}  // namespace smartcamrt
