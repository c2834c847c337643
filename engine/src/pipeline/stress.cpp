// `smartcamrt stress`: validation, one pipeline run per mode, and the comparison (stress.hpp).
#include "smartcamrt/pipeline/stress.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include "smartcamrt/core/error.hpp"
#include "smartcamrt/core/model_info.hpp"
#include "smartcamrt/optimizer/controller.hpp"
#include "smartcamrt/pipeline/stop_signal.hpp"
#include "smartcamrt/sources/source.hpp"
#include "stress_internal.hpp"

namespace fs = std::filesystem;

namespace smartcamrt {
namespace stress_detail {
namespace {

bool has_mode(const StressConfig& config, const std::string& mode) {
  return config.modes.empty() || std::find(config.modes.begin(), config.modes.end(), mode) != config.modes.end();
}

// Reports progress on stderr while a run goes, and stops a run whose length no frame count bounds
// (a live source) once its duration is over. Its thread wakes at once when the run ends.
class Ticker {
 public:
  Ticker(const StressConfig& config, const RunPlan& plan, bool bounded, RunControl& control)
      : thread_([this, &config, plan, bounded, &control] { loop(config, plan, bounded, control); }) {}
  ~Ticker() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;

 private:
  void loop(const StressConfig& config, const RunPlan& plan, bool bounded, RunControl& control) {
    const bool tty = isatty(STDERR_FILENO) != 0;
    // A terminal gets one line redrawn each second; a log gets a line every 10 s.
    const auto every = std::chrono::seconds(tty ? 1 : 10);
    const auto begin = Clock::now();
    std::unique_lock<std::mutex> lock(mutex_);
    for (auto next = begin + every; !done_; next += every) {
      wake_.wait_until(lock, next, [this] { return done_; });
      if (done_) break;
      const double elapsed = ms_between(begin, Clock::now()) / 1000.0;
      if (!bounded && elapsed >= plan.duration_s) control.request_stop();
      if (!config.progress) continue;
      std::fprintf(stderr, tty ? "\r[stress] %s: %.0f/%s s " : "[stress] %s: %.0f/%s s\n", plan.label.c_str(),
                   std::min(elapsed, plan.duration_s), format_number(plan.duration_s).c_str());
    }
    if (tty && config.progress) std::fprintf(stderr, "\n");
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;
};

RunReport run_mode(const StressConfig& config, RunPlan plan, const std::string& mode, const std::string& model,
                   const std::string& runtime, const std::string& out_dir, size_t index, size_t count) {
  plan.label = mode + " (" + std::to_string(index + 1) + "/" + std::to_string(count) + ")";
  plan.model = model;
  plan.runtime = runtime;
  plan.adapt = mode == "adaptive";
  plan.out_dir = (fs::path(out_dir) / mode).string();
  plan.duration_s = config.duration_s;
  if (config.progress) {
    std::fprintf(stderr, "[stress] %s: %s%s, %zu stream(s), load %s, %s s\n", plan.label.c_str(),
                 fs::path(model).filename().c_str(), plan.adapt ? " (adaptive start)" : "",
                 config.sources.size() * static_cast<size_t>(config.streams), config.load.c_str(),
                 format_number(config.duration_s).c_str());
  }
  return run_planned(config, plan);
}

}  // namespace

void source_timing(const StressConfig& config, RunPlan& plan) {
  const auto source = open_source(config.sources.front());
  const SourceInfo& info = source->info();
  if (info.live() || !(info.fps > 0)) return;
  plan.source_fps = info.fps;
  plan.source_frames = info.frame_count;
}

RunReport run_planned(const StressConfig& config, const RunPlan& plan) {
  RunConfig run;
  run.task.model_path = plan.model;
  run.task.runtime = plan.runtime;
  run.task.session.threads = plan.threads;
  for (int i = 0; i < config.streams; ++i)
    run.sources.insert(run.sources.end(), config.sources.begin(), config.sources.end());
  run.out_dir = plan.out_dir;
  run.realtime = true;
  run.save_annotated = false;
  run.print_progress = false;
  run.adapt.enabled = plan.adapt;
  run.adapt.slo_ms = config.slo_ms;
  run.adapt.profile_path = config.profile;
  run.load = config.load;
  run.control = std::make_shared<RunControl>();
  // A file paced in real time: the frame count sets the length exactly, and the run ends as it
  // would on its own (not "interrupted"). A live source has no count: a timer stops it (and its
  // summary then says interrupted).
  run.max_frames = plan.source_fps > 0 ? std::max<int64_t>(1, std::llround(plan.duration_s * plan.source_fps)) : 0;
  if (plan.source_frames > 0 && run.max_frames > plan.source_frames && config.progress) {
    std::fprintf(stderr, "[stress] %s: the source holds %lld frames (%.1f s): the run ends with it\n",
                 plan.label.c_str(), static_cast<long long>(plan.source_frames),
                 static_cast<double>(plan.source_frames) / plan.source_fps);
  }
  Ticker ticker(config, plan, run.max_frames > 0, *run.control);
  return run_pipeline(run);
}

}  // namespace stress_detail

void validate_stress_config(const StressConfig& config) {
  using stress_detail::format_number;
  using stress_detail::has_mode;
  if (config.model.empty()) throw Error("--model: no model given");
  if (config.sources.empty()) throw Error("--source: no source given");
  if (config.streams < 1) throw Error("--streams " + std::to_string(config.streams) + ": must be >= 1");
  if (!(config.duration_s > 0)) throw Error("--duration " + format_number(config.duration_s) + ": must be > 0");
  if (config.threads < 0) throw Error("--threads " + std::to_string(config.threads) + ": must be >= 0");
  const bool adaptive = config.soak ? !config.profile.empty() : has_mode(config, "adaptive");
  if ((!config.soak || adaptive) && !(config.slo_ms > 0)) {
    throw Error(config.slo_ms == 0 ? "--slo-ms: required (the end-to-end objective in ms)"
                                   : "--slo-ms " + format_number(config.slo_ms) + ": must be > 0");
  }
  if (config.soak) {
    if (!(config.sample_s > 0)) throw Error("--sample-s " + format_number(config.sample_s) + ": must be > 0");
  } else if (config.load.empty()) {
    throw Error("--load: required, the injected load over time (e.g. 0s:0,20s:2,50s:0)");
  }
  if (!config.load.empty()) parse_load_schedule(config.load);  // its message names the bad entry
  for (size_t i = 0; i < config.modes.size(); ++i) {
    const std::string& mode = config.modes[i];
    if (std::none_of(std::begin(kStressModes), std::end(kStressModes), [&](const char* m) { return mode == m; })) {
      throw Error("--modes '" + mode + "': not a mode (static-heavy, static-light, adaptive)");
    }
    if (std::find(config.modes.begin(), config.modes.begin() + static_cast<std::ptrdiff_t>(i), mode) !=
        config.modes.begin() + static_cast<std::ptrdiff_t>(i)) {
      throw Error("--modes '" + mode + "': given twice");
    }
  }
}

StressReport run_stress(const StressConfig& given) {
  using namespace stress_detail;
  validate_stress_config(given);
  StressConfig config = given;
  if (config.heavy.empty()) config.heavy = config.model;
  if (config.out_dir.empty()) config.out_dir = (fs::path("runs") / ("stress-" + make_run_id())).string();

  // The profile is read (or, with no --profile and none cached for this host, measured) before any
  // mode runs, so that a bad one fails at once rather than after two static runs. Without --light,
  // its ladder's last rung is the lightest configuration.
  int light_threads = config.threads;
  std::string light_runtime = config.runtime;
  const bool light_from_profile = !config.soak && has_mode(config, "static-light") && config.light.empty();
  const bool needs_profile = config.soak ? !config.profile.empty() : has_mode(config, "adaptive") || light_from_profile;
  if (needs_profile) {
    const AdaptConfig adapt{true, config.slo_ms, config.profile};
    const auto controller = AdaptiveController::Create(adapt, config.heavy, config.runtime, config.threads);
    if (light_from_profile) {
      const LadderStep& lightest = controller->ladder().back();  // Create refuses an empty ladder
      config.light = lightest.model_path;
      light_runtime = lightest.runtime;
      light_threads = lightest.threads;
      if (config.progress)
        std::fprintf(stderr, "[stress] static-light: the profile's lightest, %s\n", lightest.rung.id.c_str());
    }
  }
  // What can be checked in a moment is checked before the output folder exists.
  check_model_file(config.heavy);
  if (!config.soak && has_mode(config, "static-light")) check_model_file(config.light);
  RunPlan plan;
  source_timing(config, plan);
  std::error_code ec;
  fs::create_directories(config.out_dir, ec);
  if (ec || !fs::is_directory(config.out_dir)) {
    throw Error("--out '" + config.out_dir + "': cannot create the folder" + (ec ? ": " + ec.message() : ""));
  }
  if (config.soak) return run_soak(config, plan);

  const LoadSchedule schedule = parse_load_schedule(config.load);
  const HostInfo host = read_host_info();
  std::vector<std::string> modes = config.modes;
  if (modes.empty()) modes.assign(std::begin(kStressModes), std::end(kStressModes));

  std::vector<ModeResult> results;
  bool interrupted = false;
  for (size_t i = 0; i < modes.size() && !interrupted; ++i) {
    const std::string& mode = modes[i];
    const bool light = mode == "static-light";
    const std::string model = light ? config.light : config.heavy;
    plan.threads = light ? light_threads : config.threads;
    const RunReport report =
        run_mode(config, plan, mode, model, light ? light_runtime : config.runtime, config.out_dir, i, modes.size());
    interrupted = stop_requested();
    results.push_back(collect_mode(mode, model, report, config.out_dir, schedule, config.slo_ms));
    if (config.progress) {
      const ModeResult& r = results.back();
      std::fprintf(stderr, "[stress] %s: attainment %.3f, p95 %.1f ms, %lld dropped, %d switches\n", mode.c_str(),
                   r.figures.attainment.value_or(std::nan("")), r.p95_ms.value_or(std::nan("")),
                   static_cast<long long>(r.figures.dropped), r.figures.switches);
    }
  }

  StressReport out;
  out.out_dir = config.out_dir;
  out.interrupted = interrupted;
  out.json_path = (fs::path(config.out_dir) / "stress.json").string();
  out.markdown_path = (fs::path(config.out_dir) / "stress.md").string();
  write_text_file(out.json_path, stress_json(config, host, schedule, results, interrupted).dump(2) + "\n");
  out.markdown = stress_markdown(config, host, results, interrupted);
  write_text_file(out.markdown_path, out.markdown);
  return out;
}

}  // namespace smartcamrt
