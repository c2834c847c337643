#pragma once
// Each engine command parses its arguments and calls one library function.
namespace smartcamrt::cli {

int run_command(int argc, char** argv);
int bench_command(int argc, char** argv);
int info_command(int argc, char** argv);
int profile_command(int argc, char** argv);
int stress_command(int argc, char** argv);
int summarize_command(int argc, char** argv);
// Hands `deploy pi ...` to scripts/deploy/pi.sh of the source tree.
int deploy_command(int argc, char** argv);
// Commands the engine does not implement go to the Python tooling (smartcamrt-tools).
int tools_handoff(int argc, char** argv);

// Shared exit codes: 0 ok, 1 runtime failure, 2 bad usage or input, 130 interrupted.
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

}  // namespace smartcamrt::cli
