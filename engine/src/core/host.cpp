#include "smartcamrt/core/host.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace smartcamrt {
namespace {

std::string value_after_colon(const std::string& line) {
  const size_t colon = line.find(':');
  if (colon == std::string::npos) return {};
  const size_t start = line.find_first_not_of(" \t", colon + 1);
  return start == std::string::npos ? std::string() : line.substr(start);
}

std::string unquote(std::string text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = text.substr(1, text.size() - 2);
  return text;
}

const char* const kIsaFlags[] = {"avx2",        "fma",      "avx512f", "avx512bw", "avx512_vnni", "avx_vnni",
                                 "avx512_bf16", "amx_int8", "asimd",   "asimddp",  "i8mm"};

}  // namespace

std::vector<std::string> read_isa_flags(const std::string& cpuinfo_path) {
  std::ifstream cpuinfo(cpuinfo_path);
  std::vector<std::string> found;
  for (std::string line; std::getline(cpuinfo, line);) {
    // x86 "flags", Arm "Features": the first processor's list stands for all.
    if (line.rfind("flags", 0) != 0 && line.rfind("Features", 0) != 0) continue;
    std::istringstream words(value_after_colon(line));
    for (std::string word; words >> word;) {
      for (const char* flag : kIsaFlags) {
        if (word == flag) found.push_back(word);
      }
    }
    break;
  }
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  return found;
}

HostInfo read_host_info() {
  HostInfo info;
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    // "model name" on x86; Arm kernels often give only "Model" (the board) or "CPU part".
    if (line.rfind("model name", 0) == 0 || (info.cpu_model.empty() && line.rfind("Model", 0) == 0)) {
      info.cpu_model = value_after_colon(line);
      if (line.rfind("model name", 0) == 0) break;
    }
  }
  info.cores = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  std::ifstream os_release("/etc/os-release");
  for (std::string line; std::getline(os_release, line);) {
    if (line.rfind("PRETTY_NAME=", 0) == 0) info.os = unquote(line.substr(12));
  }
  utsname uts{};
  if (uname(&uts) == 0) {
    info.kernel = uts.release;
    info.arch = uts.machine;
  }
  info.isa = read_isa_flags();
  return info;
}

}  // namespace smartcamrt
