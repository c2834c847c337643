#include <cstdio>

#include "cli_support.hpp"
#include "commands.hpp"
#include "smartcamrt/core/info.hpp"

namespace smartcamrt::cli {

int info_command(int argc, char** argv) {
  CLI::App app("Versions, host and the runtime backends with their availability", "smartcamrt info");
  bool json = false;
  app.add_flag("--json", json, "print as JSON");
  return run_guarded(app, argc, argv, [&] {
    std::fputs((json ? describe_system_json() : describe_system()).c_str(), stdout);
    return 0;
  });
}

}  // namespace smartcamrt::cli
