#pragma once
// Backend / Session: the one interface every runtime (ONNX Runtime, LiteRT, ExecuTorch, TensorRT)
// sits behind. Each runtime lives in one source file under engine/src/backends/ and registers itself
// with SMARTCAMRT_REGISTER_BACKEND; nothing central changes to add one. OpenVINO and ExecuTorch are
// built as modules loaded on first use, so a run maps only the runtime it uses (module_backend.cpp).
//
// Thread-safety contract:
//  - Backend objects are immutable after registration; any thread may call them.
//  - A Session is used by one thread at a time (no internal locking on the per-frame path).
//  - Several Sessions, of the same or different models, may run in parallel on different threads.
//  - Loading (Backend::open) happens once, never per frame.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "smartcamrt/core/tensor.hpp"

namespace smartcamrt {

struct SessionOptions {
  int threads = 0;             // intra-op threads; 0 = the runtime's default (all cores)
  bool allow_spinning = true;  // let idle worker threads spin (lower latency, more CPU)
};

class Session {
 public:
  virtual ~Session() = default;
  virtual const std::vector<TensorSpec>& inputs() const = 0;
  virtual const std::vector<TensorSpec>& outputs() const = 0;
  // One tensor per declared input, in order. Returns one tensor per declared output.
  virtual std::vector<Tensor> run(const std::vector<TensorView>& inputs) = 0;
  // Key/value metadata stored in the model file (may be empty).
  virtual std::map<std::string, std::string> metadata() const { return {}; }
};

struct Availability {
  bool available = false;
  std::string version;  // runtime library version when available
  std::string reason;   // why not, when unavailable
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;                        // registry key, e.g. "ort"
  virtual std::string description() const = 0;                 // e.g. "ONNX Runtime (CPU execution provider)"
  virtual std::vector<std::string> file_suffixes() const = 0;  // e.g. {".onnx"}
  virtual Availability availability() const = 0;
  // Throws smartcamrt::Error naming the model file and the problem.
  virtual std::unique_ptr<Session> open(const std::string& model_path, const SessionOptions& options) const = 0;
};

class BackendRegistry {
 public:
  static BackendRegistry& instance();

  void add(std::unique_ptr<Backend> backend);
  // nullptr when no backend has that name.
  const Backend* find(const std::string& name) const;
  // The backend whose file suffix matches the model path; throws Error when none does.
  const Backend& for_model(const std::string& model_path) const;
  // Throws Error listing the known names when `name` is unknown, or the reason when unavailable.
  const Backend& require(const std::string& name) const;
  std::vector<const Backend*> list() const;  // sorted by name

 private:
  std::vector<std::unique_ptr<Backend>> backends_;
};

namespace detail {
struct BackendRegistration {
  explicit BackendRegistration(std::unique_ptr<Backend> backend) {
    BackendRegistry::instance().add(std::move(backend));
  }
};
}  // namespace detail

}  // namespace smartcamrt

#ifdef SMARTCAMRT_BACKEND_MODULE
// Built as a module of its own (engine/src/backends/module_backend.cpp): the registry's stand-in loads
// the module and creates the backend through this one exported function.
#define SMARTCAMRT_REGISTER_BACKEND(Type)                                                                \
  extern "C" __attribute__((visibility("default"))) ::smartcamrt::Backend* smartcamrt_backend_create() { \
    return new Type();                                                                                   \
  }
#else
#define SMARTCAMRT_REGISTER_BACKEND(Type)                                                                           \
  namespace {                                                                                                       \
  const ::smartcamrt::detail::BackendRegistration smartcamrt_backend_registration_##Type{std::make_unique<Type>()}; \
  }
#endif
