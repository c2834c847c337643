#pragma once
#include <string>
#include <vector>

namespace smartcamrt {

struct HostInfo {
  std::string cpu_model;         // from /proc/cpuinfo
  int cores = 0;                 // online logical CPUs
  std::string os;                // PRETTY_NAME from /etc/os-release
  std::string kernel;            // uname release
  std::string arch;              // uname machine
  std::vector<std::string> isa;  // the instruction-set flags that change kernels (read_isa_flags)
};

HostInfo read_host_info();

// The /proc/cpuinfo flags that decide which kernels the runtimes pick and what 8-bit models compute
// (avx2, fma, avx512f, avx512bw, avx512_vnni, avx_vnni, avx512_bf16, amx_int8; asimd, asimddp, i8mm
// on Arm), sorted; `cpuinfo_path` is for tests.
std::vector<std::string> read_isa_flags(const std::string& cpuinfo_path = "/proc/cpuinfo");

}  // namespace smartcamrt
