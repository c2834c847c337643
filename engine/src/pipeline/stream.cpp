#include "stream.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>
#include <utility>

#include "smartcamrt/backends/backend.hpp"
#include "smartcamrt/core/atomic_file.hpp"
#include "smartcamrt/core/error.hpp"
#include "smartcamrt/pipeline/frame_queue.hpp"
#include "smartcamrt/pipeline/stop_signal.hpp"
#include "smartcamrt/telemetry/rate_window.hpp"

namespace fs = std::filesystem;

namespace smartcamrt {
namespace {

struct CapturedFrame {
  Frame frame;
  Clock::time_point read_start;  // when the source read began
  Clock::time_point captured;    // when the frame became available to the engine
  double capture_ms = 0;         // time spent obtaining it from the source
};

constexpr auto kPollInterval = std::chrono::milliseconds(50);
constexpr double kWindowKeepS = 30.0;  // the longest window a controller may ask for
constexpr int kWarmupRuns = 1;

// Reads the source on its own thread. In real-time mode a file is paced at its frame rate, as a
// camera would deliver it: each frame is read at its due time (not ahead of it, where its decoding
// would compete with the inference of the frame before), and the latest-wins queue drops what the
// engine cannot keep up with.
void capture_loop(FrameSource& source, const RunConfig& config, Clock::time_point start,
                  FrameQueue<CapturedFrame>& queue, const std::atomic<bool>& halt, std::atomic<int64_t>& captured) {
  const SourceInfo& info = source.info();
  const bool pace = config.realtime && !info.live() && info.fps > 0;
  for (int64_t next = 0;; ++next) {
    if (halt.load() || stop_requested()) break;
    if (config.max_frames > 0 && next >= config.max_frames) break;
    if (pace) {
      std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                                std::chrono::duration<double>(static_cast<double>(next) / info.fps)));
    }
    CapturedFrame item;
    item.read_start = Clock::now();
    if (!source.read(item.frame)) break;
    item.captured = Clock::now();
    item.capture_ms = ms_between(item.read_start, item.captured) + item.frame.preread_ms;
    captured.fetch_add(1);
    if (!queue.push(std::move(item))) break;
  }
  queue.close();
}

// Every few seconds while the run goes on, so that a killed run leaves a summary (marked "final": false)
// with its configuration, host and versions; `smartcamrt summarize` brings its figures up to frames.csv.
constexpr auto kCheckpointInterval = std::chrono::seconds(5);
// The per-stage percentiles sort every per-frame figure: 16 ms for an hour at 10 fps, 146 ms for eight
// hours, on this project's x86 machine (docs/run-folder.md); a Pi is slower. Past this cost a checkpoint leaves them
// out
// (`summarize` computes them from frames.csv) rather than stall the inference thread.
constexpr auto kCheckpointDistributionsBudget = std::chrono::milliseconds(10);

std::string label_of(const ModelInfo& model) { return model.runtime + "/" + model.name; }

}  // namespace

Stream::Stream(int id, std::string source_spec, std::string out_dir, const StreamShared& shared)
    : id_(id), shared_(shared), config_(*shared.config) {
  task_ = create_task(config_.task);
  source_ = open_source(source_spec);
  const bool texts = source_->info().kind == SourceKind::kText;
  if (task_->takes_images() == texts) {
    throw Error("--source '" + source_spec + "': model '" + task_->info().name + "' is a " + task_->info().task +
                (texts ? " model and takes frames (video, images, camera, stream), not texts"
                       : " model and takes texts (.txt, .tsv, or - for standard input), not frames"));
  }
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec || !fs::is_directory(out_dir)) {
    throw Error("--out '" + out_dir + "': cannot create the folder" + (ec ? ": " + ec.message() : std::string()));
  }
  context_.config = &config_;
  context_.run_id = shared.run_id;
  context_.stream = id;
  context_.source_spec = source_spec;
  context_.out_dir = out_dir;
  context_.model = task_->info();
  context_.runtime_version = BackendRegistry::instance().require(context_.model.runtime).availability().version;
  context_.source = source_->info();
  context_.host = shared.host;
  context_.slo_ms = config_.adapt.slo_ms;
  outputs_ = std::make_unique<RunOutputs>(
      out_dir, task_->open_sink({out_dir, context_.source, config_.save_annotated, config_.segment_s}));
  context_.files = outputs_->files();
  const std::string warning = isa_mismatch_warning(task_->info(), shared.host.isa);
  if (!warning.empty()) {
    std::fprintf(stderr, "%s\n", warning.c_str());
    add_event("isa-warning");
  }
  // A warm-up inference keeps the first frame's arena and kernel set-up out of its latency. It pays over
  // many frames; for a single image it would be a second inference (~25 ms of a ~0.25 s cold run at 640).
  if (context_.source.frame_count != 1) task_->warm_up(context_.source, kWarmupRuns);
  switcher_ = std::make_unique<ModelSwitcher>(config_.task, context_.source);
  current_ = label_of(task_->info());
}

