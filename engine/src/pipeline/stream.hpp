#pragma once
// One stream of a run: source -> bounded queue -> task -> sinks, with its own task instance, queue,
// run folder and id (the `stream` column). Run-wide parts (clock, sampler, metrics, trace, status line)
// are shared through StreamShared.
//
// Thread contract: the constructor and run() belong to one thread (the stream's); request_switch(),
// prepare_standby(), holds_warm(), observe_since() and current_model() may be called from any thread
// (the run's controller).
#include <atomic>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "run_outputs.hpp"
#include "run_report.hpp"
#include "smartcamrt/core/clock.hpp"
#include "smartcamrt/optimizer/controller.hpp"
#include "smartcamrt/optimizer/model_switcher.hpp"
#include "smartcamrt/pipeline/pipeline.hpp"
#include "smartcamrt/serve/stream_feed.hpp"
#include "smartcamrt/sources/source.hpp"
#include "smartcamrt/tasks/task.hpp"
#include "smartcamrt/telemetry/live_status.hpp"
#include "smartcamrt/telemetry/pipeline_metrics.hpp"
#include "smartcamrt/telemetry/run_summary.hpp"
#include "smartcamrt/telemetry/system_sampler.hpp"
#include "smartcamrt/telemetry/trace_writer.hpp"

namespace smartcamrt {

struct StreamShared {
  const RunConfig* config = nullptr;
  std::string run_id;
  Clock::time_point start;
  SystemSampler* sampler = nullptr;  // null when telemetry is off
  PipelineMetrics* metrics = nullptr;
  TraceWriter* trace = nullptr;  // null when tracing is off
  LiveStatus* status = nullptr;  // null for every stream but the one that shows the status line
  StreamFeed* view = nullptr;    // this stream's feed of the live web view (--serve); null when off
  HostInfo host;
  // Whether a task failure may wait for the controller's fallback (adaptation on) or ends the run.
  bool fallback_available = false;
};

class Stream : public AdaptableStream {
 public:
  // Opens the task, the source and the run folder; throws Error naming what is wrong.
  Stream(int id, std::string source_spec, std::string out_dir, const StreamShared& shared);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // The run's clock and trace, set once every stream is ready, before run().
  void set_clock(Clock::time_point start, TraceWriter* trace) {
    shared_.start = start;
    shared_.trace = trace;
  }
  // Processes until the source ends, stop is requested or a task fails without fallback (throws).
  void run();
  void request_stop() { stop_.store(true); }
  // The latest request wins if several arrive before the stream takes one.
  void request_switch(const SwitchRequest& request) override;
  void prepare_standby(const SwitchRequest& request) override;
  bool holds_warm(const SwitchRequest& request) const override;
  StreamObservation observe_since(double since_s) const override;
  std::string current_model() const;  // "runtime/name"

  // After run(): writes summary.json and returns the stream's report.
  StreamReport finish(bool interrupted);
  const RunContext& context() const { return context_; }
  const RunStatistics& statistics() const { return stats_; }

 private:
  void between_items();
  void add_event(const std::string& event);
  void record_window(double t_s, double e2e_ms, int64_t dropped, bool processed);
  // Rewrites summary.json (atomically) when the checkpoint interval has passed.
  void checkpoint(Clock::time_point now, int64_t dropped);

  int id_;
  StreamShared shared_;
  const RunConfig& config_;
  std::unique_ptr<Task> task_;
  std::unique_ptr<FrameSource> source_;
  RunContext context_;
  std::unique_ptr<RunOutputs> outputs_;
  std::unique_ptr<ModelSwitcher> switcher_;
  RunStatistics stats_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> captured_{0};
  int64_t dropped_ = 0;
  int switches_ = 0;
  std::string pending_event_;
  std::optional<SwitchRequest> pending_switch_;
  Clock::time_point end_;
  Clock::time_point next_checkpoint_{};  // the first processed item writes one at once
  std::atomic<bool> checkpoint_warned_{false};
  std::future<void> checkpoint_write_;    // the checkpoint being written, off the inference thread
  bool checkpoint_distributions_ = true;  // false once computing them costs more than the budget

  mutable std::mutex mutex_;  // guards what the controller reads and writes
  std::optional<SwitchRequest> requested_;
  struct WindowEntry {
    double t_s;
    double e2e_ms;  // < 0 for a dropped item
  };
  std::deque<WindowEntry> window_;
  bool failed_ = false;
  std::string failure_;
  uint64_t generation_ = 0, failed_switches_ = 0;
  std::string current_;
};

}  // namespace smartcamrt
