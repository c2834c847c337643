#pragma once
// Builds small TFLite models in code for unit tests, by writing the FlatBuffers layout of the few
// schema.fbs fields they need (one subgraph with one operator, constant buffers, per-tensor
// quantisation), so the C++ tests need neither Python nor the flatbuffers library.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace smartcamrt::testing {

// schema.fbs codes the tests use.
namespace tflite {
constexpr uint8_t kFloat32 = 0, kInt32 = 2, kUInt8 = 3, kInt8 = 9;  // TensorType
constexpr int32_t kOpAdd = 0, kOpDequantize = 6, kOpReshape = 22;   // BuiltinOperator
}  // namespace tflite

struct TfliteTensor {
  std::string name;
  std::vector<int32_t> shape;
  uint8_t type = tflite::kFloat32;
  uint32_t buffer = 0;  // its constant data: index into the model's buffers, 1-based; 0 = none
  float scale = 0.f;    // per-tensor quantisation, written when the scale is not 0
  int64_t zero_point = 0;
};

// One subgraph that runs one operator `op` on the tensors `op_inputs` (indices into `tensors`) and
// produces `outputs`, which are the graph's outputs too. `buffers[i]` is buffer i + 1 (buffer 0 is
// the schema's empty sentinel).
std::string tiny_tflite_model(int32_t op, const std::vector<TfliteTensor>& tensors,
                              const std::vector<int32_t>& op_inputs, const std::vector<int32_t>& graph_inputs,
                              const std::vector<int32_t>& outputs,
                              const std::vector<std::vector<uint8_t>>& buffers = {});

// The bytes of `values` as a constant buffer holds them (little-endian, as the hosts are).
template <typename T>
std::vector<uint8_t> buffer_bytes(const std::vector<T>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

// Writes `bytes` to `path` and returns the path.
std::string save_file(const std::string& path, const std::string& bytes);

}  // namespace smartcamrt::testing
