#include "tiny_onnx.hpp"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

namespace smartcamrt::testing {
namespace {

// Protobuf wire format: a key is (field_number << 3) | wire_type.
constexpr int kVarint = 0, kLengthDelimited = 2;

void put_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}
void put_key(std::string& out, int field, int wire_type) {
  put_varint(out, static_cast<uint64_t>((field << 3) | wire_type));
}
void put_int(std::string& out, int field, int64_t value) {
  put_key(out, field, kVarint);
  put_varint(out, static_cast<uint64_t>(value));
}
void put_bytes(std::string& out, int field, const std::string& bytes) {
  put_key(out, field, kLengthDelimited);
  put_varint(out, bytes.size());
  out += bytes;
}

std::string value_info(const std::string& name, const std::vector<int64_t>& dims, int elem_type) {
  std::string shape;
  for (int64_t dim : dims) {
    std::string dimension;
    put_int(dimension, 1, dim);  // Dimension.dim_value
    put_bytes(shape, 1, dimension);
  }
  std::string tensor_type;
  put_int(tensor_type, 1, elem_type);  // TypeProto.Tensor.elem_type
  put_bytes(tensor_type, 2, shape);    // TypeProto.Tensor.shape
  std::string type;
  put_bytes(type, 1, tensor_type);  // TypeProto.tensor_type
  std::string info;
  put_bytes(info, 1, name);  // ValueInfoProto.name
  put_bytes(info, 2, type);  // ValueInfoProto.type
  return info;
}

}  // namespace

TinyOnnxModel& TinyOnnxModel::input(const std::string& name, std::vector<int64_t> dims, int elem_type) {
  inputs_.push_back({name, std::move(dims), elem_type});
  return *this;
}
TinyOnnxModel& TinyOnnxModel::output(const std::string& name, std::vector<int64_t> dims, int elem_type) {
  outputs_.push_back({name, std::move(dims), elem_type});
  return *this;
}
TinyOnnxModel& TinyOnnxModel::initializer(const std::string& name, std::vector<int64_t> dims,
                                          std::vector<float> values) {
  initializers_.push_back({name, std::move(dims), std::move(values)});
  return *this;
}
TinyOnnxModel& TinyOnnxModel::node(const std::string& op_type, std::vector<std::string> inputs,
                                   std::vector<std::string> outputs) {
  nodes_.push_back({op_type, std::move(inputs), std::move(outputs)});
  return *this;
}
TinyOnnxModel& TinyOnnxModel::metadata(const std::string& key, const std::string& value) {
  metadata_.emplace_back(key, value);
  return *this;
}

std::string TinyOnnxModel::serialize(int opset) const {
  std::string graph;
  int index = 0;
  for (const Node& n : nodes_) {
    std::string node;
    for (const auto& name : n.inputs) put_bytes(node, 1, name);
    for (const auto& name : n.outputs) put_bytes(node, 2, name);
    put_bytes(node, 3, "node" + std::to_string(index++));
    put_bytes(node, 4, n.op_type);
    put_bytes(graph, 1, node);  // GraphProto.node
  }
  put_bytes(graph, 2, "tiny");  // GraphProto.name
  for (const Initializer& init : initializers_) {
    std::string tensor;
    for (int64_t dim : init.dims) put_int(tensor, 1, dim);  // TensorProto.dims
    put_int(tensor, 2, 1);                                  // data_type FLOAT
    put_bytes(tensor, 8, init.name);                        // name
    std::string raw(init.values.size() * sizeof(float), '\0');
    std::memcpy(raw.data(), init.values.data(), raw.size());  // little-endian, as ONNX requires
    put_bytes(tensor, 9, raw);                                // raw_data
    put_bytes(graph, 5, tensor);                              // GraphProto.initializer
  }
  for (const ValueInfo& v : inputs_) put_bytes(graph, 11, value_info(v.name, v.dims, v.elem_type));
  for (const ValueInfo& v : outputs_) put_bytes(graph, 12, value_info(v.name, v.dims, v.elem_type));

  std::string model;
  put_int(model, 1, 8);  // ir_version 8
  put_bytes(model, 2, "smartcamrt-tests");
  std::string opset_id;
  put_bytes(opset_id, 1, "");
  put_int(opset_id, 2, opset);
  put_bytes(model, 8, opset_id);  // opset_import
  put_bytes(model, 7, graph);     // graph
  for (const auto& [key, value] : metadata_) {
    std::string entry;
    put_bytes(entry, 1, key);
    put_bytes(entry, 2, value);
    put_bytes(model, 14, entry);  // metadata_props
  }
  return model;
}

std::string TinyOnnxModel::save(const std::string& path, int opset) const {
  std::ofstream out(path, std::ios::binary);
  out << serialize(opset);
  return path;
}

std::string save_constant_yolo_model(const std::string& path, int input_size, const std::vector<float>& rows,
                                     int row_size, const std::string& names_metadata) {
  const int64_t count = static_cast<int64_t>(rows.size()) / row_size;
  TinyOnnxModel model;
  model.input("images", {1, 3, input_size, input_size})
      .output("output0", {1, count, row_size})
      .initializer("rows", {1, count, row_size}, rows)
      .node("Identity", {"rows"}, {"output0"});
  if (!names_metadata.empty()) model.metadata("names", names_metadata);
  return model.save(path);
}

namespace {
// Folders made by the tests, removed when the test program exits (kept with SMARTCAMRT_KEEP_TEST_FILES=1).
struct TempDirs {
  std::vector<std::filesystem::path> dirs;
  ~TempDirs() {
    if (std::getenv("SMARTCAMRT_KEEP_TEST_FILES")) return;
    std::error_code ec;
    for (const auto& dir : dirs) std::filesystem::remove_all(dir, ec);
  }
};
TempDirs& temp_dirs() {
  static TempDirs dirs;
  return dirs;
}
}  // namespace

std::string make_temp_dir(const std::string& tag) {
  std::random_device random;
  const auto dir = std::filesystem::temp_directory_path() / ("smartcamrt-test-" + tag + "-" + std::to_string(random()));
  std::filesystem::create_directories(dir);
  temp_dirs().dirs.push_back(dir);
  return dir.string();
}

}  // namespace smartcamrt::testing
