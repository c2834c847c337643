#include <cstdio>
#include <fstream>

#include "cli_support.hpp"
#include "commands.hpp"
#include "smartcamrt/bench/bench.hpp"
#include "smartcamrt/core/error.hpp"

namespace smartcamrt::cli {

int bench_command(int argc, char** argv) {
  CLI::App app("Raw session latency of a model (no pre/post-processing)", "smartcamrt bench");
  BenchConfig config;
  config.session.threads = default_threads();
  std::string json_path;
  app.add_option("--model", config.model_path, "model file")->required();
  app.add_option("--runtime", config.runtime, "backend name (default: from the model file's suffix)");
  app.add_option("--warmup", config.warmup, "untimed runs after the first")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--runs", config.runs, "timed runs")->check(CLI::Range(1, 10000000))->capture_default_str();
  app.add_option("--threads", config.session.threads, "inference threads")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--interval-ms", config.interval_ms,
                 "start one timed run every MS milliseconds, as a camera delivers frames (default: back to back)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--json", json_path, "also write the figures as JSON to FILE");

  return run_guarded(app, argc, argv, [&] {
    const BenchResult result = run_bench(config);
    std::fputs(format_bench(result).c_str(), stdout);
    if (!json_path.empty()) {
      std::ofstream out(json_path);
      out << bench_to_json(result) << "\n";
      if (!out) throw Error("--json '" + json_path + "': cannot write the file");
    }
    return 0;
  });
}

}  // namespace smartcamrt::cli