Stream::~Stream() = default;

void Stream::request_switch(const SwitchRequest& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  requested_ = request;
}

// Straight to the switcher (thread-safe), so that a standby can load before the stream runs.
void Stream::prepare_standby(const SwitchRequest& request) { switcher_->prepare_standby(request); }

bool Stream::holds_warm(const SwitchRequest& request) const { return switcher_->holds_warm(request); }

std::string Stream::current_model() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return current_;
}

StreamObservation Stream::observe_since(double since_s) const {
  std::lock_guard<std::mutex> lock(mutex_);
  StreamObservation obs;
  for (const WindowEntry& entry : window_) {
    if (entry.t_s < since_s) continue;
    ++obs.offered;
    if (entry.e2e_ms < 0) {
      ++obs.dropped;
    } else {
      obs.e2e_ms.push_back(entry.e2e_ms);
      obs.finished_s.push_back(entry.t_s);
    }
  }
  obs.failed = failed_;
  obs.failure = failure_;
  obs.generation = generation_;
  obs.failed_switches = failed_switches_;
  return obs;
}

void Stream::record_window(double t_s, double e2e_ms, int64_t dropped, bool processed) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (int64_t i = dropped_; i < dropped; ++i) window_.push_back({t_s, -1.0});  // drops since the last item
  dropped_ = dropped;
  if (processed) window_.push_back({t_s, e2e_ms});
  while (!window_.empty() && window_.front().t_s < t_s - kWindowKeepS) window_.pop_front();
}

// Several events before the next answered item (a failure, then the fallback) share its row.
void Stream::add_event(const std::string& event) {
  pending_event_ = pending_event_.empty() ? event : pending_event_ + ";" + event;
}

// Between two items: pass a switch request on, and swap in a task that is ready.
void Stream::between_items() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (requested_) pending_switch_ = std::exchange(requested_, std::nullopt);
  }
  if (pending_switch_ && switcher_->request(*pending_switch_)) pending_switch_.reset();
  if (const std::string failed = switcher_->standby_failure(); !failed.empty()) {
    add_event("standby-failed:" + failed);
    std::fprintf(stderr, "stream %d: standby not loaded: %s\n", id_, failed.c_str());
  }
  std::string failure;
  SwitchRequest served;
  if (std::unique_ptr<Task> next = switcher_->take_ready(&failure, &served)) {
    const std::string from = label_of(task_->info()), to = label_of(next->info());
    add_event(served.reason.empty() ? "switch:" + from + "->" + to : served.reason);
    if (shared_.metrics) shared_.metrics->set_model(next->info().name, next->info().runtime, next->info().precision);
    switcher_->retire(std::exchange(task_, std::move(next)));
    ++switches_;
    std::lock_guard<std::mutex> lock(mutex_);
    failed_ = false;
    failure_.clear();
    current_ = to;
    ++generation_;
  } else if (!failure.empty()) {
    add_event("switch-failed:" + failure);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++failed_switches_;
    }
    std::fprintf(stderr, "stream %d: switch failed, staying on %s: %s\n", id_, task_->info().name.c_str(),
                 failure.c_str());
  }
}

