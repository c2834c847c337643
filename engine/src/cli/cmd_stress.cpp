// smartcamrt stress: argument parsing, then run_stress(); afterwards the timeline plot through the
// Python tooling where it is installed (the engine itself never needs Python).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>

#include "cli_support.hpp"
#include "commands.hpp"
#include "smartcamrt/core/error.hpp"
#include "smartcamrt/pipeline/stop_signal.hpp"
#include "smartcamrt/pipeline/stress.hpp"

namespace smartcamrt::cli {
namespace {

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

// `smartcamrt-tools plot-stress DIR` in a child process, through the same hand-off as every tooling
// command: where the tooling is missing, the hand-off's own line says so and the reports stay.
void plot_timeline(const std::string& dir) {
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t child = fork();
  if (child < 0) {
    std::fprintf(stderr, "stress: no timeline plot (cannot start a process)\n");
    return;
  }
  if (child == 0) {
    std::string command = "plot-stress", folder = dir;
    char* args[] = {command.data(), folder.data(), nullptr};
    tools_handoff(2, args);  // returns only when the tooling could not be started; it said why
    _exit(127);
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
  }
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (code != 0 && code != 127) {
    std::fprintf(stderr, "stress: the timeline plot failed (exit %d); stress.md and stress.json are complete\n", code);
  }
}

}  // namespace

int stress_command(int argc, char** argv) {
  CLI::App app(
      "The same source(s) and injected CPU load run three times - static heaviest, static lightest, adaptive - "
      "then one comparison (stress.md, stress.json) and a timeline plot",
      "smartcamrt stress");
  StressConfig config;
  config.threads = default_threads();
  std::string modes;
  app.add_option("--model", config.model, "the model the adaptive run starts on (and the heavy one by default)")
      ->required();
  app.add_option("--source", config.sources, "video file, camera or stream; repeat for several")->required();
  app.add_option("--streams", config.streams, "run each source N times side by side")->capture_default_str();
  app.add_option("--slo-ms", config.slo_ms, "end-to-end latency objective in ms");
  app.add_option("--load", config.load, "injected CPU load: TIME:BUSY_CORES,... e.g. 0s:0,20s:2,50s:0");
  app.add_option("--duration", config.duration_s, "seconds per mode (the soak's whole length with --soak)")->required();
  app.add_option("--profile", config.profile,
                 "device profile for the adaptive mode (default: this host's cached one, measured when missing); "
                 "with --soak, makes the soak adaptive");
  app.add_option("--heavy", config.heavy, "model of the static-heavy mode (default: --model)");
  app.add_option("--light", config.light,
                 "model of the static-light mode (default: the profile ladder's last rung, its runtime and threads)");
  app.add_option("--modes", modes, "comma-separated, in order: static-heavy,static-light,adaptive (default: all)");
  app.add_option("--runtime", config.runtime, "backend name (default: from the model file's suffix)");
  app.add_option("--threads", config.threads, "inference threads per session")->capture_default_str();
  app.add_option("--out", config.out_dir, "output folder (default runs/stress-<run id>)");
  app.add_flag("--soak", config.soak, "one long run sampling RSS and open fds into soak.csv (adaptive with --profile)");
  app.add_option("--sample-s", config.sample_s, "soak sampling interval in s")->capture_default_str();
  bool quiet = false, no_plot = false;
  app.add_flag("--quiet", quiet, "no progress on stderr");
  app.add_flag("--no-plot", no_plot, "do not draw the timeline (smartcamrt-tools plot-stress)");

  return run_guarded(app, argc, argv, [&] {
    config.modes = split_commas(modes);
    if (config.soak && !config.modes.empty()) throw Error("--modes: not used with --soak (one run)");
    config.progress = !quiet;
    install_stop_handlers();
    const StressReport report = run_stress(config);
    std::fputs(report.markdown.c_str(), stdout);
    std::printf("\n%s\n%s\n", report.markdown_path.c_str(), report.json_path.c_str());
    if (!config.soak && !no_plot) plot_timeline(report.out_dir);
    return report.interrupted ? 130 : 0;
  });
}

}  // namespace smartcamrt::cli
