#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "commands.hpp"
#include "smartcamrt/core/version.hpp"

namespace smartcamrt::cli {
namespace {

bool is_executable(const std::string& path) { return !path.empty() && access(path.c_str(), X_OK) == 0; }

// $SMARTCAMRT_TOOLS, then PATH, then the venv of the source tree this binary was built from.
std::string find_tools() {
  if (const char* explicit_path = std::getenv("SMARTCAMRT_TOOLS")) return explicit_path;
  if (const char* path = std::getenv("PATH")) {
    std::string dirs(path);
    size_t start = 0;
    while (start <= dirs.size()) {
      const size_t end = dirs.find(':', start);
      const std::string dir = dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
      const std::string candidate = (std::filesystem::path(dir.empty() ? "." : dir) / "smartcamrt-tools").string();
      if (is_executable(candidate)) return candidate;
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  const std::string venv = std::string(SMARTCAMRT_SOURCE_DIR) + "/.venv/bin/smartcamrt-tools";
  return is_executable(venv) ? venv : std::string();
}

}  // namespace

int tools_handoff(int argc, char** argv) {
  const std::string tools = find_tools();
  if (!is_executable(tools)) {
    std::fprintf(stderr,
                 "smartcamrt: '%s' is a command of the Python tooling (smartcamrt-tools), which is not installed "
                 "here; run scripts/setup.sh, or pip install ./tools, or set SMARTCAMRT_TOOLS\n",
                 argv[0]);
    return kExitUsage;
  }
  std::vector<char*> args;
  args.push_back(const_cast<char*>(tools.c_str()));
  for (int i = 0; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
  std::fflush(stdout);
  execv(tools.c_str(), args.data());
  std::fprintf(stderr, "smartcamrt: cannot start '%s': %s\n", tools.c_str(), std::strerror(errno));
  return kExitFailure;
}

}  // namespace smartcamrt::cli
