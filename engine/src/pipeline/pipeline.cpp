#include "smartcamrt/pipeline.hpp"

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <random>
#include <thread>
#include <utility>

#include "control_file.hpp"
#include "run_outputs.hpp"
#include "run_report.hpp"
#include "smartcamrt/clock.hpp"
#include "smartcamrt/error.hpp"
#include "smartcamrt/frame_queue.hpp"
#include "smartcamrt/live_status.hpp"
#include "smartcamrt/metrics_server.hpp"
#include "smartcamrt/model_switcher.hpp"
#include "smartcamrt/pipeline_metrics.hpp"
#include "smartcamrt/rate_window.hpp"
#include "smartcamrt/source.hpp"
#include "smartcamrt/stop_signal.hpp"
#include "smartcamrt/system_sampler.hpp"
#include "smartcamrt/trace_writer.hpp"

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

// Reads the source on its own thread. In real-time mode a file is paced at its frame rate, as a
// camera would deliver it: each frame is read at its due time (not ahead of it, where its decoding
// would compete with the inference of the frame before), and the latest-wins queue drops what the
// engine cannot keep up with.
void capture_loop(FrameSource& source, const RunConfig& config, Clock::time_point start,
                  FrameQueue<CapturedFrame>& queue, std::atomic<bool>& halt, std::atomic<int64_t>& captured) {
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

std::string prepare_out_dir(const RunConfig& config, const std::string& run_id) {
  const std::string out_dir = config.out_dir.empty() ? (fs::path("runs") / run_id).string() : config.out_dir;
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec || !fs::is_directory(out_dir)) {
    throw Error("--out '" + out_dir + "': cannot create the folder" + (ec ? ": " + ec.message() : std::string()));
  }
  return out_dir;
}

// One untimed run, so the first recorded frame does not carry the runtime's lazy start-up.
void warm_up(Detector& detector, const SourceInfo& source) {
  const cv::Mat blank(source.height > 0 ? source.height : 480, source.width > 0 ? source.width : 640, CV_8UC3,
                      cv::Scalar(114, 114, 114));
  detector.detect(blank);
}

void write_summary(const std::string& path, const nlohmann::json& summary) {
  std::ofstream out(path);
  out << summary.dump(2) << "\n";
  if (!out) throw Error("cannot write '" + path + "'");
}

}  // namespace

std::string make_run_id() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &local);
  std::random_device random;
  char suffix[8];
  std::snprintf(suffix, sizeof(suffix), "%04x", static_cast<unsigned>(random() & 0xffffu));
  return std::string(stamp) + "-" + suffix;
}

