// Measuring the device profile's configurations, and the cache in front of it.
#include "smartcamrt/optimizer/profiler.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "smartcamrt/core/clock.hpp"
#include "smartcamrt/core/error.hpp"
#include "smartcamrt/core/host.hpp"
#include "smartcamrt/core/stats.hpp"
#include "smartcamrt/tasks/task.hpp"

namespace smartcamrt {
namespace {

double resident_mb() {
  std::ifstream statm("/proc/self/statm");
  long total_pages = 0, resident_pages = 0;
  if (!(statm >> total_pages >> resident_pages)) return 0;
  return static_cast<double>(resident_pages) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

// Hands the previous configuration's freed memory back to the kernel, so that it neither hides nor
// inflates the next configuration's RSS growth.
void return_free_memory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

std::string utc_now_iso() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// The cached profile at `path` if it stands for `plan`; else nullopt and the reason.
std::optional<DeviceProfile> cached_for(const ProfilePlan& plan, const std::string& path, std::string* why_not) {
  std::string why;
  std::optional<DeviceProfile> result;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    why = "no cached profile at " + path;
  } else {
    try {
      DeviceProfile cached = load_profile(path);
      why = stale_reason(cached, plan.skeleton);
      if (why.empty()) {
        result = std::move(cached);
      } else {
        why = "the cached profile " + path + " is stale: " + why;
      }
    } catch (const Error& e) {
      why = std::string("the cached profile cannot be used: ") + e.what();
    }
  }
  if (why_not) *why_not = why;
  return result;
}

}  // namespace

ProfileFrames decode_profile_frames(const std::string& source, int count) {
  std::unique_ptr<FrameSource> reader = open_source(source);
  ProfileFrames decoded;
  decoded.source = reader->info();
  Frame frame;
  while (static_cast<int>(decoded.frames.size()) < count && reader->read(frame)) {
    frame.image = frame.image.clone();  // a reader may reuse its buffer for the next frame
    decoded.frames.push_back(frame);
  }
  if (static_cast<int>(decoded.frames.size()) < count) {
    throw Error("--frames " + std::to_string(count) + ": '" + source + "' has only " +
                std::to_string(decoded.frames.size()) + " frames");
  }
  return decoded;
}

ProfiledConfiguration measure_configuration(const ProfileCandidate& candidate, const ProfileFrames& frames,
                                            const MeasureSettings& settings, const ProfileProgressFn& progress) {
  if (frames.frames.empty()) throw Error("profile: no frames to measure on");
  const auto report = [&](const char* phase, int run) {
    if (progress) progress({0, 0, candidate.id(), phase, run, settings.runs});
  };
  ProfiledConfiguration c;
  c.id = candidate.id();
  c.model = candidate.model;
  c.model_sha256 = candidate.model_sha256;
  c.runtime = candidate.runtime;
  c.threads = candidate.threads;
  if (candidate.accuracy) {
    c.accuracy = candidate.accuracy->value;
    c.accuracy_metric = candidate.accuracy->metric;
  }

  report("load", 0);
  return_free_memory();
  const double rss_before = resident_mb();
  TaskConfig config;
  config.model_path = candidate.model;
  config.runtime = candidate.runtime;
  config.session.threads = candidate.threads;
  const auto t_init = Clock::now();
  std::unique_ptr<Task> task = create_task(config);
  c.init_ms = ms_between(t_init, Clock::now());
  const ModelInfo& info = task->info();
  if (!task->takes_images()) throw Error("model '" + candidate.model + "': a " + info.task + " model takes no frames");
  c.precision = info.precision;
  c.input = info.input;
  c.task = info.task;
  c.warning = isa_mismatch_warning(info, read_isa_flags());

  size_t next = 0;
  const auto next_frame = [&]() -> const Frame& { return frames.frames[next++ % frames.frames.size()]; };
  StageTimes times;
  const auto t_first = Clock::now();
  task->process(next_frame(), times);
  c.first_run_ms = ms_between(t_first, Clock::now());
  for (int i = 0; i < settings.warmup; ++i) task->process(next_frame(), times);
  // After the first runs: runtimes allocate their arenas and scratch buffers lazily.
  c.rss_mb = std::max(0.0, resident_mb() - rss_before);

  std::vector<double> infer_ms, e2e_ms;
  infer_ms.reserve(static_cast<size_t>(settings.runs));
  e2e_ms.reserve(static_cast<size_t>(settings.runs));
  const double cpu_start = cpu_seconds();
  const auto t_runs = Clock::now();
  for (int i = 0; i < settings.runs; ++i) {
    const Frame& frame = next_frame();
    // The whole process() call: preprocess + inference + postprocess, as a stream's task costs.
    const auto t0 = Clock::now();
    task->process(frame, times);
    e2e_ms.push_back(ms_between(t0, Clock::now()));
    infer_ms.push_back(times.infer_ms);
    report("run", i + 1);
  }
  const double wall_s = ms_between(t_runs, Clock::now()) / 1000.0;
  c.cpu_pct = wall_s > 0 ? 100.0 * (cpu_seconds() - cpu_start) / wall_s : 0;
  const Stats infer = summarize(infer_ms);
  const Stats e2e = summarize(e2e_ms);
  c.infer_p50_ms = infer.p50;
  c.infer_p95_ms = infer.p95;
  c.e2e_p50_ms = e2e.p50;
  c.e2e_p95_ms = e2e.p95;
  return c;
}

DeviceProfile measure_plan(const ProfilePlan& plan, const ProfileProgressFn& progress) {
  DeviceProfile profile = plan.skeleton;
  profile.created = utc_now_iso();
  double load[1];
  if (getloadavg(load, 1) == 1) profile.load_average = load[0];
  const ProfileFrames frames = decode_profile_frames(profile.settings.source, profile.settings.frames);
  const size_t total = plan.candidates.size();
  for (size_t i = 0; i < total; ++i) {
    const ProfileCandidate& candidate = plan.candidates[i];
    // measure_configuration knows nothing of the others: place its progress among them.
    const ProfileProgressFn placed = [&](const ProfileProgress& step) {
      if (!progress) return;
      ProfileProgress where = step;
      where.index = i + 1;
      where.total = total;
      progress(where);
    };
    try {
      profile.configurations.push_back(measure_configuration(candidate, frames, profile.settings, placed));
      placed({0, 0, candidate.id(), "done", profile.settings.runs, profile.settings.runs});
    } catch (const std::exception& e) {
      profile.failed.push_back({candidate.id(), first_line(e.what())});
      placed({0, 0, candidate.id(), "failed", 0, profile.settings.runs});
    }
    return_free_memory();
  }
  if (profile.configurations.empty()) {
    throw Error("profile: no configuration could be measured (" + profile.failed.front().id + ": " +
                profile.failed.front().error + ")");
  }
  return profile;
}

DeviceProfile build_profile(const ProfileOptions& options, const ProfileProgressFn& progress) {
  return measure_plan(plan_profile(options), progress);
}

std::optional<DeviceProfile> load_cached_profile(const ProfileOptions& options, std::string* why_not) {
  const ProfilePlan plan = plan_profile(options);
  const std::string path = options.out.empty() ? default_profile_path(plan.skeleton.fingerprint) : options.out;
  return cached_for(plan, path, why_not);
}

ProfileOutcome obtain_profile(const ProfileOptions& options, const ProfileProgressFn& progress,
                              const std::function<void(const std::string&)>& say) {
  const ProfilePlan plan = plan_profile(options);
  ProfileOutcome outcome;
  outcome.path = options.out.empty() ? default_profile_path(plan.skeleton.fingerprint) : options.out;
  if (options.force_rebuild) {
    outcome.note = "--force-rebuild: measuring";
  } else {
    std::string why;
    if (std::optional<DeviceProfile> cached = cached_for(plan, outcome.path, &why)) {
      outcome.profile = std::move(*cached);
      outcome.reused = true;
      outcome.note = "reusing the profile measured " + outcome.profile.created + " (" + outcome.path +
                     "): same host, library versions, models and settings (--force-rebuild measures again)";
      if (say) say(outcome.note);
      return outcome;
    }
    outcome.note = why + "; measuring";
  }
  if (say) say(outcome.note);
  outcome.profile = measure_plan(plan, progress);
  save_profile(outcome.profile, outcome.path);
  return outcome;
}

}  // namespace smartcamrt
