#include "smartcamrt/telemetry/gpu_monitor.hpp"

#include <dlfcn.h>

namespace smartcamrt {
namespace {

// The few NVML entry points used, declared here so no NVIDIA header is needed to build.
using nvmlReturn_t = int;
using nvmlDevice_t = void*;
struct NvmlUtilization {
  unsigned int gpu, memory;
};
struct NvmlMemory {
  unsigned long long total, free, used;
};
constexpr nvmlReturn_t kNvmlSuccess = 0;
constexpr int kNvmlTemperatureGpu = 0;

using InitFn = nvmlReturn_t (*)();
using ErrorStringFn = const char* (*)(nvmlReturn_t);
using HandleByIndexFn = nvmlReturn_t (*)(unsigned int, nvmlDevice_t*);
using NameFn = nvmlReturn_t (*)(nvmlDevice_t, char*, unsigned int);
using UtilizationFn = nvmlReturn_t (*)(nvmlDevice_t, NvmlUtilization*);
using MemoryFn = nvmlReturn_t (*)(nvmlDevice_t, NvmlMemory*);
using TemperatureFn = nvmlReturn_t (*)(nvmlDevice_t, int, unsigned int*);
using PowerFn = nvmlReturn_t (*)(nvmlDevice_t, unsigned int*);

template <typename Fn>
Fn symbol(void* library, const char* name) {
  return reinterpret_cast<Fn>(dlsym(library, name));
}

}  // namespace

GpuMonitor& GpuMonitor::instance() {
  static GpuMonitor monitor;
  return monitor;
}

GpuMonitor::GpuMonitor() {
  library_ = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library_) {
    reason_ = "libnvidia-ml.so.1 not found (no NVIDIA driver on this machine)";
    return;
  }
  const auto init = symbol<InitFn>(library_, "nvmlInit_v2");
  const auto error_string = symbol<ErrorStringFn>(library_, "nvmlErrorString");
  const auto handle_by_index = symbol<HandleByIndexFn>(library_, "nvmlDeviceGetHandleByIndex_v2");
  if (!init || !handle_by_index) {
    reason_ = "libnvidia-ml.so.1 lacks nvmlInit_v2 / nvmlDeviceGetHandleByIndex_v2";
    return;
  }
  const nvmlReturn_t status = init();
  if (status != kNvmlSuccess) {
    reason_ = std::string("nvmlInit failed: ") + (error_string ? error_string(status) : std::to_string(status));
    return;
  }
  nvmlDevice_t device = nullptr;
  if (handle_by_index(0, &device) != kNvmlSuccess) {
    reason_ = "NVML found no GPU 0";
    return;
  }
  device_ = device;
  if (const auto name = symbol<NameFn>(library_, "nvmlDeviceGetName")) {
    char text[96] = {};
    if (name(device, text, sizeof(text)) == kNvmlSuccess) device_name_ = text;
  }
  utilization_fn_ = dlsym(library_, "nvmlDeviceGetUtilizationRates");
  memory_fn_ = dlsym(library_, "nvmlDeviceGetMemoryInfo");
  temperature_fn_ = dlsym(library_, "nvmlDeviceGetTemperature");
  power_fn_ = dlsym(library_, "nvmlDeviceGetPowerUsage");
  available_ = true;
}

GpuReading GpuMonitor::read() const {
  GpuReading reading;
  if (!available_) return reading;
  if (const auto utilization = reinterpret_cast<UtilizationFn>(utilization_fn_)) {
    NvmlUtilization value{};
    if (utilization(device_, &value) == kNvmlSuccess) reading.util_pct = value.gpu;
  }
  if (const auto memory = reinterpret_cast<MemoryFn>(memory_fn_)) {
    NvmlMemory value{};
    if (memory(device_, &value) == kNvmlSuccess)
      reading.mem_used_mb = static_cast<double>(value.used) / (1024.0 * 1024.0);
  }
  if (const auto temperature = reinterpret_cast<TemperatureFn>(temperature_fn_)) {
    unsigned int value = 0;
    if (temperature(device_, kNvmlTemperatureGpu, &value) == kNvmlSuccess) reading.temp_c = value;
  }
  if (const auto power = reinterpret_cast<PowerFn>(power_fn_)) {
    unsigned int milliwatts = 0;
    if (power(device_, &milliwatts) == kNvmlSuccess) reading.power_w = milliwatts / 1000.0;
  }
  return reading;
}

}  // namespace smartcamrt
