#pragma once
#include <string>

namespace smartcamrt {

struct HostInfo {
  std::string cpu_model;  // from /proc/cpuinfo
  int cores = 0;          // online logical CPUs
  std::string os;         // PRETTY_NAME from /etc/os-release
  std::string kernel;     // uname release
  std::string arch;       // uname machine
};

HostInfo read_host_info();

}  // namespace smartcamrt
