// OpenVINO backend (CPU plugin). Runs OpenVINO IR (.xml + .bin beside it) and, when asked by name
// (--runtime openvino), ONNX files through OpenVINO's ONNX frontend. Compiled in when CMake finds the
// runtime that the openvino wheel ships (cmake/FindOpenVINORuntime.cmake); otherwise it registers
// itself as unavailable with the reason.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "smartcamrt/backends/backend.hpp"
#include "smartcamrt/core/error.hpp"

#ifdef SMARTCAMRT_HAVE_OPENVINO
#include <openvino/openvino.hpp>
#endif

namespace smartcamrt {
namespace {

#ifdef SMARTCAMRT_HAVE_OPENVINO

// Where compiled models are kept between loads: $SMARTCAMRT_OPENVINO_CACHE ("0" turns it off), else
// $SMARTCAMRT_HOME/cache/openvino, else ~/.cache/smartcamrt/cache/openvino. Why: a load beside a running
// stream (a switch, a standby) is a compile, and a compile under load is seconds of late frames;
// measured here, yolov5n-416 int8 compiles in 1.16 s and imports from the cache in 0.34 s (640 fp32:
// 0.22 s, 0.05 s). OpenVINO keys each blob by the model, the configuration and its own version.
std::string compiled_model_cache_dir() {
  if (const char* dir = std::getenv("SMARTCAMRT_OPENVINO_CACHE"); dir && *dir) {
    return std::string(dir) == "0" ? std::string() : std::string(dir);
  }
  if (const char* home = std::getenv("SMARTCAMRT_HOME"); home && *home) return std::string(home) + "/cache/openvino";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/smartcamrt/cache/openvino";
  return {};
}

// One ov::Core per process: it owns the loaded plugins and their caches. Compilation is serialised
// because the model switcher may compile the next model on its own thread while a session runs.
ov::Core& ov_core() {
  static ov::Core core = [] {
    ov::Core made;
    const std::string dir = compiled_model_cache_dir();
    if (dir.empty()) return made;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      std::fprintf(stderr, "openvino: no compiled-model cache (cannot create '%s': %s)\n", dir.c_str(),
                   ec.message().c_str());
    } else {
      made.set_property(ov::cache_dir(dir));
    }
    return made;
  }();
  return core;
}
std::mutex& ov_core_mutex() {
  static std::mutex mutex;
  return mutex;
}

// OpenVINO messages stack one "Exception from <file>:<line>:" line per layer above the cause; the
// cause is the last non-empty line.
std::string ov_reason(const std::string& text) {
  std::string reason;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    if (!line.empty()) reason = line;
    start = end + 1;
  }
  return reason.empty() ? first_line(text) : reason;
}

// read_model() offers a file it cannot parse to every frontend in turn (the TensorFlow one logs
// parse errors to stderr on the way), so an .xml that is not an IR is refused before that.
void require_ir(const std::string& path) {
  if (path.size() < 4 || path.compare(path.size() - 4, 4, ".xml") != 0) return;
  std::ifstream file(path);
  if (!file) return;  // OpenVINO's own message names a missing file
  std::string head(4096, '\0');
  file.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(file.gcount()));
  if (head.find("<net") == std::string::npos) throw Error("not an OpenVINO IR (no <net> element)");
}

DType from_ov(const ov::element::Type& type) {
  if (type == ov::element::f32) return DType::kFloat32;
  if (type == ov::element::f16) return DType::kFloat16;
  if (type == ov::element::u8) return DType::kUInt8;
  if (type == ov::element::i8) return DType::kInt8;
  if (type == ov::element::i32) return DType::kInt32;
  if (type == ov::element::i64) return DType::kInt64;
  return DType::kUnknown;
}

ov::element::Type to_ov(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return ov::element::f32;
    case DType::kFloat16: return ov::element::f16;
    case DType::kUInt8: return ov::element::u8;
    case DType::kInt8: return ov::element::i8;
    case DType::kInt32: return ov::element::i32;
    case DType::kInt64: return ov::element::i64;
    case DType::kUnknown: break;
  }
  return ov::element::dynamic;
}

TensorSpec spec_of(const ov::Output<const ov::Node>& port) {
  TensorSpec spec;
  spec.name = port.get_names().empty() ? std::string() : port.get_any_name();
  spec.dtype = from_ov(port.get_element_type());
  const ov::PartialShape& shape = port.get_partial_shape();
  if (shape.rank().is_static()) {
    for (const auto& dim : shape) spec.shape.push_back(dim.is_static() ? dim.get_length() : -1);
  }
  return spec;
}

