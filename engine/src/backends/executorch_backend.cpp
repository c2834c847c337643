// ExecuTorch backend: runs a .pte program (see `smartcamrt-tools export --format executorch`) with the
// C++ runtime that the `executorch` wheel ships (>= 1.5: headers, libexecutorch.so, the CPU kernels,
// the XNNPACK delegate and the thread pool). Compiled in when CMake finds that runtime
// (cmake/FindExecuTorch.cmake: EXECUTORCH_ROOT or the project .venv); otherwise it registers itself as
// unavailable with the reason. Details and measurements: docs/runtimes/executorch.md.
//
// Threads: ExecuTorch has one process-wide thread pool (XNNPACK and the optimized kernels share it),
// bound into each XNNPACK delegate when its method is loaded. `threads == 1` loads and runs the
// session with the pool disabled for the calling thread (NoThreadPoolGuard), so it is truly
// single-threaded; `threads > 1` resizes the shared pool, which is only safe while no other
// ExecuTorch session exists (a loaded delegate keeps a pointer to the old pool), so a later session
// asking for a different size keeps the current size; `threads == 0` keeps the runtime's default.
#include <atomic>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "smartcamrt/backends/backend.hpp"
#include "smartcamrt/core/error.hpp"

#ifdef SMARTCAMRT_HAVE_EXECUTORCH
#if defined(_GLIBCXX_USE_CXX11_ABI) && !_GLIBCXX_USE_CXX11_ABI
#error "the executorch wheel's libraries use the C++11 std::string ABI; build with _GLIBCXX_USE_CXX11_ABI=1"
#endif
#include <cstdio>
#include <mutex>
#include <unordered_set>

#include <executorch/extension/module/module.h>
#include <executorch/extension/threadpool/threadpool_guard.h>
#include <executorch/runtime/backend/interface.h>
#include <executorch/runtime/core/exec_aten/exec_aten.h>
#include <executorch/runtime/platform/platform.h>
#include <executorch/runtime/platform/runtime.h>

// The wheel ships libexecutorch_threadpool.so but not its header (extension/threadpool/threadpool.h).
// These two exported members are all the engine needs to size the shared pool; the declaration
// mirrors the upstream one (non-virtual members only, so no layout is assumed).
namespace executorch::extension::threadpool {
class ThreadPool final {
 public:
  size_t get_thread_count() const;
  bool _unsafe_reset_threadpool(uint32_t num_threads);
};
ThreadPool* get_threadpool();
}  // namespace executorch::extension::threadpool
#endif

