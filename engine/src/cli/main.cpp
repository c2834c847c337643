// smartcamrt: the one front door. run, bench, profile, stress and info are the C++ engine; any other command is
// handed to the Python tooling (smartcamrt-tools) where it is installed.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

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

namespace {

// glibc gives threads their own malloc arenas, up to 8 per core, and keeps what is freed in each. Every
// switch, pass or stream brings new threads: measured in a 7-min soak that re-creates the pipeline
// every 80 s, RSS grew ~5 MiB a pass with malloc's bytes in use flat, and stayed flat with 2 arenas.
// An edge process lives for weeks; with two arenas the same soak kept its e2e p50 (10.9 vs 11.4 ms).
// MALLOC_ARENA_MAX or GLIBC_TUNABLES in the environment still decide where given.
//
// The mmap threshold is fixed as well: glibc raises it each time a large mmapped block is freed, after
// which large blocks come from the arenas and fragment them. Measured in 30-min soaks at 320 (a new
// pipeline every 80 s): RSS 136.8 -> 150.3 MiB over 8 min with the threshold left to glibc, 130.7 ->
// 132.9 MiB with it fixed at 128 KiB (32 MiB: as bad as glibc's). Large per-frame buffers are kept and
// reused instead (letterbox.cpp), so no frame pays for an mmap.
void tune_malloc() {
#if defined(__GLIBC__)
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  const auto tuned = [&](const char* env, const char* tunable) {
    return std::getenv(env) != nullptr || (tunables && std::strstr(tunables, tunable));
  };
  if (!tuned("MALLOC_ARENA_MAX", "arena_max")) mallopt(M_ARENA_MAX, 2);
  if (!tuned("MALLOC_MMAP_THRESHOLD_", "mmap_threshold")) mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
}

}  // namespace

int main(int argc, char** argv) {
  tune_malloc();
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
