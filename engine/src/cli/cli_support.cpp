#include "cli_support.hpp"

#include <unistd.h>

#include <cstdio>
#include <exception>

#include "commands.hpp"
#include "smartcamrt/core/error.hpp"

namespace smartcamrt::cli {

int run_guarded(CLI::App& app, int argc, char** argv, const std::function<int()>& body) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "%s: %s (see --help)\n", app.get_name().c_str(), first_line(e.what()).c_str());
    return kExitUsage;
  }
  try {
    return body();
  } catch (const Error& e) {
    std::fprintf(stderr, "%s: %s\n", app.get_name().c_str(), first_line(e.what()).c_str());
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: unexpected failure: %s\n", app.get_name().c_str(), first_line(e.what()).c_str());
    return kExitFailure;
  }
}

int default_threads() {
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  return cores > 0 ? static_cast<int>(cores) : 1;
}

}  // namespace smartcamrt::cli
