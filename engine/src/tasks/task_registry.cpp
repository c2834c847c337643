#include <algorithm>

#include "smartcamrt/core/error.hpp"
#include "smartcamrt/core/model_info.hpp"
#include "smartcamrt/tasks/task.hpp"

namespace smartcamrt {

TaskRegistry& TaskRegistry::instance() {
  static TaskRegistry registry;
  return registry;
}

void TaskRegistry::add(const std::string& name, Factory factory) { factories_.emplace_back(name, std::move(factory)); }

std::vector<std::string> TaskRegistry::names() const {
  std::vector<std::string> names;
  for (const auto& entry : factories_) names.push_back(entry.first);
  std::sort(names.begin(), names.end());
  return names;
}

std::unique_ptr<Task> TaskRegistry::create(const TaskConfig& config) const {
  check_model_file(config.model_path);
  const std::optional<ModelManifest> manifest = read_manifest(config.model_path);
  const std::string kind = manifest ? manifest->task : std::string("detection");
  const auto it = std::find_if(factories_.begin(), factories_.end(), [&](const auto& e) { return e.first == kind; });
  if (it == factories_.end()) {
    std::string known;
    for (const std::string& name : names()) known += (known.empty() ? "" : ", ") + name;
    throw Error("model '" + config.model_path + "': its manifest names task '" + kind +
                "', which this engine does not have (it has: " + known + ")");
  }
  return it->second(config);
}

}  // namespace smartcamrt