namespace smartcamrt {
namespace {

#ifdef SMARTCAMRT_HAVE_EXECUTORCH

namespace et = ::executorch::runtime;
using ::executorch::aten::ScalarType;
using ::executorch::extension::Module;
using ::executorch::extension::threadpool::NoThreadPoolGuard;

// ExecuTorch reports details (which file, which operator is missing) only through its log; the
// status codes it returns are generic. Keep the last error logged on this thread for our messages,
// and drop the info-level chatter (cpuinfo probing, delegate init) that would interleave with ours.
thread_local std::string t_last_error;

void capture_log(et_timestamp_t, et_pal_log_level_t level, const char*, const char*, size_t, const char* message,
                 size_t length) {
  if (level != kError && level != kFatal) return;
  t_last_error.assign(message, length);
  while (!t_last_error.empty() && (t_last_error.back() == '\n' || t_last_error.back() == '\r')) t_last_error.pop_back();
  if (level == kFatal) std::fprintf(stderr, "executorch: fatal: %s\n", t_last_error.c_str());
}

void init_runtime() {
  static const bool initialised = [] {
    et::register_pal(et::PalImpl::create(capture_log, __FILE__));
    et::runtime_init();
    return true;
  }();
  (void)initialised;
}

std::string describe(et::Error error) {
  std::string text = et::to_string(error);
  if (!t_last_error.empty()) text += ": " + t_last_error;
  return first_line(text);
}

DType from_et(ScalarType type) {
  switch (type) {
    case ScalarType::Float: return DType::kFloat32;
    case ScalarType::Half: return DType::kFloat16;
    case ScalarType::Byte: return DType::kUInt8;
    case ScalarType::Char: return DType::kInt8;
    case ScalarType::Int: return DType::kInt32;
    case ScalarType::Long: return DType::kInt64;
    default: return DType::kUnknown;
  }
}

ScalarType to_et(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return ScalarType::Float;
    case DType::kFloat16: return ScalarType::Half;
    case DType::kUInt8: return ScalarType::Byte;
    case DType::kInt8: return ScalarType::Char;
    case DType::kInt32: return ScalarType::Int;
    case DType::kInt64: return ScalarType::Long;
    case DType::kUnknown: break;
  }
  return ScalarType::Undefined;
}

// Sessions alive in this process, and the lock that guards resizing the shared thread pool.
std::mutex g_pool_mutex;
int g_live_sessions = 0;

// Claims a place among the live sessions; sizes the shared pool to `threads` when it is the only one.
void enter_session(int threads) {
  std::lock_guard<std::mutex> lock(g_pool_mutex);
  if (threads > 1 && g_live_sessions == 0) {
    auto* pool = ::executorch::extension::threadpool::get_threadpool();
    if (pool && pool->get_thread_count() != static_cast<size_t>(threads)) {
      pool->_unsafe_reset_threadpool(static_cast<uint32_t>(threads));
    }
  }
  ++g_live_sessions;
}

void leave_session() {
  std::lock_guard<std::mutex> lock(g_pool_mutex);
  --g_live_sessions;
}

// An input's layout for ExecuTorch's TensorImpl (contiguous, NCHW as given).
struct InputLayout {
  Shape shape;
  std::vector<int32_t> sizes, strides;
  std::vector<uint8_t> dim_order;
};

class ExecuTorchSession final : public Session {
 public:
  ExecuTorchSession(const std::string& path, const SessionOptions& options) : path_(path), threads_(options.threads) {
    init_runtime();  // first: the log hook must be in place before the thread pool's cpuinfo probe
    enter_session(threads_);
    try {
      load();
    } catch (...) {
      leave_session();
      throw;
    }
  }
  ~ExecuTorchSession() override {
    module_.reset();
    leave_session();
  }

  const std::vector<TensorSpec>& inputs() const override { return inputs_; }
  const std::vector<TensorSpec>& outputs() const override { return outputs_; }
  std::map<std::string, std::string> metadata() const override { return metadata_; }

  std::vector<Tensor> run(const std::vector<TensorView>& inputs) override {
    if (inputs.size() != inputs_.size()) {
      throw Error("executorch: model takes " + std::to_string(inputs_.size()) + " inputs, got " +
                  std::to_string(inputs.size()));
    }
    std::vector<::executorch::aten::TensorImpl> impls;
    impls.reserve(inputs.size());  // no reallocation: the EValues point into it
    std::vector<et::EValue> values;
    values.reserve(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      const TensorView& view = inputs[i];
      const TensorSpec& spec = inputs_[i];
      if (view.dtype != spec.dtype || !within_bounds(view.shape, spec.shape)) {
        throw Error("executorch: input " + std::to_string(i) + " is " + dtype_name(view.dtype) + " " +
                    shape_to_string(view.shape) + ", the model takes " + dtype_name(spec.dtype) + " " +
                    shape_to_string(spec.shape) + (spec.shape.empty() ? "" : " (or smaller, if exported so)"));
      }
      // A smaller shape than the program's: ExecuTorch resizes a dynamic-bound input to it, and
      // refuses (run error) a static one.
      if (view.shape != layouts_[i].shape) layouts_[i] = layout_of(view.shape);
      InputLayout& layout = layouts_[i];
      // ExecuTorch copies a memory-planned input into its own arena; it only reads this memory.
      impls.emplace_back(to_et(view.dtype), static_cast<ssize_t>(layout.sizes.size()), layout.sizes.data(),
                         const_cast<void*>(view.data), layout.dim_order.data(), layout.strides.data());
      values.emplace_back(::executorch::aten::Tensor(&impls.back()));
    }

    std::optional<NoThreadPoolGuard> single_thread;
    if (threads_ == 1) single_thread.emplace();
    t_last_error.clear();
    auto result = module_->execute(kMethod, values);
    if (!result.ok()) throw Error("model '" + path_ + "': ExecuTorch run failed: " + describe(result.error()));

    const std::vector<et::EValue>& values_out = result.get();
    std::vector<Tensor> outputs;
    outputs.reserve(values_out.size());
    for (size_t i = 0; i < values_out.size(); ++i) {
      if (!values_out[i].isTensor())
        throw Error("model '" + path_ + "': output " + std::to_string(i) + " is not a tensor");
      const auto& tensor = values_out[i].toTensor();
      Shape shape(tensor.sizes().begin(), tensor.sizes().end());
      outputs.push_back(
          copy_output(i, from_et(tensor.scalar_type()), std::move(shape), tensor.const_data_ptr(), tensor.nbytes()));
    }
    return outputs;
  }

