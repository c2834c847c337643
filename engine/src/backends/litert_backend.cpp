// LiteRT (TensorFlow Lite) backend over the TFLite C API (TfLiteModel / TfLiteInterpreter), CPU with
// the XNNPACK delegate the runtime applies by default.
//
// Compiled in when CMake finds a LiteRT SDK (LITERT_ROOT or the one scripts/fetch-litert.sh assembles):
// the C headers come from the SDK at build time, the shared library is dlopen()ed on first use, from
// the path CMake found (or $SMARTCAMRT_LITERT_LIBRARY). The library the registries offer
// (litert-lm-api's liblitert-lm.so) links its own libstdc++, absl and protobuf statically and exports
// their symbols; loading it RTLD_LOCAL | RTLD_DEEPBIND keeps those out of the engine's symbol space
// and keeps the library bound to its own copies. 'available' therefore means "the library loaded and
// has every C API entry point the backend uses"; otherwise the reason says which step failed.
// Without an SDK at configure time the backend registers as unavailable with the reason.
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "smartcamrt/backends/backend.hpp"
#include "smartcamrt/core/error.hpp"

#ifdef SMARTCAMRT_HAVE_LITERT
#include <dlfcn.h>
#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

#include "tensorflow/lite/core/c/c_api.h"
#include "tensorflow/lite/core/c/common.h"
#endif

namespace smartcamrt {
namespace {

#ifdef SMARTCAMRT_HAVE_LITERT

// The C API entry points the backend uses, typed from the SDK's headers.
struct LiteRtApi {
#define SMARTCAMRT_LITERT_FN(name) decltype(&::name) name = nullptr
  SMARTCAMRT_LITERT_FN(TfLiteVersion);
  SMARTCAMRT_LITERT_FN(TfLiteModelCreateFromFileWithErrorReporter);
  SMARTCAMRT_LITERT_FN(TfLiteModelDelete);
  SMARTCAMRT_LITERT_FN(TfLiteInterpreterOptionsCreate);
  SMARTCAMRT_LITERT_FN(TfLiteInterpreterOptionsDelete);
  SMARTCAMRT_LITERT_FN(TfLiteInterpreterOptionsSetNumThreads);
  SMARTCAMRT_LITERT_FN(TfLiteInterpreterOptionsSetErrorReporter);
  SMARTCAMRT_LITERT_FN(TfLiteInterpreterCreate);
  SMARTCAMRT_LITERT_FN(TfLiteInterpreterDelete);
  SMARTCAMRT_LITERT_FN(TfLiteInterpreterGetInputTensorCount);
  SMARTCAMRT_LITERT_FN(TfLiteInterpreterGetInputTensor);
  SMARTCAMRT_LITERT_FN(TfLiteInterpreterGetOutputTensorCount);
  SMARTCAMRT_LITERT_FN(TfLiteInterpreterGetOutputTensor);
  SMARTCAMRT_LITERT_FN(TfLiteInterpreterResizeInputTensor);
  SMARTCAMRT_LITERT_FN(TfLiteInterpreterAllocateTensors);
  SMARTCAMRT_LITERT_FN(TfLiteInterpreterInvoke);
  SMARTCAMRT_LITERT_FN(TfLiteTensorType);
  SMARTCAMRT_LITERT_FN(TfLiteTensorNumDims);
  SMARTCAMRT_LITERT_FN(TfLiteTensorDim);
  SMARTCAMRT_LITERT_FN(TfLiteTensorByteSize);
  SMARTCAMRT_LITERT_FN(TfLiteTensorData);
  SMARTCAMRT_LITERT_FN(TfLiteTensorName);
  SMARTCAMRT_LITERT_FN(TfLiteTensorQuantizationParams);
  SMARTCAMRT_LITERT_FN(TfLiteTensorCopyFromBuffer);
  SMARTCAMRT_LITERT_FN(TfLiteTypeGetName);
  SMARTCAMRT_LITERT_FN(TfLiteInterpreterOptionsAddDelegate);
#undef SMARTCAMRT_LITERT_FN

