#pragma once
// Builds small ONNX models in code for unit tests, by writing the protobuf wire format directly
// (ModelProto / GraphProto / NodeProto ...), so the C++ tests need neither Python nor the onnx
// library. Only what the tests use: float tensors, initializers, attribute-free nodes, metadata.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace smartcamrt::testing {

class TinyOnnxModel {
 public:
  // elem_type: ONNX TensorProto.DataType (1 = FLOAT, 7 = INT64).
  TinyOnnxModel& input(const std::string& name, std::vector<int64_t> dims, int elem_type = 1);
  TinyOnnxModel& output(const std::string& name, std::vector<int64_t> dims, int elem_type = 1);
  TinyOnnxModel& initializer(const std::string& name, std::vector<int64_t> dims, std::vector<float> values);
  TinyOnnxModel& node(const std::string& op_type, std::vector<std::string> inputs, std::vector<std::string> outputs);
  TinyOnnxModel& metadata(const std::string& key, const std::string& value);

  std::string serialize(int opset = 17) const;
  // Writes the model and returns the path.
  std::string save(const std::string& path, int opset = 17) const;

 private:
  struct ValueInfo {
    std::string name;
    std::vector<int64_t> dims;
    int elem_type;
  };
  struct Initializer {
    std::string name;
    std::vector<int64_t> dims;
    std::vector<float> values;
  };
  struct Node {
    std::string op_type;
    std::vector<std::string> inputs, outputs;
  };
  std::vector<ValueInfo> inputs_, outputs_;
  std::vector<Initializer> initializers_;
  std::vector<Node> nodes_;
  std::vector<std::pair<std::string, std::string>> metadata_;
};

// A model that ignores its image input and always returns `rows` as a YOLOv5 output
// [1, rows/row_size, row_size]: lets a test choose exactly what the decoder sees.
std::string save_constant_yolo_model(const std::string& path, int input_size, const std::vector<float>& rows,
                                     int row_size, const std::string& names_metadata = "");

// A fresh folder under the test temp dir, removed when the test program exits
// (SMARTCAMRT_KEEP_TEST_FILES=1 keeps it for a look after a failure).
std::string make_temp_dir(const std::string& tag);

}  // namespace smartcamrt::testing