 private:
  static constexpr const char* kMethod = "forward";

  void load() {
    // threads == 1: the XNNPACK delegate binds no pool when loaded under the guard.
    std::optional<NoThreadPoolGuard> single_thread;
    if (threads_ == 1) single_thread.emplace();
    t_last_error.clear();
    module_ = std::make_unique<Module>(path_, Module::LoadMode::Mmap);
    if (const et::Error error = module_->load(); error != et::Error::Ok) fail("ExecuTorch cannot load it", error);
    const auto names = module_->method_names();
    if (!names.ok()) fail("ExecuTorch cannot list its methods", names.error());
    if (!names->count(kMethod)) throw Error("model '" + path_ + "': the ExecuTorch program has no 'forward' method");
    if (const et::Error error = module_->load_method(kMethod); error != et::Error::Ok) {
      fail("ExecuTorch cannot load its 'forward' method", error);
    }
    const auto meta = module_->method_meta(kMethod);
    if (!meta.ok()) fail("ExecuTorch cannot describe its 'forward' method", meta.error());
    for (size_t i = 0; i < meta->num_inputs(); ++i) {
      inputs_.push_back(spec_of(*meta, i, true));
      layouts_.push_back(layout_of(inputs_.back().shape));
    }
    for (size_t i = 0; i < meta->num_outputs(); ++i) outputs_.push_back(spec_of(*meta, i, false));
    output_buffers_.resize(outputs_.size());
    read_constant_methods(*names);
  }

  [[noreturn]] void fail(const std::string& what, et::Error error) const {
    throw Error("model '" + path_ + "': " + what + ": " + describe(error));
  }

  TensorSpec spec_of(const et::MethodMeta& meta, size_t index, bool input) const {
    const std::string kind = input ? "input" : "output";
    const auto tag = input ? meta.input_tag(index) : meta.output_tag(index);
    if (!tag.ok() || tag.get() != et::Tag::Tensor) {
      throw Error("model '" + path_ + "': " + kind + " " + std::to_string(index) + " of 'forward' is not a tensor");
    }
    const auto info = input ? meta.input_tensor_meta(index) : meta.output_tensor_meta(index);
    if (!info.ok()) fail("ExecuTorch cannot describe " + kind + " " + std::to_string(index), info.error());
    TensorSpec spec;
    spec.name = std::string(info->name());
    if (spec.name.empty()) spec.name = kind + std::to_string(index);  // .pte files carry no names
    spec.dtype = from_et(info->scalar_type());
    for (const int32_t size : info->sizes()) spec.shape.push_back(size);
    return spec;
  }

  // The sizes the method reports are upper bounds for inputs exported with dynamic dimensions
  // (torch.export Dim with max=): a shape of the same rank, no dimension larger, may be given.
  static bool within_bounds(const Shape& shape, const Shape& bounds) {
    if (shape.size() != bounds.size()) return false;
    for (size_t d = 0; d < shape.size(); ++d) {
      if (shape[d] < 1 || shape[d] > bounds[d]) return false;
    }
    return true;
  }