  // The XNNPACK delegate's C entry points. Its header (xnnpack_delegate.h) is not in the registry's
  // header package, so these are declared here; only the first field of TfLiteXNNPackDelegateOptions
  // (int32_t num_threads, first in every TFLite release) is touched, and the struct is only ever
  // handled inside a buffer far larger than it (see xnnpack_options()). Optional: without them the
  // interpreter runs on TFLite's builtin CPU kernels.
  struct XnnpackOptionsStorage {
    alignas(16) unsigned char bytes[1024];
  };
  XnnpackOptionsStorage (*TfLiteXNNPackDelegateOptionsDefault)() = nullptr;
  TfLiteDelegate* (*TfLiteXNNPackDelegateCreate)(const void* options) = nullptr;
  void (*TfLiteXNNPackDelegateDelete)(TfLiteDelegate* delegate) = nullptr;

  std::string library;  // the path loaded
  std::string version;  // TfLiteVersion()
  std::string error;    // why loading failed; empty when it worked
};

// Loads the library once per process; never unloaded (sessions and the runtime's thread pools may
// outlive any one caller).
const LiteRtApi& litert_api() {
  static const LiteRtApi api = [] {
    LiteRtApi result;
    const char* from_env = std::getenv("SMARTCAMRT_LITERT_LIBRARY");
    result.library = (from_env != nullptr && *from_env != '\0') ? from_env : SMARTCAMRT_LITERT_LIBRARY;
#if defined(__aarch64__) && defined(__linux__)
    // The registry's aarch64 LiteRT library is compiled for LSE atomics (Armv8.1-A): on a CPU without
    // them (a Raspberry Pi 4's Cortex-A72) loading it aborts the whole process with SIGILL. Say so
    // instead; a library named in SMARTCAMRT_LITERT_LIBRARY (perhaps built without LSE) is tried as given.
    if ((from_env == nullptr || *from_env == '\0') && (getauxval(AT_HWCAP) & HWCAP_ATOMICS) == 0) {
      result.error =
          "the aarch64 LiteRT library needs LSE atomics (Armv8.1-A), which this CPU lacks (e.g. a Raspberry Pi "
          "4): not loaded (it would abort the process); SMARTCAMRT_LITERT_LIBRARY can name a build without them";
      return result;
    }
#endif
    void* handle = dlopen(result.library.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
    if (handle == nullptr) {
      const char* why = dlerror();
      result.error = "cannot load the LiteRT library: " + first_line(why != nullptr ? why : result.library);
      return result;
    }
    std::string missing;  // the first entry point not found
    int missing_count = 0;
    auto bind = [&](auto& fn, const char* name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(handle, name));
      if (fn != nullptr) return;
      if (missing_count++ == 0) missing = name;
    };
#define SMARTCAMRT_LITERT_BIND(name) bind(result.name, #name)
    SMARTCAMRT_LITERT_BIND(TfLiteVersion);
    SMARTCAMRT_LITERT_BIND(TfLiteModelCreateFromFileWithErrorReporter);
    SMARTCAMRT_LITERT_BIND(TfLiteModelDelete);
    SMARTCAMRT_LITERT_BIND(TfLiteInterpreterOptionsCreate);
    SMARTCAMRT_LITERT_BIND(TfLiteInterpreterOptionsDelete);
    SMARTCAMRT_LITERT_BIND(TfLiteInterpreterOptionsSetNumThreads);
    SMARTCAMRT_LITERT_BIND(TfLiteInterpreterOptionsSetErrorReporter);
    SMARTCAMRT_LITERT_BIND(TfLiteInterpreterCreate);
    SMARTCAMRT_LITERT_BIND(TfLiteInterpreterDelete);
    SMARTCAMRT_LITERT_BIND(TfLiteInterpreterGetInputTensorCount);
    SMARTCAMRT_LITERT_BIND(TfLiteInterpreterGetInputTensor);
    SMARTCAMRT_LITERT_BIND(TfLiteInterpreterGetOutputTensorCount);
    SMARTCAMRT_LITERT_BIND(TfLiteInterpreterGetOutputTensor);
    SMARTCAMRT_LITERT_BIND(TfLiteInterpreterResizeInputTensor);
    SMARTCAMRT_LITERT_BIND(TfLiteInterpreterAllocateTensors);
    SMARTCAMRT_LITERT_BIND(TfLiteInterpreterInvoke);
    SMARTCAMRT_LITERT_BIND(TfLiteTensorType);
    SMARTCAMRT_LITERT_BIND(TfLiteTensorNumDims);
    SMARTCAMRT_LITERT_BIND(TfLiteTensorDim);
    SMARTCAMRT_LITERT_BIND(TfLiteTensorByteSize);
    SMARTCAMRT_LITERT_BIND(TfLiteTensorData);
    SMARTCAMRT_LITERT_BIND(TfLiteTensorName);
    SMARTCAMRT_LITERT_BIND(TfLiteTensorQuantizationParams);
    SMARTCAMRT_LITERT_BIND(TfLiteTensorCopyFromBuffer);
    SMARTCAMRT_LITERT_BIND(TfLiteTypeGetName);
    SMARTCAMRT_LITERT_BIND(TfLiteInterpreterOptionsAddDelegate);
#undef SMARTCAMRT_LITERT_BIND
    if (!missing.empty()) {
      result.error = "'" + result.library + "' is not a TFLite C API library: no " + missing +
                     (missing_count > 1 ? " (and " + std::to_string(missing_count - 1) + " more)" : "");
      return result;
    }
    bind(result.TfLiteXNNPackDelegateOptionsDefault, "TfLiteXNNPackDelegateOptionsDefault");
    bind(result.TfLiteXNNPackDelegateCreate, "TfLiteXNNPackDelegateCreate");
    bind(result.TfLiteXNNPackDelegateDelete, "TfLiteXNNPackDelegateDelete");
    if (!missing.empty()) {
      result.TfLiteXNNPackDelegateCreate = nullptr;  // all three or none
    }
    result.version = result.TfLiteVersion();
    return result;
  }();
  return api;
}

// Collects what the runtime reports (formatted), for one-line error messages.
struct ErrorCollector {
  std::string text;

