// Backends built as modules of their own (libsmartcamrt_backend_<name>.so, beside libsmartcamrt.so):
// the registry holds a stand-in with the backend's name, description and file suffixes, and loads the
// module the first time the backend is asked for its availability or a session. A run therefore maps
// only the runtime it uses: an ONNX Runtime run loads no OpenVINO or ExecuTorch code (their libraries
// cost ~21 ms of start-up and ~6 MB of RSS, docs/benchmarks.md "Engine overhead"), and a bundle without
// a runtime's libraries reports that backend unavailable with the loader's reason instead of failing
// to start. CMake defines SMARTCAMRT_<NAME>_MODULE for each backend it builds this way; a backend whose
// SDK was not found is compiled into libsmartcamrt as before and says why it is unavailable.
#include <dlfcn.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "smartcamrt/backends/backend.hpp"
#include "smartcamrt/core/error.hpp"

namespace smartcamrt {
namespace {

// The folder libsmartcamrt.so was loaded from: the build tree's engine/ or a bundle's lib/.
std::string library_folder() {
  Dl_info info{};
  static const int anchor = 0;
  if (dladdr(&anchor, &info) == 0 || info.dli_fname == nullptr) return ".";
  return std::filesystem::path(info.dli_fname).parent_path().string();
}

class ModuleBackend final : public Backend {
 public:
  ModuleBackend(std::string name, std::string description, std::vector<std::string> suffixes)
      : name_(std::move(name)), description_(std::move(description)), suffixes_(std::move(suffixes)) {}

  std::string name() const override { return name_; }
  std::string description() const override { return description_; }
  std::vector<std::string> file_suffixes() const override { return suffixes_; }

  Availability availability() const override {
    if (const Backend* backend = load()) return backend->availability();
    Availability result;
    result.reason = reason_;
    return result;
  }

  std::unique_ptr<Session> open(const std::string& model_path, const SessionOptions& options) const override {
    const Backend* backend = load();
    if (!backend) throw Error("model '" + model_path + "': " + name_ + " is unavailable: " + reason_);
    return backend->open(model_path, options);
  }

 private:
  // Loads the module once; never unloaded (sessions and the backend's statics live in it).
  const Backend* load() const {
    std::call_once(once_, [this] {
      const std::string path = library_folder() + "/libsmartcamrt_backend_" + name_ + ".so";
      void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!handle) {
        const char* error = dlerror();
        reason_ = "cannot load its module: " + first_line(error ? error : path);
        return;
      }
      using Create = Backend* (*)();
      const auto create = reinterpret_cast<Create>(dlsym(handle, "smartcamrt_backend_create"));
      if (!create) {
        reason_ = "module '" + path + "' has no smartcamrt_backend_create";
        return;
      }
      backend_.reset(create());
      // The stand-in answered for it until now: it must have said the same.
      if (backend_->name() != name_ || backend_->description() != description_ ||
          backend_->file_suffixes() != suffixes_) {
        reason_ = "module '" + path + "' holds backend '" + backend_->name() + "' (" + backend_->description() +
                  "), which its stand-in in module_backend.cpp does not match";
        backend_.reset();
      }
    });
    return backend_.get();
  }

  std::string name_, description_;
  std::vector<std::string> suffixes_;
  mutable std::once_flag once_;
  mutable std::unique_ptr<Backend> backend_;
  mutable std::string reason_;
};

// The stand-ins: the same name, description and suffixes as the module's backend (a module that
// disagrees is reported unavailable, which module_backend_test catches).
#ifdef SMARTCAMRT_OPENVINO_MODULE
const detail::BackendRegistration kOpenVino{std::make_unique<ModuleBackend>(
    "openvino", "OpenVINO, CPU plugin (IR .xml/.bin; ONNX when named)", std::vector<std::string>{".xml"})};
#endif
#ifdef SMARTCAMRT_EXECUTORCH_MODULE
const detail::BackendRegistration kExecuTorch{std::make_unique<ModuleBackend>(
    "executorch", "ExecuTorch, XNNPACK delegate + optimized/portable CPU kernels", std::vector<std::string>{".pte"})};
#endif

}  // namespace
}  // namespace smartcamrt