  static InputLayout layout_of(const Shape& shape) {
    InputLayout layout;
    layout.shape = shape;
    const size_t rank = shape.size();
    layout.strides.assign(rank, 1);
    for (size_t d = 0; d < rank; ++d) {
      layout.sizes.push_back(static_cast<int32_t>(shape[d]));
      layout.dim_order.push_back(static_cast<uint8_t>(d));
    }
    for (size_t d = rank; d-- > 1;) layout.strides[d - 1] = layout.strides[d] * layout.sizes[d];
    return layout;
  }

  // Methods other than 'forward' that take nothing and return a string are model metadata
  // (the exporter stores "names" and "stride" this way, as JSON, like the ONNX metadata).
  void read_constant_methods(const std::unordered_set<std::string>& names) {
    for (const std::string& name : names) {
      if (name == kMethod) continue;
      const auto meta = module_->method_meta(name);
      if (!meta.ok() || meta->num_inputs() != 0 || meta->num_outputs() != 1) continue;
      const auto tag = meta->output_tag(0);
      if (!tag.ok() || tag.get() != et::Tag::String) continue;
      const auto result = module_->execute(name);
      if (result.ok() && result->size() == 1 && (*result)[0].isString()) {
        metadata_[name] = std::string((*result)[0].toString());
      }
      module_->unload_method(name);
    }
  }

  // The output lives in the method's memory arena, which the next run overwrites: copy it into a
  // buffer the caller owns, reusing the previous one when nobody holds it any more.
  Tensor copy_output(size_t index, DType dtype, Shape shape, const void* data, size_t bytes) {
    auto& buffer = output_buffers_[index];
    if (!buffer || buffer.use_count() > 1 || buffer->size() != bytes) {
      buffer = std::make_shared<std::vector<unsigned char>>(bytes);
    } else {
      std::atomic_thread_fence(std::memory_order_acquire);  // the last holder's reads are done
    }
    std::memcpy(buffer->data(), data, bytes);
    const void* out = buffer->data();
    return Tensor(dtype, std::move(shape), out, std::shared_ptr<const void>(buffer, out));
  }

  std::string path_;
  int threads_ = 0;
  std::unique_ptr<Module> module_;
  std::vector<TensorSpec> inputs_, outputs_;
  std::vector<InputLayout> layouts_;
  std::vector<std::shared_ptr<std::vector<unsigned char>>> output_buffers_;
  std::map<std::string, std::string> metadata_;
};

#endif  // SMARTCAMRT_HAVE_EXECUTORCH

class ExecuTorchBackend final : public Backend {
 public:
  std::string name() const override { return "executorch"; }
  std::string description() const override { return "ExecuTorch, XNNPACK delegate + optimized/portable CPU kernels"; }
  std::vector<std::string> file_suffixes() const override { return {".pte"}; }

  Availability availability() const override {
    Availability result;
#ifdef SMARTCAMRT_HAVE_EXECUTORCH
    result.available = true;
    result.version = SMARTCAMRT_EXECUTORCH_VERSION;
    if (!::executorch::runtime::get_backend_class("XnnpackBackend")) result.version += " (no XNNPACK delegate)";
#else
    result.reason =
        "built without ExecuTorch (install the executorch wheel >= 1.5 with scripts/setup.sh, or configure with "
        "-DEXECUTORCH_ROOT=<site-packages/executorch>)";
#endif
    return result;
  }

  std::unique_ptr<Session> open(const std::string& model_path, const SessionOptions& options) const override {
#ifdef SMARTCAMRT_HAVE_EXECUTORCH
    return std::make_unique<ExecuTorchSession>(model_path, options);
#else
    (void)options;
    throw Error("model '" + model_path + "': " + availability().reason);
#endif
  }
};

}  // namespace

SMARTCAMRT_REGISTER_BACKEND(ExecuTorchBackend)

}  // namespace smartcamrt