  static void report(void* user_data, const char* format, va_list args) {
    char buffer[1024];
    std::vsnprintf(buffer, sizeof buffer, format, args);
    auto* self = static_cast<ErrorCollector*>(user_data);
    if (!self->text.empty()) self->text += "; ";
    self->text += buffer;
  }
  std::string take(const std::string& fallback) {
    std::string result = text.empty() ? fallback : first_line(text);
    text.clear();
    return result;
  }
};

DType from_litert(TfLiteType type) {
  switch (type) {
    case kTfLiteFloat32: return DType::kFloat32;
    case kTfLiteFloat16: return DType::kFloat16;
    case kTfLiteUInt8: return DType::kUInt8;
    case kTfLiteInt8: return DType::kInt8;
    case kTfLiteInt32: return DType::kInt32;
    case kTfLiteInt64: return DType::kInt64;
    default: return DType::kUnknown;
  }
}

Shape shape_of(const LiteRtApi& api, const TfLiteTensor* tensor) {
  Shape shape;
  const int32_t rank = api.TfLiteTensorNumDims(tensor);
  for (int32_t i = 0; i < rank; ++i) shape.push_back(api.TfLiteTensorDim(tensor, i));
  return shape;
}

class LiteRtSession final : public Session {
 public:
  LiteRtSession(const LiteRtApi& api, const std::string& path, const SessionOptions& options)
      : api_(api), errors_(std::make_unique<ErrorCollector>()) {
    auto fail = [&](const std::string& fallback) {
      const std::string why = errors_->take(fallback);
      release();  // the destructor does not run for a constructor that throws
      throw Error("model '" + path + "': LiteRT cannot load it: " + why);
    };
    model_ = api_.TfLiteModelCreateFromFileWithErrorReporter(path.c_str(), &ErrorCollector::report, errors_.get());
    if (model_ == nullptr) fail("not a TFLite flatbuffer");

    TfLiteInterpreterOptions* interpreter_options = api_.TfLiteInterpreterOptionsCreate();
    // 0 = all cores, as with the other backends (TFLite's own default of -1 lets it choose).
    api_.TfLiteInterpreterOptionsSetNumThreads(interpreter_options, options.threads > 0 ? options.threads : -1);
    api_.TfLiteInterpreterOptionsSetErrorReporter(interpreter_options, &ErrorCollector::report, errors_.get());
    // XNNPACK, as the TFLite runtimes apply it by default: this library's TfLiteInterpreterCreate does
    // not add it on its own (measured: yolov5n-fp16 at 2 threads, 177 ms without, ~90 ms with).
    if (api_.TfLiteXNNPackDelegateCreate != nullptr) {
      LiteRtApi::XnnpackOptionsStorage xnnpack_options = api_.TfLiteXNNPackDelegateOptionsDefault();
      const int32_t threads =
          options.threads > 0 ? options.threads : static_cast<int32_t>(std::thread::hardware_concurrency());
      std::memcpy(xnnpack_options.bytes, &threads, sizeof threads);  // field 0: int32_t num_threads
      xnnpack_ = api_.TfLiteXNNPackDelegateCreate(xnnpack_options.bytes);
      if (xnnpack_ != nullptr) {
        api_.TfLiteInterpreterOptionsAddDelegate(interpreter_options, xnnpack_);
        metadata_["litert.delegate"] = "xnnpack, " + std::to_string(threads) + " threads";
      }
    }
    if (xnnpack_ == nullptr) metadata_["litert.delegate"] = "none (TFLite builtin CPU kernels)";
    interpreter_ = api_.TfLiteInterpreterCreate(model_, interpreter_options);
    api_.TfLiteInterpreterOptionsDelete(interpreter_options);
    if (interpreter_ == nullptr) fail("the interpreter could not be built (unsupported operator?)");
    if (api_.TfLiteInterpreterAllocateTensors(interpreter_) != kTfLiteOk) fail("tensor allocation failed");

    const int32_t input_count = api_.TfLiteInterpreterGetInputTensorCount(interpreter_);
    for (int32_t i = 0; i < input_count; ++i) {
      inputs_.push_back(spec_of(api_.TfLiteInterpreterGetInputTensor(interpreter_, i), "input", i));
    }
    const int32_t output_count = api_.TfLiteInterpreterGetOutputTensorCount(interpreter_);
    for (int32_t i = 0; i < output_count; ++i) {
      outputs_.push_back(spec_of(api_.TfLiteInterpreterGetOutputTensor(interpreter_, i), "output", i));
    }
  }