void Stream::run() {
  const RunConfig& config = config_;
  const Clock::time_point start = shared_.start;
  const bool images = context_.source.kind == SourceKind::kImage || context_.source.kind == SourceKind::kImageFolder;
  // Real-time: a queue of one, newest frame wins. Otherwise: a blocking queue of one, so decoding
  // the next frame overlaps inference but no frame is dropped. Texts are never dropped: each is answered.
  const bool drop_late = config.realtime && context_.source.kind != SourceKind::kText;
  FrameQueue<CapturedFrame> frames(
      1, drop_late ? FrameQueue<CapturedFrame>::Mode::kLatestWins : FrameQueue<CapturedFrame>::Mode::kBlocking);
  FrameQueue<ProcessedFrame> results(16, FrameQueue<ProcessedFrame>::Mode::kBlocking);
  std::atomic<bool> halt{false};
  std::thread capture_thread(capture_loop, std::ref(*source_), std::cref(config), start, std::ref(frames),
                             std::cref(halt), std::ref(captured_));
  std::thread sink_thread([&] {
    while (!results.closed_and_empty()) {
      if (auto item = results.pop(kPollInterval)) {
        const auto begin = Clock::now();
        outputs_->write(*item);
        if (shared_.view) shared_.view->publish(item->record, item->item.image);  // the annotated image, if kept
        if (shared_.trace) shared_.trace->span(TraceLane::kSinks, "sinks", begin, Clock::now(), item->record.frame);
      }
    }
  });
  // Stops both threads; after it, every processed item has reached the sinks.
  const auto join_threads = [&] {
    halt.store(true);
    frames.close();
    source_->interrupt();  // a read waiting on standard input returns
    capture_thread.join();
    results.close();
    sink_thread.join();
  };

  RateWindow fps_window;
  uint64_t seen_sample = 0;
  int64_t lost_to_failure = 0;
  try {
    while (!stop_requested() && !stop_.load()) {
      between_items();
      std::optional<CapturedFrame> item = frames.pop(kPollInterval);
      if (!item) {
        if (frames.closed_and_empty()) break;
        continue;
      }
      bool failed_now = false;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        failed_now = failed_;
      }
      if (failed_now) {  // the task is broken: the item is lost (a miss) until a fallback arrives
        ++lost_to_failure;
        std::lock_guard<std::mutex> lock(mutex_);
        window_.push_back({ms_between(start, item->captured) / 1000.0, -1.0});
        continue;
      }
      const auto t_pre = Clock::now();
      StageTimes times;
      std::unique_ptr<TaskResult> result;
      try {
        result = task_->process(item->frame, times);
      } catch (const std::exception& e) {
        const std::string reason = first_line(e.what());
        std::fprintf(stderr, "stream %d: %s failed: %s\n", id_, current_model().c_str(), reason.c_str());
        if (!shared_.fallback_available) throw;
        std::lock_guard<std::mutex> lock(mutex_);
        failed_ = true;
        failure_ = reason;
        window_.push_back({ms_between(start, item->captured) / 1000.0, -1.0});
        add_event("failure:" + reason);
        ++lost_to_failure;
        continue;
      }
      const auto t_done = Clock::now();
      const ModelInfo& model = task_->info();

      ProcessedFrame done;
      FrameRecord& r = done.record;
      r.run_id = context_.run_id;
      r.stream = id_;
      r.frame = item->frame.index;
      r.ts_ms = ms_between(start, item->captured);
      r.model = model.name;
      r.runtime = model.runtime;
      r.precision = model.precision;
      r.event = std::exchange(pending_event_, std::string());
      const std::string item_input = result->input();
      r.input = item_input.empty() ? model.input : item_input;
      r.capture_ms = item->capture_ms;
      r.queue_ms = ms_between(item->captured, t_pre);
      r.pre_ms = times.pre_ms;
      r.infer_ms = times.infer_ms;
      r.post_ms = times.post_ms;
      r.e2e_ms = ms_between(item->captured, t_done);
      r.dropped = frames.dropped() + lost_to_failure;
      r.detections = result->count();
      if (shared_.sampler) {
        const ResourceSample sample = shared_.sampler->latest();
        r.cpu_proc_pct = sample.cpu_proc_pct;
        r.cpu_sys_pct = sample.cpu_sys_pct;
        r.rss_mb = sample.rss_mb;
        r.gpu_util_pct = sample.gpu_util_pct;
        r.gpu_mem_mb = sample.gpu_mem_mb;
        if (shared_.metrics && shared_.sampler->sequence() != seen_sample) {  // a new sample: publish it once
          seen_sample = shared_.sampler->sequence();
          shared_.metrics->set_resources(sample);
          if (shared_.trace) shared_.trace->counters(t_done, sample);
        }
      }
      if (shared_.trace) {
        shared_.trace->span(TraceLane::kCapture, "capture", item->read_start, item->captured, r.frame);
        // The task timed its three steps back to back from t_pre: the spans follow from the times.
        const auto after = [&](double ms) {
          return t_pre + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(ms));
        };
        shared_.trace->span(TraceLane::kInference, "preprocess", t_pre, after(times.pre_ms), r.frame);
        shared_.trace->span(TraceLane::kInference, "inference", after(times.pre_ms),
                            after(times.pre_ms + times.infer_ms), r.frame);
        shared_.trace->span(TraceLane::kInference, "postprocess", after(times.pre_ms + times.infer_ms), t_done,
                            r.frame);
      }
      record_window(ms_between(start, t_done) / 1000.0, r.e2e_ms, frames.dropped(), true);
      stats_.add(r);
      context_.account(r, model);
      if (shared_.status) shared_.status->update(r);
      if (shared_.metrics) shared_.metrics->record(r);
      fps_window.tick(t_done);
      if (shared_.metrics) shared_.metrics->set_fps(fps_window.per_second());
      done.result = std::move(result);
      // The sink draws on the image when there is one: for the annotated output, or for a live viewer.
      if (config.save_annotated || (shared_.view && shared_.view->wants_image())) {
        done.item.image = std::move(item->frame.image);
      }
      if (images) done.item.name = item->frame.name;
      results.push(std::move(done));
      checkpoint(t_done, frames.dropped() + lost_to_failure);
    }
  } catch (...) {
    join_threads();
    throw;
  }
  end_ = Clock::now();
  join_threads();  // every processed item reaches the files before the summary is written
  outputs_->close();
  context_.captured = captured_.load();
  context_.processed = static_cast<int64_t>(stats_.processed());
  context_.dropped = frames.dropped() + lost_to_failure;
}

