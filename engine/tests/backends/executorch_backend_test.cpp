// The ExecuTorch backend on a real program: YOLOv5n exported by `smartcamrt-tools export --format
// executorch --imgsz 640` (a .pte cannot be written from C++ the way tiny_onnx writes ONNX), named by
// $SMARTCAMRT_TEST_PTE. On bus.jpg it must find what ONNX Runtime finds with the same model
// ($SMARTCAMRT_TEST_MODEL, the 640 ONNX export): same classes, box IoU >= 0.9, score within 0.02.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>

#include "../support/backend_coverage.hpp"
#include "../support/detection_match.hpp"
#include "../support/load_error.hpp"
#include "../support/process.hpp"
#include "../support/tiny_onnx.hpp"
#include "smartcamrt/backends/backend.hpp"
#include "smartcamrt/core/error.hpp"
#include "smartcamrt/tasks/detection/detector.hpp"

SMARTCAMRT_BACKEND_TESTED(executorch);

namespace smartcamrt {
namespace {

// The exported .pte, or an empty string after recording a failure that says how to make one.
std::string test_pte() {
  const char* path = std::getenv("SMARTCAMRT_TEST_PTE");
  if (!path || !*path) {
    ADD_FAILURE() << "SMARTCAMRT_TEST_PTE is not set: export YOLOv5n with `smartcamrt-tools export --weights "
                     "yolov5n.pt --format executorch --imgsz 640` and point SMARTCAMRT_TEST_PTE at the .pte";
    return "";
  }
  return path;
}

}  // namespace

TEST(ExecuTorchBackend, IsRegisteredAndAvailable) {
  const Backend* backend = BackendRegistry::instance().find("executorch");
  ASSERT_NE(backend, nullptr);
  const Availability availability = backend->availability();
  ASSERT_TRUE(availability.available) << availability.reason;
  EXPECT_FALSE(availability.version.empty());
  EXPECT_EQ(availability.version.find("no XNNPACK"), std::string::npos) << availability.version;
  EXPECT_EQ(&BackendRegistry::instance().for_model("/x/yolov5n-640.PTE"), backend);
  EXPECT_EQ(&BackendRegistry::instance().for_model("/x/yolov5n-640.portable.pte"), backend);
}

TEST(ExecuTorchBackend, BadFilesThrowOneLineNamingTheFile) {
  const std::string dir = testing::make_temp_dir("executorch-bad");
  const std::string garbage = dir + "/garbage.pte";
  std::ofstream(garbage) << "this is not an ExecuTorch program, just some text long enough to have a header";
  const std::string onnx = testing::TinyOnnxModel().input("x", {1, 4}).output("x", {1, 4}).save(dir + "/onnx.pte");
  for (const std::string& path : {garbage, onnx, dir + "/missing.pte"}) {
    const std::string message = testing::load_error("executorch", path);
    EXPECT_EQ(message.rfind("model '" + path + "': ExecuTorch cannot load it: ", 0), 0u) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(ExecuTorchBackend, ReportsSpecsMetadataAndChecksInputs) {
  const std::string path = test_pte();
  if (path.empty()) return;
  SessionOptions options;
  options.threads = 1;
  auto session = BackendRegistry::instance().require("executorch").open(path, options);
  ASSERT_EQ(session->inputs().size(), 1u);
  const TensorSpec& input = session->inputs()[0];
  EXPECT_EQ(input.name, "input0");
  EXPECT_EQ(input.dtype, DType::kFloat32);
  ASSERT_EQ(input.shape.size(), 4u);
  EXPECT_EQ(input.shape[0], 1);
  EXPECT_EQ(input.shape[1], 3);
  const int64_t size = input.shape[2];
  EXPECT_EQ(input.shape[3], size);
  ASSERT_EQ(session->outputs().size(), 1u);
  const TensorSpec& output = session->outputs()[0];
  EXPECT_EQ(output.name, "output0");
  EXPECT_EQ(output.dtype, DType::kFloat32);
  const int64_t cells = (size / 8) * (size / 8) + (size / 16) * (size / 16) + (size / 32) * (size / 32);
  EXPECT_EQ(output.shape, (Shape{1, 3 * cells, 85}));

  const auto metadata = session->metadata();
  ASSERT_TRUE(metadata.count("names"));
  EXPECT_EQ(metadata.at("names").rfind("[\"person\", \"bicycle\"", 0), 0u) << metadata.at("names");
  EXPECT_EQ(metadata.at("stride"), "[8, 16, 32]");

  EXPECT_THROW(session->run({}), Error);
  const std::vector<float> small(3 * 32 * 32, 0.5f);
  EXPECT_THROW(session->run({TensorView{DType::kFloat32, {1, 3, 32, 32}, small.data()}}), Error);

  // A grey image: finite output of the declared shape, identical on a second run (arena reuse).
  const std::vector<float> grey(static_cast<size_t>(3 * size * size), 114.f / 255.f);
  const TensorView view{DType::kFloat32, input.shape, grey.data()};
  const auto first = session->run({view});
  const auto second = session->run({view});
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].shape(), output.shape);
  const float* a = first[0].data_as<float>();
  const float* b = second[0].data_as<float>();
  ASSERT_NE(a, b);  // the first result is still held, so the second got its own buffer
  for (int64_t i = 0; i < element_count(output.shape); ++i) {
    ASSERT_TRUE(std::isfinite(a[i])) << i;
    ASSERT_EQ(a[i], b[i]) << i;
  }
}

TEST(ExecuTorchBackend, SingleAndMultiThreadedRunsAgree) {
  const std::string path = test_pte();
  if (path.empty()) return;
  const Backend& backend = BackendRegistry::instance().require("executorch");
  std::vector<float> single, multi;
  for (int threads : {1, 2}) {
    SessionOptions options;
    options.threads = threads;
    auto session = backend.open(path, options);
    const Shape& shape = session->inputs()[0].shape;
    std::vector<float> image(static_cast<size_t>(element_count(shape)));
    for (size_t i = 0; i < image.size(); ++i) image[i] = static_cast<float>(i % 251) / 250.f;
    const auto outputs = session->run({TensorView{DType::kFloat32, shape, image.data()}});
    const float* data = outputs[0].data_as<float>();
    (threads == 1 ? single : multi).assign(data, data + element_count(outputs[0].shape()));
  }
  ASSERT_EQ(single.size(), multi.size());
  for (size_t i = 0; i < single.size(); ++i) ASSERT_NEAR(single[i], multi[i], 1e-3f) << i;
}

TEST(ExecuTorchBackend, DetectorOnBusMatchesOnnxRuntime) {
  const std::string path = test_pte();
  if (path.empty()) return;
  const cv::Mat image = cv::imread(testing::assets_dir() + "/images/bus.jpg");
  ASSERT_FALSE(image.empty());

  DetectorConfig config;
  config.model_path = path;
  config.runtime = "executorch";
  config.session.threads = 2;
  auto executorch = Detector::Create(config);
  config.model_path = testing::test_model();
  config.runtime = "ort";
  auto ort = Detector::Create(config);
  ASSERT_EQ(executorch->info().input_width, ort->info().input_width)
      << "export the .pte at the ONNX model's size (--imgsz " << ort->info().input_width << ")";
  EXPECT_EQ(executorch->info().labels, ort->info().labels);

  const Detections expected = ort->detect(image);
  const Detections found = executorch->detect(image);
  ASSERT_GE(expected.size(), 4u);  // the bus and the people
  ASSERT_EQ(found.size(), expected.size());
  for (const std::string& miss : testing::unmatched_detections(expected, found, {0.9f, 0.02f})) {
    ADD_FAILURE() << "no ExecuTorch detection matches ORT's " << miss;
  }
}

}  // namespace smartcamrt
