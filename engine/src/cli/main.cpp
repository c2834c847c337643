// smartcamrt: the one front door. run, bench, profile, stress and info are the C++ engine; any other command is
// handed to the Python tooling (smartcamrt-tools) where it is installed.
#include <cstdio>
#include <cstring>
#include <string>

#include "commands.hpp"
#include "smartcamrt/core/version.hpp"

namespace {

struct Command {
  const char* name;
  int (*handler)(int, char**);
  const char* summary;
};

constexpr Command kCommands[] = {
    {"run", smartcamrt::cli::run_command, "real-time detection on a video, images, camera or stream"},
    {"bench", smartcamrt::cli::bench_command, "raw session latency of a model"},
    {"profile", smartcamrt::cli::profile_command,
     "measure every model x runtime x threads here (the optimizer's profile)"},
    {"info", smartcamrt::cli::info_command, "versions, host, backends and their availability"},
    {"stress", smartcamrt::cli::stress_command, "static heaviest vs lightest vs adaptive under an injected load"},
    {"summarize", smartcamrt::cli::summarize_command, "rebuild a killed run's summary.json from its frames.csv"},
    {"deploy", smartcamrt::cli::deploy_command, "build the Raspberry Pi bundle: deploy pi --out DIR"},
};

void print_usage() {
  std::printf("usage: smartcamrt <command> [options]   (smartcamrt <command> --help)\n\nengine commands:\n");
  for (const Command& command : kCommands) std::printf("  %-9s %s\n", command.name, command.summary);
  std::printf(
      "\ntooling commands (Python, smartcamrt-tools):\n"
      "  export    prepare a model (YOLOv5 .pt -> ONNX) with its manifest and parity check\n"
      "  ref-run   the Python reference loop, for comparison with the engine\n"
      "  report    the benchmark results in one report (report.html, report.md; docs/report.md)\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    print_usage();
    return argc < 2 ? smartcamrt::cli::kExitUsage : 0;
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    std::printf("smartcamrt %s\n", SMARTCAMRT_VERSION);
    return 0;
  }
  if (argv[1][0] == '-') {
    std::fprintf(stderr, "smartcamrt: unknown option '%s' (expected a command; see --help)\n", argv[1]);
    return smartcamrt::cli::kExitUsage;
  }
  for (const Command& command : kCommands) {
    if (std::strcmp(argv[1], command.name) == 0) return command.handler(argc - 1, argv + 1);
  }
  return smartcamrt::cli::tools_handoff(argc - 1, argv + 1);
}