class OpenVinoSession final : public Session {
 public:
  OpenVinoSession(const std::string& path, const SessionOptions& options) {
    // Latency mode with one request: one frame at a time, all threads on it. Precision pinned to f32:
    // on CPUs with bf16 units the plugin would otherwise run an fp32 model in bf16, and the artifact's
    // parity check (done at f32) would no longer describe what runs. OpenVINO has no spin-wait switch,
    // so SessionOptions::allow_spinning has nothing to map to.
    ov::AnyMap config{{ov::hint::performance_mode.name(), ov::hint::PerformanceMode::LATENCY},
                      {ov::hint::num_requests.name(), 1},
                      {ov::hint::inference_precision.name(), ov::element::f32}};
    if (options.threads > 0) config[ov::inference_num_threads.name()] = options.threads;

    require_ir(path);
    std::shared_ptr<ov::Model> model;
    {
      std::lock_guard<std::mutex> lock(ov_core_mutex());
      model = ov_core().read_model(path);
      compiled_ = ov_core().compile_model(model, "CPU", config);
    }
    request_ = compiled_.create_infer_request();
    for (const auto& port : compiled_.inputs()) inputs_.push_back(spec_of(port));
    for (const auto& port : compiled_.outputs()) outputs_.push_back(spec_of(port));
    // Top-level string entries of the model's runtime info (IR <rt_info>), e.g. what an exporter stored.
    for (const auto& [key, value] : model->get_rt_info()) {
      if (value.is<std::string>()) metadata_[key] = value.as<std::string>();
    }
  }

  const std::vector<TensorSpec>& inputs() const override { return inputs_; }
  const std::vector<TensorSpec>& outputs() const override { return outputs_; }
  std::map<std::string, std::string> metadata() const override { return metadata_; }

  std::vector<Tensor> run(const std::vector<TensorView>& inputs) override {
    if (inputs.size() != inputs_.size()) {
      throw Error("openvino: model takes " + std::to_string(inputs_.size()) + " inputs, got " +
                  std::to_string(inputs.size()));
    }
    try {
      for (size_t i = 0; i < inputs.size(); ++i) {
        const TensorView& view = inputs[i];
        const ov::Shape shape(view.shape.begin(), view.shape.end());
        // Wraps the caller's memory without a copy; OpenVINO only reads an input tensor.
        request_.set_input_tensor(i, ov::Tensor(to_ov(view.dtype), shape, const_cast<void*>(view.data)));
      }
      request_.infer();
      std::vector<Tensor> outputs;
      outputs.reserve(outputs_.size());
      for (size_t i = 0; i < outputs_.size(); ++i) {
        // The request's output memory is overwritten by its next inference: hand out a copy.
        const ov::Tensor result = request_.get_output_tensor(i);
        const ov::Shape& shape = result.get_shape();
        outputs.push_back(
            Tensor::copy_of(from_ov(result.get_element_type()), Shape(shape.begin(), shape.end()), result.data()));
      }
      return outputs;
    } catch (const ov::Exception& e) {
      throw Error(std::string("openvino: inference failed: ") + ov_reason(e.what()));
    }
  }

 private:
  ov::CompiledModel compiled_;
  ov::InferRequest request_;
  std::vector<TensorSpec> inputs_, outputs_;
  std::map<std::string, std::string> metadata_;
};

#endif  // SMARTCAMRT_HAVE_OPENVINO

class OpenVinoBackend final : public Backend {
 public:
  std::string name() const override { return "openvino"; }
  std::string description() const override { return "OpenVINO, CPU plugin (IR .xml/.bin; ONNX when named)"; }
  // ONNX files stay with ONNX Runtime unless --runtime openvino is given.
  std::vector<std::string> file_suffixes() const override { return {".xml"}; }

  Availability availability() const override {
    Availability result;
#ifdef SMARTCAMRT_HAVE_OPENVINO
    result.available = true;
    result.version = ov::get_openvino_version().buildNumber;
#else
    result.reason =
        "built without OpenVINO (run scripts/setup.sh, or configure with -DOPENVINO_ROOT=<folder with "
        "OpenVINOConfig.cmake>)";
#endif
    return result;
  }

  std::unique_ptr<Session> open(const std::string& model_path, const SessionOptions& options) const override {
#ifdef SMARTCAMRT_HAVE_OPENVINO
    try {
      return std::make_unique<OpenVinoSession>(model_path, options);
    } catch (const std::exception& e) {
      throw Error("model '" + model_path + "': OpenVINO cannot load it: " + ov_reason(e.what()));
    }
#else
    (void)options;
    throw Error("model '" + model_path + "': " + availability().reason);
#endif
  }
};

}  // namespace

SMARTCAMRT_REGISTER_BACKEND(OpenVinoBackend)

}  // namespace smartcamrt
