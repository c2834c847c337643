// ONNX Runtime backend (CPU execution provider). Compiled in when CMake finds an ORT SDK
// (ONNXRUNTIME_ROOT or the one scripts/fetch-ort-sdk.sh assembles); otherwise it registers itself
// as unavailable with the reason.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "smartcamrt/backends/backend.hpp"
#include "smartcamrt/core/error.hpp"

#ifdef SMARTCAMRT_HAVE_ORT
#include <onnxruntime_cxx_api.h>
#endif

namespace smartcamrt {
namespace {

#ifdef SMARTCAMRT_HAVE_ORT

// One Ort::Env per process, created on first use (ORT requires a single environment).
Ort::Env& ort_env() {
  static Ort::Env env(ORT_LOGGING_LEVEL_ERROR, "smartcamrt");
  return env;
}

DType from_ort(ONNXTensorElementDataType type) {
  switch (type) {
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT: return DType::kFloat32;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16: return DType::kFloat16;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8: return DType::kUInt8;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8: return DType::kInt8;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32: return DType::kInt32;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64: return DType::kInt64;
    default: return DType::kUnknown;
  }
}

ONNXTensorElementDataType to_ort(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
    case DType::kFloat16: return ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16;
    case DType::kUInt8: return ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8;
    case DType::kInt8: return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8;
    case DType::kInt32: return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32;
    case DType::kInt64: return ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64;
    case DType::kUnknown: break;
  }
  return ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
}

TensorSpec spec_of(const std::string& name, const Ort::TypeInfo& type_info) {
  TensorSpec spec;
  spec.name = name;
  if (type_info.GetONNXType() != ONNX_TYPE_TENSOR) return spec;  // dtype stays kUnknown
  const auto tensor_info = type_info.GetTensorTypeAndShapeInfo();
  spec.dtype = from_ort(tensor_info.GetElementType());
  spec.shape = tensor_info.GetShape();
  return spec;
}

class OrtSession final : public Session {
 public:
  OrtSession(const std::string& path, const SessionOptions& options)
      : session_(nullptr), memory_(Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault)) {
    Ort::SessionOptions ort_options;
    if (options.threads > 0) ort_options.SetIntraOpNumThreads(options.threads);
    ort_options.SetInterOpNumThreads(1);
    ort_options.SetExecutionMode(ORT_SEQUENTIAL);
    ort_options.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
    ort_options.AddConfigEntry("session.intra_op.allow_spinning", options.allow_spinning ? "1" : "0");
    // No memory pattern: ORT would otherwise keep a planned block per input shape beside its arena.
    // Measured on yolov5n 640 (docs/benchmarks.md, "Engine overhead"): peak RSS -17 MB, same p50.
    ort_options.DisableMemPattern();
    session_ = Ort::Session(ort_env(), path.c_str(), ort_options);

    Ort::AllocatorWithDefaultOptions allocator;
    for (size_t i = 0; i < session_.GetInputCount(); ++i) {
      inputs_.push_back(spec_of(session_.GetInputNameAllocated(i, allocator).get(), session_.GetInputTypeInfo(i)));
    }
    for (size_t i = 0; i < session_.GetOutputCount(); ++i) {
      outputs_.push_back(spec_of(session_.GetOutputNameAllocated(i, allocator).get(), session_.GetOutputTypeInfo(i)));
    }
    for (const auto& spec : inputs_) input_names_.push_back(spec.name.c_str());
    for (const auto& spec : outputs_) output_names_.push_back(spec.name.c_str());

    const Ort::ModelMetadata model_metadata = session_.GetModelMetadata();
    for (const auto& key : model_metadata.GetCustomMetadataMapKeysAllocated(allocator)) {
      auto value = model_metadata.LookupCustomMetadataMapAllocated(key.get(), allocator);
      if (value) metadata_[key.get()] = value.get();
    }
  }

  const std::vector<TensorSpec>& inputs() const override { return inputs_; }
  const std::vector<TensorSpec>& outputs() const override { return outputs_; }
  std::map<std::string, std::string> metadata() const override { return metadata_; }

  std::vector<Tensor> run(const std::vector<TensorView>& inputs) override {
    if (inputs.size() != inputs_.size()) {
      throw Error("ort: model takes " + std::to_string(inputs_.size()) + " inputs, got " +
                  std::to_string(inputs.size()));
    }
    std::vector<Ort::Value> values;
    values.reserve(inputs.size());
    for (const auto& view : inputs) {
      // ORT takes a non-const pointer but only reads input memory.
      values.push_back(Ort::Value::CreateTensor(memory_, const_cast<void*>(view.data), view.byte_size(),
                                                view.shape.data(), view.shape.size(), to_ort(view.dtype)));
    }
    std::vector<Ort::Value> results = session_.Run(Ort::RunOptions{nullptr}, input_names_.data(), values.data(),
                                                   values.size(), output_names_.data(), output_names_.size());
    std::vector<Tensor> outputs;
    outputs.reserve(results.size());
    for (auto& value : results) {
      const auto info = value.GetTensorTypeAndShapeInfo();
      auto owned = std::make_shared<Ort::Value>(std::move(value));
      const void* data = owned->GetTensorData<void>();
      outputs.emplace_back(from_ort(info.GetElementType()), info.GetShape(), data,
                           std::shared_ptr<const void>(owned, data));
    }
    return outputs;
  }

 private:
  Ort::Session session_;
  Ort::MemoryInfo memory_;
  std::vector<TensorSpec> inputs_, outputs_;
  std::vector<const char*> input_names_, output_names_;
  std::map<std::string, std::string> metadata_;
};

#endif  // SMARTCAMRT_HAVE_ORT

class OrtBackend final : public Backend {
 public:
  std::string name() const override { return "ort"; }
  std::string description() const override { return "ONNX Runtime, CPU execution provider"; }
  std::vector<std::string> file_suffixes() const override { return {".onnx", ".ort"}; }

  Availability availability() const override {
    Availability result;
#ifdef SMARTCAMRT_HAVE_ORT
    result.available = true;
    result.version = Ort::GetVersionString();
#else
    result.reason = "built without ONNX Runtime (run scripts/setup.sh, or configure with -DONNXRUNTIME_ROOT=<sdk>)";
#endif
    return result;
  }

  std::unique_ptr<Session> open(const std::string& model_path, const SessionOptions& options) const override {
#ifdef SMARTCAMRT_HAVE_ORT
    try {
      return std::make_unique<OrtSession>(model_path, options);
    } catch (const Ort::Exception& e) {
      throw Error("model '" + model_path + "': ONNX Runtime cannot load it: " + first_line(e.what()));
    }
#else
    (void)options;
    throw Error("model '" + model_path + "': " + availability().reason);
#endif
  }
};

}  // namespace

SMARTCAMRT_REGISTER_BACKEND(OrtBackend)

}  // namespace smartcamrt
