// The LiteRT backend: tiny TFLite models written in code (a minimal FlatBuffers writer for the few
// schema fields they need), then the real models from $SMARTCAMRT_ASSETS: the TFLite text classifier,
// and the third-party YOLOv5n fp16 export on bus.jpg compared with the exported ONNX YOLOv5n
// ($SMARTCAMRT_TEST_MODEL) run by ONNX Runtime.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "../support/backend_coverage.hpp"
#include "../support/process.hpp"
#include "../support/tiny_onnx.hpp"
#include "smartcamrt/backend.hpp"
#include "smartcamrt/detection.hpp"
#include "smartcamrt/detector.hpp"
#include "smartcamrt/error.hpp"
#include "smartcamrt/letterbox.hpp"
#include "smartcamrt/yolo.hpp"

SMARTCAMRT_BACKEND_TESTED(litert);

namespace smartcamrt {
namespace {

// --- A minimal FlatBuffers writer, front to back ---------------------------------------------------
// Every object is written after the one that refers to it, so each reference (an unsigned offset from
// the referring field forward to the object) is patched in once the object's position is known.
class FlatWriter {
 public:
  using Child = std::function<size_t(FlatWriter&)>;  // writes an object, returns its position

  struct Field {
    enum Kind { kU8, kI32, kU32, kOffset } kind;
    uint32_t value = 0;
    Child child;
  };
  using Table = std::vector<std::pair<int, Field>>;  // (field id, field)

  static Field u8(uint8_t v) { return {Field::kU8, v, {}}; }
  static Field i32(int32_t v) { return {Field::kI32, static_cast<uint32_t>(v), {}}; }
  static Field u32(uint32_t v) { return {Field::kU32, v, {}}; }
  static Field ref(Child child) { return {Field::kOffset, 0, std::move(child)}; }

  // The finished buffer: root offset, file identifier, root table.
  static std::string finish(const char* identifier, const Table& root) {
    FlatWriter w;
    w.put<uint32_t>(0);
    w.bytes_.insert(w.bytes_.end(), identifier, identifier + 4);
    const size_t root_at = w.table(root);
    w.patch<uint32_t>(0, static_cast<uint32_t>(root_at));
    return std::string(w.bytes_.begin(), w.bytes_.end());
  }

  size_t table(const Table& fields) {
    int slots = 0;
    for (const auto& [id, field] : fields) slots = std::max(slots, id + 1);
    // Inline layout after the 4-byte vtable offset: 4-byte fields first, then 1-byte ones.
    std::vector<uint16_t> slot_offset(static_cast<size_t>(slots), 0);
    uint16_t size = 4;
    for (const bool one_byte : {false, true}) {
      for (const auto& [id, field] : fields) {
        if ((field.kind == Field::kU8) != one_byte) continue;
        slot_offset[static_cast<size_t>(id)] = size;
        size = static_cast<uint16_t>(size + (one_byte ? 1 : 4));
      }
    }
    align(2);
    const size_t vtable_at = put<uint16_t>(static_cast<uint16_t>(4 + 2 * slots));
    put<uint16_t>(size);
    for (const uint16_t offset : slot_offset) put<uint16_t>(offset);
    align(4);
    const size_t table_at = put<int32_t>(static_cast<int32_t>(0));
    patch<int32_t>(table_at, static_cast<int32_t>(table_at - vtable_at));
    bytes_.resize(table_at + size, 0);
    for (const auto& [id, field] : fields) {
      const size_t at = table_at + slot_offset[static_cast<size_t>(id)];
      if (field.kind == Field::kU8) bytes_[at] = static_cast<uint8_t>(field.value);
      if (field.kind == Field::kI32 || field.kind == Field::kU32) patch<uint32_t>(at, field.value);
    }
    for (const auto& [id, field] : fields) {
      if (field.kind != Field::kOffset) continue;
      const size_t at = table_at + slot_offset[static_cast<size_t>(id)];
      const size_t child_at = field.child(*this);
      patch<uint32_t>(at, static_cast<uint32_t>(child_at - at));
    }
    return table_at;
  }

  template <typename T>
  size_t vector(const std::vector<T>& values, size_t element_align = sizeof(T)) {
    align(4);
    while ((bytes_.size() + 4) % element_align != 0) bytes_.push_back(0);  // elements aligned after the length
    const size_t at = put<uint32_t>(static_cast<uint32_t>(values.size()));
    for (const T& v : values) put<T>(v);
    return at;
  }

  size_t tables(const std::vector<Table>& items) {
    align(4);
    const size_t at = put<uint32_t>(static_cast<uint32_t>(items.size()));
    std::vector<size_t> slots;
    for (size_t i = 0; i < items.size(); ++i) slots.push_back(put<uint32_t>(0));
    for (size_t i = 0; i < items.size(); ++i) {
      const size_t child_at = table(items[i]);
      patch<uint32_t>(slots[i], static_cast<uint32_t>(child_at - slots[i]));
    }
    return at;
  }

