#pragma once
// NVIDIA GPU readings through NVML, loaded at run time (libnvidia-ml.so.1) so the engine has no
// link-time dependency on a driver. Where there is no NVIDIA driver or GPU, available() is false
// and reason() says why.
#include <optional>
#include <string>

namespace smartcamrt {

struct GpuReading {
  std::optional<double> util_pct, mem_used_mb, temp_c, power_w;
};

class GpuMonitor {
 public:
  static GpuMonitor& instance();  // loads NVML once; thread-safe
  bool available() const { return available_; }
  const std::string& reason() const { return reason_; }
  const std::string& device_name() const { return device_name_; }
  GpuReading read() const;  // GPU 0; empty reading when unavailable

 private:
  GpuMonitor();
  bool available_ = false;
  std::string reason_, device_name_;
  void* library_ = nullptr;
  void* device_ = nullptr;
  // NVML reading functions, resolved once at load (null where this driver lacks one).
  void* utilization_fn_ = nullptr;
  void* memory_fn_ = nullptr;
  void* temperature_fn_ = nullptr;
  void* power_fn_ = nullptr;
};

}  // namespace smartcamrt
