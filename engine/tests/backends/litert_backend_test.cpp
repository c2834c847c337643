// The LiteRT backend: tiny TFLite models written in code (support/tiny_tflite.hpp), then the real models from
// $SMARTCAMRT_ASSETS: the TFLite text classifier, and the third-party YOLOv5n fp16 export on bus.jpg compared with the
// exported ONNX YOLOv5n
// ($SMARTCAMRT_TEST_MODEL) run by ONNX Runtime.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "../support/backend_coverage.hpp"
#include "../support/load_error.hpp"
#include "../support/process.hpp"
#include "../support/tiny_onnx.hpp"
#include "../support/tiny_tflite.hpp"
#include "smartcamrt/backends/backend.hpp"
#include "smartcamrt/core/error.hpp"
#include "smartcamrt/tasks/detection/detection.hpp"
#include "smartcamrt/tasks/detection/detector.hpp"
#include "smartcamrt/tasks/detection/letterbox.hpp"
#include "smartcamrt/tasks/detection/yolo.hpp"

SMARTCAMRT_BACKEND_TESTED(litert);

namespace smartcamrt {
namespace {

// y = x + [1, 2, 3, 4], x and y float32 [1, 4].
std::string save_add_model(const std::string& path) {
  using testing::tflite::kFloat32;
  return testing::save_file(
      path,
      testing::tiny_tflite_model(testing::tflite::kOpAdd,
                                 {{"x", {1, 4}, kFloat32}, {"bias", {1, 4}, kFloat32, 1}, {"y", {1, 4}, kFloat32}},
                                 {0, 1}, {0}, {2}, {testing::buffer_bytes(std::vector<float>{1.f, 2.f, 3.f, 4.f})}));
}

// y = 0.5 * (q - 10), q uint8 [1, 4] (scale 0.5, zero point 10), y float32 [1, 4].
std::string save_dequantize_model(const std::string& path) {
  return testing::save_file(path, testing::tiny_tflite_model(testing::tflite::kOpDequantize,
                                                             {{"q", {1, 4}, testing::tflite::kUInt8, 0, 0.5f, 10},
                                                              {"y", {1, 4}, testing::tflite::kFloat32}},
                                                             {0}, {0}, {1}));
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
  EXPECT_TRUE(session->inputs()[0].quantization.present());
  EXPECT_FLOAT_EQ(session->inputs()[0].quantization.scale, 0.5f);
  EXPECT_EQ(session->inputs()[0].quantization.zero_point, 10);
  EXPECT_FALSE(session->outputs()[0].quantization.present());  // a float32 output carries none

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
    const std::string message = testing::load_error("litert", path);
    EXPECT_EQ(message.rfind("model '" + path + "': LiteRT cannot load it: ", 0), 0u) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
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