  size_t string(const std::string& text) {
    align(4);
    const size_t at = put<uint32_t>(static_cast<uint32_t>(text.size()));
    bytes_.insert(bytes_.end(), text.begin(), text.end());
    bytes_.push_back(0);
    return at;
  }

 private:
  void align(size_t n) {
    while (bytes_.size() % n != 0) bytes_.push_back(0);
  }
  template <typename T>
  size_t put(T value) {
    align(sizeof(T));
    const size_t at = bytes_.size();
    bytes_.resize(at + sizeof(T));
    std::memcpy(&bytes_[at], &value, sizeof(T));
    return at;
  }
  template <typename T>
  void patch(size_t at, T value) {
    std::memcpy(&bytes_[at], &value, sizeof(T));
  }

  std::vector<uint8_t> bytes_;
};

// --- Tiny TFLite models (schema.fbs field ids) ------------------------------------------------------
using F = FlatWriter;
constexpr uint8_t kFloat32 = 0, kUInt8 = 3;       // TensorType
constexpr int32_t kOpAdd = 0, kOpDequantize = 6;  // BuiltinOperator
constexpr int kTensorShape = 0, kTensorType = 1, kTensorBuffer = 2, kTensorName = 3, kTensorQuantization = 4;

F::Table tensor(const std::string& name, std::vector<int32_t> shape, uint8_t type, uint32_t buffer,
                F::Child quantization = {}) {
  F::Table t{{kTensorShape, F::ref([shape](F& w) { return w.vector(shape); })},
             {kTensorType, F::u8(type)},
             {kTensorBuffer, F::u32(buffer)},
             {kTensorName, F::ref([name](F& w) { return w.string(name); })}};
  if (quantization) t.push_back({kTensorQuantization, F::ref(quantization)});
  return t;
}

// One subgraph with one operator; buffers[0] is the schema's empty sentinel.
std::string tflite_model(int32_t op, std::vector<F::Table> tensors, std::vector<int32_t> op_inputs,
                         std::vector<int32_t> graph_inputs, std::vector<int32_t> outputs,
                         std::vector<std::vector<uint8_t>> buffers) {
  const F::Table opcode{{0, F::u8(static_cast<uint8_t>(op))}, {2, F::i32(1)}, {3, F::i32(op)}};
  const F::Table oper{{0, F::u32(0)},
                      {1, F::ref([op_inputs](F& w) { return w.vector(op_inputs); })},
                      {2, F::ref([outputs](F& w) { return w.vector(outputs); })}};
  const F::Table subgraph{{0, F::ref([tensors](F& w) { return w.tables(tensors); })},
                          {1, F::ref([graph_inputs](F& w) { return w.vector(graph_inputs); })},
                          {2, F::ref([outputs](F& w) { return w.vector(outputs); })},
                          {3, F::ref([oper](F& w) { return w.tables({oper}); })},
                          {4, F::ref([](F& w) { return w.string("main"); })}};
  std::vector<F::Table> buffer_tables{F::Table{}};
  for (const auto& data : buffers) {
    buffer_tables.push_back({{0, F::ref([data](F& w) { return w.vector(data, 16); })}});
  }
  return F::finish("TFL3", {{0, F::u32(3)},
                            {1, F::ref([opcode](F& w) { return w.tables({opcode}); })},
                            {2, F::ref([subgraph](F& w) { return w.tables({subgraph}); })},
                            {3, F::ref([](F& w) { return w.string("smartcamrt test"); })},
                            {4, F::ref([buffer_tables](F& w) { return w.tables(buffer_tables); })}});
}

std::vector<uint8_t> float_bytes(const std::vector<float>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(float));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

std::string save(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

// y = x + [1, 2, 3, 4], x and y float32 [1, 4].
std::string save_add_model(const std::string& path) {
  return save(path, tflite_model(kOpAdd,
                                 {tensor("x", {1, 4}, kFloat32, 0), tensor("bias", {1, 4}, kFloat32, 1),
                                  tensor("y", {1, 4}, kFloat32, 0)},
                                 {0, 1}, {0}, {2}, {float_bytes({1.f, 2.f, 3.f, 4.f})}));
}

// y = 0.5 * (q - 10), q uint8 [1, 4] (scale 0.5, zero point 10), y float32 [1, 4].
std::string save_dequantize_model(const std::string& path) {
  const F::Child quantization = [](F& w) {
    return w.table({{2, F::ref([](F& v) { return v.vector(std::vector<float>{0.5f}); })},
                    {3, F::ref([](F& v) { return v.vector(std::vector<int64_t>{10}); })}});
  };
  return save(path, tflite_model(kOpDequantize,
                                 {tensor("q", {1, 4}, kUInt8, 0, quantization), tensor("y", {1, 4}, kFloat32, 0)}, {0},
                                 {0}, {1}, {}));
}

const Backend& litert() { return BackendRegistry::instance().require("litert"); }

}  // namespace

TEST(LiteRtBackend, IsRegisteredAndAvailable) {
  const Backend* backend = BackendRegistry::instance().find("litert");
  ASSERT_NE(backend, nullptr);
  const Availability availability = backend->availability();
  ASSERT_TRUE(availability.available) << availability.reason;
  EXPECT_FALSE(availability.version.empty());
  EXPECT_EQ(&BackendRegistry::instance().for_model("/x/model.TFLITE"), backend);
}

TEST(LiteRtBackend, RunsATinyAddModelAndReportsSpecs) {
  const std::string path = save_add_model(testing::make_temp_dir("litert") + "/add.tflite");
  SessionOptions options;
  options.threads = 1;
  auto session = litert().open(path, options);
  ASSERT_EQ(session->inputs().size(), 1u);
  EXPECT_EQ(session->inputs()[0].name, "x");
  EXPECT_EQ(session->inputs()[0].dtype, DType::kFloat32);
  EXPECT_EQ(session->inputs()[0].shape, (Shape{1, 4}));
  ASSERT_EQ(session->outputs().size(), 1u);
  EXPECT_EQ(session->outputs()[0].name, "y");
  EXPECT_EQ(session->outputs()[0].shape, (Shape{1, 4}));

  for (const float base : {10.f, 100.f}) {  // twice: outputs are copies, inputs are re-read
    const std::vector<float> x{base, 2 * base, 3 * base, 4 * base};
    const auto outputs = session->run({TensorView{DType::kFloat32, {1, 4}, x.data()}});
    ASSERT_EQ(outputs.size(), 1u);
    EXPECT_EQ(outputs[0].dtype(), DType::kFloat32);
    EXPECT_EQ(outputs[0].shape(), (Shape{1, 4}));
    EXPECT_FLOAT_EQ(outputs[0].data_as<float>()[0], base + 1.f);
    EXPECT_FLOAT_EQ(outputs[0].data_as<float>()[3], 4 * base + 4.f);
  }
  EXPECT_THROW(session->run({}), Error);
  const std::vector<int32_t> wrong_type{1, 2, 3, 4};
  EXPECT_THROW(session->run({TensorView{DType::kInt32, {1, 4}, wrong_type.data()}}), Error);
}

TEST(LiteRtBackend, TakesUInt8InputsAndReportsQuantization) {
  const std::string path = save_dequantize_model(testing::make_temp_dir("litert") + "/dequantize.tflite");
  auto session = litert().open(path, SessionOptions{});
  ASSERT_EQ(session->inputs().size(), 1u);
  EXPECT_EQ(session->inputs()[0].dtype, DType::kUInt8);
  EXPECT_EQ(session->metadata().at("litert.input.0.quantization"), "scale=0.5,zero_point=10");
  EXPECT_EQ(session->metadata().count("litert.output.0.quantization"), 0u);

  const std::vector<uint8_t> q{10, 12, 0, 255};
  const auto outputs = session->run({TensorView{DType::kUInt8, {1, 4}, q.data()}});
  ASSERT_EQ(outputs.size(), 1u);
  const float* y = outputs[0].data_as<float>();
  EXPECT_FLOAT_EQ(y[0], 0.f);
  EXPECT_FLOAT_EQ(y[1], 1.f);
  EXPECT_FLOAT_EQ(y[2], -5.f);
  EXPECT_FLOAT_EQ(y[3], 122.5f);
}

TEST(LiteRtBackend, OpenOnABadFileThrowsOneLine) {
  const std::string dir = testing::make_temp_dir("litert-bad");
  const std::string onnx_named_tflite = testing::TinyOnnxModel().save(dir + "/not-really.tflite");
  for (const std::string& path : {onnx_named_tflite, dir + "/missing.tflite"}) {
    try {
      litert().open(path, SessionOptions{});
      FAIL() << "expected an error for " << path;
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.rfind("model '" + path + "': LiteRT cannot load it: ", 0), 0u) << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
  }
}

TEST(LiteRtBackend, RunsTheTfliteTextClassifier) {
  const std::string path = testing::assets_dir() + "/models/text_classification_imdb_avgwordvec.tflite";
  auto session = litert().open(path, SessionOptions{});
  ASSERT_EQ(session->inputs().size(), 1u);
  EXPECT_EQ(session->inputs()[0].shape, (Shape{1, 256}));
  ASSERT_EQ(session->outputs().size(), 1u);
  EXPECT_EQ(session->outputs()[0].shape, (Shape{1, 2}));
  // "<START> this film was wonderful" ... as token ids would need the vocab; any ids give a softmax.
  std::vector<float> tokens(256, 0.f);
  tokens[0] = 1.f;  // <START>
  for (int i = 1; i < 20; ++i) tokens[static_cast<size_t>(i)] = static_cast<float>(4 + 7 * i);
  const auto outputs = session->run({TensorView{DType::kFloat32, {1, 256}, tokens.data()}});
  const float* p = outputs[0].data_as<float>();
  EXPECT_NEAR(p[0] + p[1], 1.f, 1e-5f);
  EXPECT_GE(p[0], 0.f);
  EXPECT_GE(p[1], 0.f);
}

// The third-party YOLOv5n TFLite export takes NHWC [1,640,640,3] and outputs boxes normalised to
// 0..1. This test letterboxes and decodes it by hand (independently of the Detector), compares that
// with the ONNX YOLOv5n through the Detector, then with the Detector's own NHWC path.
TEST(LiteRtBackend, ThirdPartyYolov5nFp16AgreesWithOnnxRuntimeOnBus) {
  const std::string assets = testing::assets_dir();
  const cv::Mat bus = cv::imread(assets + "/images/bus.jpg");
  ASSERT_FALSE(bus.empty());

  SessionOptions options;
  options.threads = 2;
  auto session = litert().open(assets + "/models/yolov5n-fp16.tflite", options);
  ASSERT_EQ(session->inputs()[0].shape, (Shape{1, 640, 640, 3}));
  ASSERT_EQ(session->outputs()[0].shape, (Shape{1, 25200, 85}));
  EXPECT_EQ(session->metadata().at("litert.delegate").rfind("xnnpack", 0), 0u);

  const LetterboxMeta meta = compute_letterbox(bus.cols, bus.rows, 640, 640);
  std::vector<float> chw(3 * 640 * 640), hwc(chw.size());
  letterbox_to_chw(bus, meta, chw.data());
  for (size_t c = 0; c < 3; ++c) {
    for (size_t i = 0; i < 640 * 640; ++i) hwc[i * 3 + c] = chw[c * 640 * 640 + i];
  }
  const auto outputs = session->run({TensorView{DType::kFloat32, {1, 640, 640, 3}, hwc.data()}});
  std::vector<float> rows(outputs[0].data_as<float>(), outputs[0].data_as<float>() + 25200 * 85);
  float max_coordinate = 0.f;
  for (size_t r = 0; r < 25200; ++r) max_coordinate = std::max(max_coordinate, rows[r * 85]);
  ASSERT_LE(max_coordinate, 1.5f) << "expected boxes normalised to the input size";
  for (size_t r = 0; r < 25200; ++r) {
    for (size_t k = 0; k < 4; ++k) rows[r * 85 + k] *= 640.f;  // square input: W = H = 640
  }
  Detections litert_detections = nms(decode_yolov5(rows.data(), 25200, 85, YoloDecodeOptions{}), 0.45f, 300);
  for (Detection& d : litert_detections) d.box = to_source(d.box, meta);

  DetectorConfig config;
  config.model_path = testing::test_model();
  config.session.threads = 2;
  const Detections ort_detections = Detector::Create(config)->detect(bus);

  ASSERT_GE(ort_detections.size(), 4u);  // bus.jpg: 4 people and a bus
  ASSERT_EQ(litert_detections.size(), ort_detections.size());
  for (const Detection& expected : ort_detections) {
    const auto best = std::max_element(litert_detections.begin(), litert_detections.end(),
                                       [&](const Detection& a, const Detection& b) {
                                         return box_iou(a.box, expected.box) < box_iou(b.box, expected.box);
                                       });
    EXPECT_EQ(best->class_id, expected.class_id);
    EXPECT_GE(box_iou(best->box, expected.box), 0.8f);
    EXPECT_NEAR(best->score, expected.score, 0.01f);
  }

  // The Detector's own NHWC + normalised-box path gives the same detections as the hand-made one.
  DetectorConfig tflite_config;
  tflite_config.model_path = assets + "/models/yolov5n-fp16.tflite";
  tflite_config.session.threads = 2;
  const Detections through_detector = Detector::Create(tflite_config)->detect(bus);
  ASSERT_EQ(through_detector.size(), litert_detections.size());
  for (size_t i = 0; i < through_detector.size(); ++i) {
    EXPECT_EQ(through_detector[i].class_id, litert_detections[i].class_id);
    EXPECT_GE(box_iou(through_detector[i].box, litert_detections[i].box), 0.99f);
  }
}

}  // namespace smartcamrt