StreamReport Stream::finish(bool interrupted) {
  context_.interrupted = interrupted;
  context_.duration_s = ms_between(shared_.start, end_) / 1000.0;
  context_.switches = switches_;
  StreamReport report;
  report.id = id_;
  report.source = context_.source_spec;
  report.out_dir = context_.out_dir;
  report.summary_path = (fs::path(context_.out_dir) / "summary.json").string();
  report.processed = context_.processed;
  report.dropped = context_.dropped;
  report.switches = switches_;
  if (checkpoint_write_.valid()) checkpoint_write_.wait();
  write_file_atomically(report.summary_path, summary_json(context_, stats_).dump(2) + "\n");
  return report;
}

void Stream::checkpoint(Clock::time_point now, int64_t dropped) {
  if (now < next_checkpoint_) return;
  // Written (and fsync'ed: tens of ms on an SD card) off the inference thread; one write at a time,
  // and finish() waits for it, so a late checkpoint never replaces the final summary.
  if (checkpoint_write_.valid() && checkpoint_write_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    return;  // the previous one is still being written: try again at the next item
  }
  RunContext c = context_;
  c.captured = captured_.load();
  c.processed = static_cast<int64_t>(stats_.processed());
  c.dropped = dropped;
  c.duration_s = ms_between(shared_.start, now) / 1000.0;
  c.switches = switches_;
  c.interrupted = true;  // read after the process is gone, a checkpoint is the summary of a run cut short
  nlohmann::json doc = summary_json(c, stats_, checkpoint_distributions_);
  const auto computed = Clock::now();
  doc["final"] = false;
  if (!checkpoint_distributions_) {
    doc["checkpoint"] = {
        {"left_out", {"stages", "resources"}},
        {"why", "too long a run to sort on the inference thread; smartcamrt summarize RUN computes them"}};
  }
  checkpoint_write_ =
      std::async(std::launch::async,
                 [this, path = (fs::path(context_.out_dir) / "summary.json").string(), text = doc.dump(2) + "\n"] {
                   try {
                     write_file_atomically(path, text);
                   } catch (const Error& e) {  // a full card must not stop the camera: frames.csv still has every frame
                     if (!checkpoint_warned_.exchange(true)) {
                       std::fprintf(stderr, "stream %d: summary checkpoint not written: %s\n", id_, e.what());
                     }
                   }
                 });
  if (checkpoint_distributions_ && computed - now > kCheckpointDistributionsBudget) {
    checkpoint_distributions_ = false;  // they only get dearer as the run goes on
  }
  next_checkpoint_ = now + kCheckpointInterval;
}

}  // namespace smartcamrt
