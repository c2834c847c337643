#include <unistd.h>

#include <cstdio>

#include "cli_support.hpp"
#include "commands.hpp"
#include "smartcamrt/optimizer/profiler.hpp"

namespace smartcamrt::cli {
namespace {

// One line on stderr: redrawn in place on a terminal; on a pipe or a log, one line per configuration
// measured, so that a log does not fill with redraws.
void draw_progress(const ProfileProgress& step, bool terminal) {
  if (!terminal && step.phase != "done" && step.phase != "failed") return;
  constexpr int kWidth = 20;
  const int filled = step.runs > 0 ? kWidth * step.run / step.runs : 0;
  const std::string bar = std::string(static_cast<size_t>(filled), '#') + std::string(kWidth - filled, '-');
  const char* state = step.phase == "load" ? "loading" : step.phase == "failed" ? "FAILED" : "";
  std::fprintf(stderr, "%s[profile] %zu/%zu %-34s [%s] %d/%d %s%s", terminal ? "\r\033[K" : "", step.index, step.total,
               step.id.c_str(), bar.c_str(), step.run, step.runs, state,
               terminal && step.phase != "done" && step.phase != "failed" ? "" : "\n");
  std::fflush(stderr);
}

}  // namespace

int profile_command(int argc, char** argv) {
  CLI::App app(
      "Measure every prepared model x runtime x thread count on this machine; keep the profile for the optimizer",
      "smartcamrt profile");
  ProfileOptions options;
  bool json_only = false;
  app.add_option("--out", options.out, "profile file (default: $SMARTCAMRT_HOME/profiles/profile-<fingerprint>.json)");
  app.add_option("--models", options.models,
                 "model folders (prepared models with manifests) and files (a file without a manifest is profiled "
                 "as unproven); default: $SMARTCAMRT_HOME/models");
  app.add_option("--runtimes", options.runtimes, "only these runtimes, comma-separated (default: every available)")
      ->delimiter(',');
  app.add_option("--source", options.source,
                 "video or image folder to time on (default: $SMARTCAMRT_ASSETS/video/vtest.avi)");
  app.add_option("--frames", options.frames, "frames decoded up front and cycled through")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--threads", options.threads, "thread counts, comma-separated (default: 1 and the core count)")
      ->delimiter(',')
      ->check(CLI::Range(1, 256));
  app.add_option("--runs", options.runs, "timed runs per configuration")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  app.add_option("--warmup", options.warmup, "untimed runs after the first")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  app.add_flag("--force-rebuild", options.force_rebuild, "measure again even when the cached profile still stands");
  app.add_flag("--json-only", json_only, "print the profile's JSON instead of the table");

  return run_guarded(app, argc, argv, [&] {
    const bool terminal = isatty(STDERR_FILENO) != 0;
    const ProfileOutcome outcome = obtain_profile(
        options, [terminal](const ProfileProgress& step) { draw_progress(step, terminal); },
        [](const std::string& note) { std::fprintf(stderr, "[profile] %s\n", note.c_str()); });
    if (json_only) {
      std::fputs(profile_to_json(outcome.profile).c_str(), stdout);
    } else {
      std::fputs(format_profile_table(outcome.profile).c_str(), stdout);
      std::printf("\nprofile      %s%s\n", outcome.path.c_str(), outcome.reused ? " (cached)" : "");
    }
    return 0;
  });
}

}  // namespace smartcamrt::cli
