#include "smartcamrt/pipeline/pipeline.hpp"

#include <atomic>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>
#include <utility>

#include "control_file.hpp"
#include "run_report.hpp"
#include "smartcamrt/core/error.hpp"
#include "smartcamrt/pipeline/load_generator.hpp"
#include "smartcamrt/pipeline/stop_signal.hpp"
#include "smartcamrt/serve/live_view.hpp"
#include "smartcamrt/telemetry/metrics_server.hpp"
#include "stream.hpp"

namespace fs = std::filesystem;

namespace smartcamrt {
namespace {

constexpr auto kSteerInterval = std::chrono::milliseconds(50);
// Longer than any load measured (an OpenVINO compile under load: 4 s); past it the run starts anyway.
constexpr auto kStandbyPreloadLimit = std::chrono::milliseconds(15000);

std::string root_out_dir(const RunConfig& config, const std::string& run_id) {
  const std::string out_dir = config.out_dir.empty() ? (fs::path("runs") / run_id).string() : config.out_dir;
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec || !fs::is_directory(out_dir)) {
    throw Error("--out '" + out_dir + "': cannot create the folder" + (ec ? ": " + ec.message() : std::string()));
  }
  return out_dir;
}

void check_config(const RunConfig& config) {
  if (config.sources.empty()) throw Error("--source: no source given");
  if (config.max_frames < 0) throw Error("--frames " + std::to_string(config.max_frames) + ": must be >= 0");
  if (config.adapt.enabled && !(config.adapt.slo_ms > 0))
    throw Error("--adapt needs --slo-ms MS (the latency objective)");
  if (config.adapt.slo_ms < 0) throw Error("--slo-ms " + std::to_string(config.adapt.slo_ms) + ": must be > 0");
  if (!config.serve.empty()) parse_serve_address(config.serve);  // a bad --serve fails before anything loads
}

// The run's summary.json when it has several streams: each stream's figures side by side and the totals.
nlohmann::json streams_summary(const RunReport& report, const std::vector<std::unique_ptr<Stream>>& streams,
                               double duration_s) {
  nlohmann::json doc;
  doc["run_id"] = report.run_id;
  doc["tool"] = "smartcamrt run";
  doc["streams"] = nlohmann::json::array();
  int64_t within = 0, offered = 0;
  double slo_ms = 0;
  for (size_t i = 0; i < streams.size(); ++i) {
    const RunContext& c = streams[i]->context();
    const auto stages = streams[i]->statistics().stages();
    const auto e2e = stages.find("e2e_ms");
    doc["streams"].push_back({{"stream", c.stream},
                              {"source", c.source_spec},
                              {"folder", fs::path(c.out_dir).filename().string()},
                              {"processed", c.processed},
                              {"dropped", c.dropped},
                              {"switches", c.switches},
                              {"e2e_p50_ms", e2e != stages.end() ? e2e->second.p50 : 0.0},
                              {"e2e_p95_ms", e2e != stages.end() ? e2e->second.p95 : 0.0}});
    within += c.within_slo;
    offered += c.processed + c.dropped;
    slo_ms = c.slo_ms;
  }
  doc["processed"] = report.processed;
  doc["dropped"] = report.dropped;
  doc["duration_s"] = duration_s;
  doc["throughput_fps"] = duration_s > 0 ? static_cast<double>(report.processed) / duration_s : 0.0;
  doc["slo_ms"] = slo_ms > 0 ? nlohmann::json(slo_ms) : nlohmann::json();
  doc["slo_attainment"] = slo_ms > 0 && offered > 0
                              ? nlohmann::json(static_cast<double>(within) / static_cast<double>(offered))
                              : nlohmann::json();
  doc["interrupted"] = report.interrupted;
  return doc;
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

namespace {

// The run itself, once the controller (if any) has fixed the start configuration.
RunReport run_with(const RunConfig& config, std::unique_ptr<AdaptiveController> controller) {
  const LoadSchedule load = config.load.empty() ? LoadSchedule() : parse_load_schedule(config.load);
  LoadGenerator load_generator(load);
  if (!config.load.empty()) load_generator.spawn();  // before the models load: see spawn()
  RunReport report;
  report.run_id = make_run_id();
  report.out_dir = root_out_dir(config, report.run_id);
  const bool several = config.sources.size() > 1;

  SystemSampler sampler(std::chrono::milliseconds(config.sample_interval_ms > 0 ? config.sample_interval_ms : 100));
  LiveStatus status = config.print_progress ? LiveStatus::for_stdout() : LiveStatus(stdout, false);
  PipelineMetrics metrics;
  StreamShared shared;
  shared.config = &config;
  shared.run_id = report.run_id;
  shared.sampler = config.telemetry || controller ? &sampler : nullptr;
  shared.metrics = &metrics;
  shared.status = &status;
  shared.host = read_host_info();
  shared.fallback_available = controller != nullptr;
  // The live view listens before the streams load (a taken port fails fast); it fills in as frames come.
  std::unique_ptr<LiveView> live_view;
  if (!config.serve.empty()) {
    live_view =
        start_live_view(config.serve, {report.run_id, config.sources, config.adapt.slo_ms, controller != nullptr},
                        metrics, shared.sampler);
    if (config.on_serve) config.on_serve(live_view->url());
  }

  std::vector<std::unique_ptr<Stream>> streams;
  for (size_t i = 0; i < config.sources.size(); ++i) {
    const std::string dir =
        several ? (fs::path(report.out_dir) / ("stream" + std::to_string(i))).string() : report.out_dir;
    shared.status = i == 0 ? &status : nullptr;  // one status line: the first stream's
    shared.view = live_view ? &live_view->feed(i) : nullptr;
    streams.push_back(std::make_unique<Stream>(static_cast<int>(i), config.sources[i], dir, shared));
  }
  const ModelInfo& first = streams.front()->context().model;
  metrics.set_model(first.name, first.runtime, first.precision);
  std::unique_ptr<MetricsServer> metrics_server;
  if (config.metrics_port >= 0) {
    metrics_server = std::make_unique<MetricsServer>(metrics, config.metrics_host, config.metrics_port);
    std::fprintf(stderr, "metrics: http://%s:%d/metrics\n", metrics_server->host().c_str(), metrics_server->port());
  }
  if (shared.sampler) sampler.start();
  std::shared_ptr<RunControl> control = config.control ? config.control : std::make_shared<RunControl>();
  std::unique_ptr<ControlFileWatcher> control_file;
  if (!config.control_path.empty()) control_file = std::make_unique<ControlFileWatcher>(config.control_path, *control);

  std::vector<AdaptableStream*> adaptable;
  for (auto& stream : streams) adaptable.push_back(stream.get());
  if (controller) {
    const double took_s = controller->preload_standby(adaptable, kStandbyPreloadLimit);
    if (took_s > 0) std::fprintf(stderr, "[adapt] standby loaded in %.2f s\n", took_s);
  }
  // The streams' clocks start together, after every stream is set up and warmed up.
  const auto start = Clock::now();
  std::unique_ptr<TraceWriter> trace;
  if (!config.trace_path.empty()) trace = std::make_unique<TraceWriter>(config.trace_path, start);
  if (!config.load.empty()) load_generator.start();
  std::vector<std::thread> threads;
  std::vector<std::exception_ptr> errors(streams.size());
  std::atomic<size_t> running{streams.size()};
  for (size_t i = 0; i < streams.size(); ++i) {
    streams[i]->set_clock(start, trace.get());
    threads.emplace_back([&, i] {
      try {
        streams[i]->run();
      } catch (...) {
        errors[i] = std::current_exception();
        for (auto& stream : streams) stream->request_stop();  // one stream's failure ends the run
      }
      running.fetch_sub(1);
    });
  }
  // The caller's thread steers: control requests go to every stream; the controller decides.
  if (controller) controller->begin(adaptable, start, &sampler);
  while (running.load() > 0) {
    std::this_thread::sleep_for(kSteerInterval);
    if (auto request = control->take_switch()) {
      for (auto& stream : streams) stream->request_switch(*request);
    }
    if (control->stop_requested()) {
      for (auto& stream : streams) stream->request_stop();
    }
    if (controller) {
      controller->tick();
      if (live_view) live_view->note_decisions(*controller);
    }
  }
  for (std::thread& thread : threads) thread.join();
  const auto end = Clock::now();
  live_view.reset();  // the run is over: the viewers' streams end and the server stops
  load_generator.stop();
  if (shared.sampler) sampler.stop();
  status.finish();
  if (trace) trace->close();
  for (const std::exception_ptr& error : errors) {
    if (error) std::rethrow_exception(error);
  }

  report.interrupted = stop_requested() || control->stop_requested();
  for (auto& stream : streams) {
    StreamReport stream_report = stream->finish(report.interrupted);
    report.processed += stream_report.processed;
    report.dropped += stream_report.dropped;
    report.switches += stream_report.switches;
    report.summary_table += summary_table(stream->context(), stream->statistics());
    report.streams.push_back(std::move(stream_report));
  }
  if (controller) {
    controller->write_decisions(report.out_dir);
    report.decisions = controller->decisions();
  }
  if (several) {
    report.summary_path = (fs::path(report.out_dir) / "summary.json").string();
    std::ofstream out(report.summary_path);
    out << streams_summary(report, streams, ms_between(start, end) / 1000.0).dump(2) << "\n";
    if (!out) throw Error("cannot write '" + report.summary_path + "'");
    char line[160];
    std::snprintf(line, sizeof(line), "  %zu streams: %lld processed, %lld dropped, %.2f FPS together\n",
                  streams.size(), static_cast<long long>(report.processed), static_cast<long long>(report.dropped),
                  static_cast<double>(report.processed) / (ms_between(start, end) / 1000.0));
    report.summary_table += line;
  } else {
    report.summary_path = report.streams.front().summary_path;
  }
  return report;
}

}  // namespace

RunReport run_pipeline(const RunConfig& config) {
  check_config(config);
  // The controller first: it loads (or builds) the profile and may refuse a bad one before anything runs.
  std::unique_ptr<AdaptiveController> controller;
  RunConfig adapted;  // the run's configuration when the controller picks the start model
  if (config.adapt.enabled) {
    controller = AdaptiveController::Create(config.adapt, config.task.model_path, config.task.runtime,
                                            config.task.session.threads, config.sources.size());
    if (const LadderStep* start = controller->replace_start()) {
      std::fprintf(stderr, "[adapt] --model is not in the profile: starting on %s\n", start->rung.id.c_str());
      adapted = config;
      adapted.task.model_path = start->model_path;
      adapted.task.runtime = start->runtime;
      if (start->threads > 0) adapted.task.session.threads = start->threads;
    }
  }
  return run_with(adapted.task.model_path.empty() ? config : adapted, std::move(controller));
}

}  // namespace smartcamrt