RunReport run_detection(const RunConfig& config) {
  if (config.max_frames < 0) throw Error("--frames " + std::to_string(config.max_frames) + ": must be >= 0");
  std::unique_ptr<Detector> detector = Detector::Create(config.detector);
  std::unique_ptr<FrameSource> source = open_source(config.source);

  RunContext context;
  context.config = &config;
  context.run_id = make_run_id();
  context.out_dir = prepare_out_dir(config, context.run_id);
  context.model = detector->info();
  context.runtime_version = BackendRegistry::instance().require(context.model.runtime).availability().version;
  context.source = source->info();
  context.host = read_host_info();

  const bool images = context.source.kind == SourceKind::kImage || context.source.kind == SourceKind::kImageFolder;
  RunOutputs outputs(context.out_dir, context.source, config.save_annotated, context.model.labels);
  context.files = outputs.files();
  warm_up(*detector, context.source);

  SystemSampler sampler(std::chrono::milliseconds(config.sample_interval_ms > 0 ? config.sample_interval_ms : 100));
  if (config.telemetry) sampler.start();
  LiveStatus status = config.print_progress ? LiveStatus::for_stdout() : LiveStatus(stdout, false);
  PipelineMetrics metrics;
  metrics.set_model(context.model.name, context.model.runtime, context.model.precision);
  std::unique_ptr<MetricsServer> metrics_server;
  if (config.metrics_port >= 0) {
    metrics_server = std::make_unique<MetricsServer>(metrics, config.metrics_host, config.metrics_port);
    std::fprintf(stderr, "metrics: http://%s:%d/metrics\n", metrics_server->host().c_str(), metrics_server->port());
  }

  const auto start = Clock::now();
  std::unique_ptr<TraceWriter> trace;
  if (!config.trace_path.empty()) trace = std::make_unique<TraceWriter>(config.trace_path, start);
  // Real-time: a queue of one, newest frame wins. Otherwise: a blocking queue of one, so decoding
  // the next frame overlaps inference but no frame is dropped.
  FrameQueue<CapturedFrame> frames(
      1, config.realtime ? FrameQueue<CapturedFrame>::Mode::kLatestWins : FrameQueue<CapturedFrame>::Mode::kBlocking);
  FrameQueue<ProcessedFrame> results(16, FrameQueue<ProcessedFrame>::Mode::kBlocking);
  std::atomic<bool> halt{false};
  std::atomic<int64_t> captured{0};
  std::thread capture_thread(capture_loop, std::ref(*source), std::cref(config), start, std::ref(frames),
                             std::ref(halt), std::ref(captured));
  std::thread sink_thread([&] {
    while (!results.closed_and_empty()) {
      if (auto item = results.pop(kPollInterval)) {
        const auto begin = Clock::now();
        outputs.write(*item);
        if (trace) trace->span(TraceLane::kSinks, "sinks", begin, Clock::now(), item->record.frame);
      }
    }
  });

  // Stops both threads; after it, every processed frame has reached the sinks.
  const auto join_threads = [&] {
    halt.store(true);
    frames.close();
    capture_thread.join();
    results.close();
    sink_thread.join();
  };

  // Switching: requests come from the caller's RunControl and/or the control file.
  std::shared_ptr<RunControl> control = config.control ? config.control : std::make_shared<RunControl>();
  std::unique_ptr<ControlFileWatcher> control_file;
  if (!config.control_path.empty()) control_file = std::make_unique<ControlFileWatcher>(config.control_path, *control);
  ModelSwitcher switcher(config.detector, context.source.width, context.source.height);
  std::optional<SwitchRequest> pending_switch;
  std::string pending_event;
  int switches = 0;

  RunStatistics stats;
  RateWindow fps_window;
  uint64_t seen_sample = 0;
  // Between two frames: pass on a switch request, and swap in a detector that is ready.
  const auto between_frames = [&] {
    if (auto request = control->take_switch()) pending_switch = std::move(request);
    if (pending_switch && switcher.request(*pending_switch)) pending_switch.reset();
    std::string failure;
    if (std::unique_ptr<Detector> next = switcher.take_ready(&failure)) {
      const ModelInfo& from = detector->info();
      const ModelInfo& to = next->info();
      pending_event = "switch:" + from.runtime + "/" + from.name + "->" + to.runtime + "/" + to.name;
      metrics.set_model(to.name, to.runtime, to.precision);
      switcher.retire(std::exchange(detector, std::move(next)));
      ++switches;
    } else if (!failure.empty()) {
      pending_event = "switch-failed:" + failure;
      std::fprintf(stderr, "switch failed, staying on %s: %s\n", detector->info().name.c_str(), failure.c_str());
    }
  };
  try {
    while (!stop_requested() && !control->stop_requested()) {
      between_frames();
      std::optional<CapturedFrame> item = frames.pop(kPollInterval);
      if (!item) {
        if (frames.closed_and_empty()) break;
        continue;
      }
      const auto t_pre = Clock::now();
      const LetterboxMeta meta = detector->preprocess(item->frame.image);
      const auto t_infer = Clock::now();
      detector->infer();
      const auto t_post = Clock::now();
      Detections detections = detector->postprocess(meta);
      const auto t_done = Clock::now();

      ProcessedFrame done;
      FrameRecord& r = done.record;
      r.run_id = context.run_id;
      r.frame = item->frame.index;
      r.ts_ms = ms_between(start, item->captured);
      r.model = detector->info().name;
      r.runtime = detector->info().runtime;
      r.precision = detector->info().precision;
      r.event = std::exchange(pending_event, std::string());
      r.input = std::to_string(detector->info().input_width) + "x" + std::to_string(detector->info().input_height);
      r.capture_ms = item->capture_ms;
      r.queue_ms = ms_between(item->captured, t_pre);
      r.pre_ms = ms_between(t_pre, t_infer);
      r.infer_ms = ms_between(t_infer, t_post);
      r.post_ms = ms_between(t_post, t_done);
      r.e2e_ms = ms_between(item->captured, t_done);
      r.dropped = frames.dropped();
      r.detections = static_cast<int>(detections.size());
      if (config.telemetry) {
        const ResourceSample sample = sampler.latest();
        r.cpu_proc_pct = sample.cpu_proc_pct;
        r.cpu_sys_pct = sample.cpu_sys_pct;
        r.rss_mb = sample.rss_mb;
        r.gpu_util_pct = sample.gpu_util_pct;
        r.gpu_mem_mb = sample.gpu_mem_mb;
        if (sampler.sequence() != seen_sample) {  // a new sample: publish it once
          seen_sample = sampler.sequence();
          metrics.set_resources(sample);
          if (trace) trace->counters(t_done, sample);
        }
      }
      if (trace) {
        trace->span(TraceLane::kCapture, "capture", item->read_start, item->captured, r.frame);
        trace->span(TraceLane::kInference, "preprocess", t_pre, t_infer, r.frame);
        trace->span(TraceLane::kInference, "inference", t_infer, t_post, r.frame);
        trace->span(TraceLane::kInference, "postprocess", t_post, t_done, r.frame);
      }
      stats.add(r);
      status.update(r);
      metrics.record(r);
      fps_window.tick(t_done);
      metrics.set_fps(fps_window.per_second());
      done.detections = std::move(detections);
      if (config.save_annotated) done.image = std::move(item->frame.image);
      if (images) done.name = item->frame.name;
      results.push(std::move(done));
    }
  } catch (...) {
    join_threads();
    throw;
  }
  const auto end = Clock::now();
  context.interrupted = stop_requested() || control->stop_requested();
  join_threads();  // every processed frame reaches the files before the summary is written
  outputs.close();
  sampler.stop();
  status.finish();
  if (trace) trace->close();

  context.captured = captured.load();
  context.processed = static_cast<int64_t>(stats.processed());
  context.dropped = frames.dropped();
  context.duration_s = ms_between(start, end) / 1000.0;

  RunReport report;
  report.run_id = context.run_id;
  report.out_dir = context.out_dir;
  report.summary_path = (fs::path(context.out_dir) / "summary.json").string();
  report.processed = context.processed;
  report.dropped = context.dropped;
  report.interrupted = context.interrupted;
  report.switches = switches;
  write_summary(report.summary_path, summary_json(context, stats));
  report.summary_table = summary_table(context, stats);
  return report;
}

}  // namespace smartcamrt