  ~LiteRtSession() override { release(); }
  LiteRtSession(const LiteRtSession&) = delete;
  LiteRtSession& operator=(const LiteRtSession&) = delete;

  const std::vector<TensorSpec>& inputs() const override { return inputs_; }
  const std::vector<TensorSpec>& outputs() const override { return outputs_; }
  // The TFLite C API does not expose the model's metadata buffers; this reports the quantization
  // parameters of quantized inputs/outputs ("litert.input.0.quantization" -> "scale=...,zero_point=...",
  // the same values as the specs' `quantization`, kept for readers of the metadata),
  // each tensor's TFLite type name, and the delegate in use ("litert.delegate").
  std::map<std::string, std::string> metadata() const override { return metadata_; }

  std::vector<Tensor> run(const std::vector<TensorView>& inputs) override {
    if (inputs.size() != inputs_.size()) {
      throw Error("litert: model takes " + std::to_string(inputs_.size()) + " inputs, got " +
                  std::to_string(inputs.size()));
    }
    bool resized = false;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const TensorView& view = inputs[i];
      if (view.dtype != inputs_[i].dtype) {
        throw Error("litert: input '" + inputs_[i].name + "' takes " + dtype_name(inputs_[i].dtype) + ", got " +
                    dtype_name(view.dtype));
      }
      const TfLiteTensor* current = api_.TfLiteInterpreterGetInputTensor(interpreter_, static_cast<int32_t>(i));
      if (shape_of(api_, current) != view.shape) {
        std::vector<int> dims(view.shape.begin(), view.shape.end());
        if (api_.TfLiteInterpreterResizeInputTensor(interpreter_, static_cast<int32_t>(i), dims.data(),
                                                    static_cast<int32_t>(dims.size())) != kTfLiteOk) {
          throw Error("litert: input '" + inputs_[i].name + "' cannot take shape " + shape_to_string(view.shape) +
                      ": " + errors_->take("resize failed"));
        }
        resized = true;
      }
    }
    if (resized && api_.TfLiteInterpreterAllocateTensors(interpreter_) != kTfLiteOk) {
      throw Error("litert: tensor allocation failed: " + errors_->take("after an input resize"));
    }
    for (size_t i = 0; i < inputs.size(); ++i) {
      TfLiteTensor* tensor = api_.TfLiteInterpreterGetInputTensor(interpreter_, static_cast<int32_t>(i));
      if (api_.TfLiteTensorCopyFromBuffer(tensor, inputs[i].data, inputs[i].byte_size()) != kTfLiteOk) {
        throw Error("litert: input '" + inputs_[i].name + "' takes " +
                    std::to_string(api_.TfLiteTensorByteSize(tensor)) + " bytes, got " +
                    std::to_string(inputs[i].byte_size()));
      }
    }
    if (api_.TfLiteInterpreterInvoke(interpreter_) != kTfLiteOk) {
      throw Error("litert: inference failed: " + errors_->take("TfLiteInterpreterInvoke returned an error"));
    }
    std::vector<Tensor> outputs;
    outputs.reserve(outputs_.size());
    for (size_t i = 0; i < outputs_.size(); ++i) {
      const TfLiteTensor* tensor = api_.TfLiteInterpreterGetOutputTensor(interpreter_, static_cast<int32_t>(i));
      // The interpreter reuses its output buffers on the next run(): hand out a copy.
      outputs.push_back(Tensor::copy_of(from_litert(api_.TfLiteTensorType(tensor)), shape_of(api_, tensor),
                                        api_.TfLiteTensorData(tensor)));
    }
    return outputs;
  }

