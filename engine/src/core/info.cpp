#include "smartcamrt/core/info.hpp"

#include <nlohmann/json.hpp>
#include <opencv2/core/version.hpp>

#include "smartcamrt/backends/backend.hpp"
#include "smartcamrt/core/host.hpp"
#include "smartcamrt/core/version.hpp"
#include "smartcamrt/telemetry/gpu_monitor.hpp"

namespace smartcamrt {

std::string describe_system() {
  const HostInfo host = read_host_info();
  std::string out;
  out += "smartcamrt " SMARTCAMRT_VERSION "\n";
  out += "host       " + host.cpu_model + ", " + std::to_string(host.cores) + " cores, " + host.arch + "\n";
  out += "os         " + host.os + " (kernel " + host.kernel + ")\n";
  out += "opencv     " CV_VERSION "\n";
  const GpuMonitor& gpu = GpuMonitor::instance();
  out += "gpu        " + (gpu.available() ? gpu.device_name() + " (NVML)" : "none: " + gpu.reason()) + "\n";
  out += "backends\n";
  for (const Backend* backend : BackendRegistry::instance().list()) {
    const Availability availability = backend->availability();
    std::string suffixes;
    for (const auto& suffix : backend->file_suffixes()) suffixes += (suffixes.empty() ? "" : " ") + suffix;
    out += "  " + backend->name() + std::string(12 - std::min<size_t>(11, backend->name().size()), ' ');
    out += availability.available ? "available    " + availability.version : "unavailable  " + availability.reason;
    out += "\n    " + backend->description() + "; files: " + suffixes + "\n";
  }
  return out;
}

std::string describe_system_json() {
  const HostInfo host = read_host_info();
  const GpuMonitor& gpu = GpuMonitor::instance();
  nlohmann::json doc;
  doc["smartcamrt"] = SMARTCAMRT_VERSION;
  doc["host"] = {{"cpu_model", host.cpu_model},
                 {"cores", host.cores},
                 {"os", host.os},
                 {"kernel", host.kernel},
                 {"arch", host.arch}};
  doc["opencv"] = CV_VERSION;
  doc["gpu"] = {{"available", gpu.available()}, {"name", gpu.device_name()}, {"reason", gpu.reason()}};
  auto& backends = doc["backends"] = nlohmann::json::array();
  for (const Backend* backend : BackendRegistry::instance().list()) {
    const Availability availability = backend->availability();
    backends.push_back({{"name", backend->name()},
                        {"available", availability.available},
                        {"version", availability.version},
                        {"reason", availability.reason},
                        {"description", backend->description()},
                        {"suffixes", backend->file_suffixes()}});
  }
  return doc.dump(2) + "\n";
}

}  // namespace smartcamrt
