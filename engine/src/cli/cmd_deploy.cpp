// smartcamrt deploy pi --out DIR: the front door of the Raspberry Pi bundle. The work (cross-build,
// staging, checks, packing) is scripts/deploy/pi.sh in the source tree this binary was built from; this
// command only finds it and hands the arguments over, so `smartcamrt deploy pi --help` is the script's.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "commands.hpp"
#include "smartcamrt/core/version.hpp"

namespace smartcamrt::cli {

int deploy_command(int argc, char** argv) {
  const std::string target = argc > 1 ? argv[1] : "";
  if (target.empty() || target == "-h" || target == "--help") {
    std::printf(
        "usage: smartcamrt deploy pi --out DIR [options]   (smartcamrt deploy pi --help)\n\n"
        "targets:\n"
        "  pi   Raspberry Pi 4/5 (linux-aarch64, Raspberry Pi OS bookworm): cross-builds the engine and packs\n"
        "       DIR/smartcamrt-<version>-linux-aarch64.tar.gz (scripts/deploy/pi.sh; docs/deployment.md)\n");
    return target.empty() ? kExitUsage : 0;
  }
  if (target != "pi") {
    std::fprintf(stderr, "smartcamrt deploy: unknown target '%s' (targets: pi)\n", target.c_str());
    return kExitUsage;
  }
  const std::string script = std::string(SMARTCAMRT_SOURCE_DIR) + "/scripts/deploy/pi.sh";
  if (access(script.c_str(), R_OK) != 0) {
    std::fprintf(stderr,
                 "smartcamrt deploy: '%s' not found: deploy runs from the source checkout this binary was built "
                 "from (a bundle cannot build bundles)\n",
                 script.c_str());
    return kExitUsage;
  }
  std::vector<char*> args{const_cast<char*>("bash"), const_cast<char*>(script.c_str())};
  for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
  args.push_back(nullptr);
  std::fflush(stdout);
  execvp("bash", args.data());
  std::fprintf(stderr, "smartcamrt deploy: cannot start bash for '%s': %s\n", script.c_str(), std::strerror(errno));
  return kExitFailure;
}

}  // namespace smartcamrt::cli