 private:
  void release() {
    if (interpreter_ != nullptr) api_.TfLiteInterpreterDelete(interpreter_);
    if (xnnpack_ != nullptr) api_.TfLiteXNNPackDelegateDelete(xnnpack_);  // after the interpreter using it
    if (model_ != nullptr) api_.TfLiteModelDelete(model_);
    interpreter_ = nullptr;
    xnnpack_ = nullptr;
    model_ = nullptr;
  }

  TensorSpec spec_of(const TfLiteTensor* tensor, const char* role, int32_t index) {
    TensorSpec spec;
    const char* name = api_.TfLiteTensorName(tensor);
    spec.name = (name != nullptr && *name != '\0') ? name : std::string(role) + std::to_string(index);
    const TfLiteType type = api_.TfLiteTensorType(tensor);
    spec.dtype = from_litert(type);
    spec.shape = shape_of(api_, tensor);
    const std::string key = std::string("litert.") + role + "." + std::to_string(index);
    metadata_[key + ".type"] = api_.TfLiteTypeGetName(type);
    // The per-tensor parameters; a per-channel quantised tensor reports none here (the input and
    // output tensors of a converted model are per-tensor).
    const TfLiteQuantizationParams quantization = api_.TfLiteTensorQuantizationParams(tensor);
    if (quantization.scale != 0.f) {
      spec.quantization = Quantization{quantization.scale, quantization.zero_point};
      char text[96];
      std::snprintf(text, sizeof text, "scale=%.9g,zero_point=%d", static_cast<double>(quantization.scale),
                    static_cast<int>(quantization.zero_point));
      metadata_[key + ".quantization"] = text;
    }
    return spec;
  }

  const LiteRtApi& api_;
  std::unique_ptr<ErrorCollector> errors_;  // the runtime holds its address: keep it fixed
  TfLiteModel* model_ = nullptr;
  TfLiteInterpreter* interpreter_ = nullptr;
  TfLiteDelegate* xnnpack_ = nullptr;
  std::vector<TensorSpec> inputs_, outputs_;
  std::map<std::string, std::string> metadata_;
};

#endif  // SMARTCAMRT_HAVE_LITERT

class LiteRtBackend final : public Backend {
 public:
  std::string name() const override { return "litert"; }
  std::string description() const override { return "LiteRT (TensorFlow Lite C API), CPU with XNNPACK"; }
  std::vector<std::string> file_suffixes() const override { return {".tflite"}; }

  Availability availability() const override {
    Availability result;
#ifdef SMARTCAMRT_HAVE_LITERT
    const LiteRtApi& api = litert_api();
    result.available = api.error.empty();
    result.version = api.version;
    result.reason = api.error;
#else
    result.reason = "built without LiteRT (run scripts/fetch-litert.sh, or configure with -DLITERT_ROOT=<sdk>)";
#endif
    return result;
  }

  std::unique_ptr<Session> open(const std::string& model_path, const SessionOptions& options) const override {
#ifdef SMARTCAMRT_HAVE_LITERT
    const LiteRtApi& api = litert_api();
    if (!api.error.empty()) throw Error("model '" + model_path + "': " + api.error);
    return std::make_unique<LiteRtSession>(api, model_path, options);
#else
    (void)options;
    throw Error("model '" + model_path + "': " + availability().reason);
#endif
  }
};

}  // namespace

SMARTCAMRT_REGISTER_BACKEND(LiteRtBackend)

}  // namespace smartcamrt
