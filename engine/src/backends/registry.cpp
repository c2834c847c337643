#include <algorithm>
#include <filesystem>

#include "smartcamrt/backends/backend.hpp"
#include "smartcamrt/core/error.hpp"

namespace smartcamrt {

BackendRegistry& BackendRegistry::instance() {
  static BackendRegistry registry;
  return registry;
}

void BackendRegistry::add(std::unique_ptr<Backend> backend) { backends_.push_back(std::move(backend)); }

const Backend* BackendRegistry::find(const std::string& name) const {
  for (const auto& backend : backends_) {
    if (backend->name() == name) return backend.get();
  }
  return nullptr;
}

std::vector<const Backend*> BackendRegistry::list() const {
  std::vector<const Backend*> result;
  for (const auto& backend : backends_) result.push_back(backend.get());
  std::sort(result.begin(), result.end(), [](const Backend* a, const Backend* b) { return a->name() < b->name(); });
  return result;
}

namespace {
std::string known_names(const BackendRegistry& registry) {
  std::string names;
  for (const Backend* backend : registry.list()) names += (names.empty() ? "" : ", ") + backend->name();
  return names;
}
}  // namespace

const Backend& BackendRegistry::require(const std::string& name) const {
  const Backend* backend = find(name);
  if (!backend) throw Error("--runtime '" + name + "': unknown runtime (known: " + known_names(*this) + ")");
  const Availability availability = backend->availability();
  if (!availability.available) {
    throw Error("--runtime '" + name + "': unavailable on this build: " + availability.reason);
  }
  return *backend;
}

const Backend& BackendRegistry::for_model(const std::string& model_path) const {
  std::string suffix = std::filesystem::path(model_path).extension().string();
  std::transform(suffix.begin(), suffix.end(), suffix.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const Backend* backend : list()) {
    const auto suffixes = backend->file_suffixes();
    if (std::find(suffixes.begin(), suffixes.end(), suffix) != suffixes.end()) return require(backend->name());
  }
  throw Error("model '" + model_path + "': no runtime handles '" + suffix + "' files (pass --runtime)");
}

}  // namespace smartcamrt
