#include <cstdio>
#include <string>

#include "cli_support.hpp"
#include "commands.hpp"
#include "smartcamrt/pipeline/summarize.hpp"

namespace smartcamrt::cli {

int summarize_command(int argc, char** argv) {
  CLI::App app(
      "Rebuild RUN/summary.json from RUN/frames.csv (a run killed before it wrote its final summary); the "
      "configuration, host and versions come from the run's last checkpoint summary",
      "smartcamrt summarize");
  std::string run_dir;
  app.add_option("RUN", run_dir, "the run folder (holds frames.csv)")->required();
  return run_guarded(app, argc, argv, [&] {
    const RebuiltSummary rebuilt = summarize_run(run_dir);
    std::printf(
        "%s/summary.json: rebuilt from %lld rows of frames.csv%s%s\n", run_dir.c_str(),
        static_cast<long long>(rebuilt.rows),
        rebuilt.skipped_rows ? (", " + std::to_string(rebuilt.skipped_rows) + " cut row(s) skipped").c_str() : "",
        rebuilt.had_summary ? "" : " (no earlier summary: configuration, host and versions unknown)");
    return 0;
  });
}

}  // namespace smartcamrt::cli
