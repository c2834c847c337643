// The OpenVINO backend: a tiny IR written here as text (the IR is XML plus a raw weights file, so no
// converter is needed), a tiny ONNX model through OpenVINO's ONNX frontend, bad files, and the real
// YOLOv5n ($SMARTCAMRT_TEST_MODEL, the 640 ONNX export) on bus.jpg against ONNX Runtime.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
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

SMARTCAMRT_BACKEND_TESTED(openvino);

namespace smartcamrt {
namespace {

const Backend& openvino() { return BackendRegistry::instance().require("openvino"); }

// y = x + bias, x and y [1,4] f32, as OpenVINO IR v11, with one top-level rt_info entry.
constexpr const char* kAddIr = R"(<?xml version="1.0"?>
<net name="add" version="11">
  <layers>
    <layer id="0" name="x" type="Parameter" version="opset1">
      <data shape="1,4" element_type="f32"/>
      <output><port id="0" precision="FP32" names="x"><dim>1</dim><dim>4</dim></port></output>
    </layer>
    <layer id="1" name="bias" type="Const" version="opset1">
      <data element_type="f32" shape="1,4" offset="0" size="16"/>
      <output><port id="0" precision="FP32"><dim>1</dim><dim>4</dim></port></output>
    </layer>
    <layer id="2" name="add" type="Add" version="opset1">
      <data auto_broadcast="numpy"/>
      <input>
        <port id="0" precision="FP32"><dim>1</dim><dim>4</dim></port>
        <port id="1" precision="FP32"><dim>1</dim><dim>4</dim></port>
      </input>
      <output><port id="2" precision="FP32" names="y"><dim>1</dim><dim>4</dim></port></output>
    </layer>
    <layer id="3" name="y/sink_port_0" type="Result" version="opset1">
      <input><port id="0" precision="FP32"><dim>1</dim><dim>4</dim></port></input>
    </layer>
  </layers>
  <edges>
    <edge from-layer="0" from-port="0" to-layer="2" to-port="0"/>
    <edge from-layer="1" from-port="0" to-layer="2" to-port="1"/>
    <edge from-layer="2" from-port="2" to-layer="3" to-port="0"/>
  </edges>
  <rt_info>
    <purpose value="test"/>
  </rt_info>
</net>
)";

std::string write_add_ir(const std::string& dir) {
  const std::string xml = dir + "/add.xml";
  std::ofstream(xml) << kAddIr;
  const float bias[4] = {1.f, 2.f, 3.f, 4.f};
  std::ofstream(dir + "/add.bin", std::ios::binary).write(reinterpret_cast<const char*>(bias), sizeof bias);
  return xml;
}

std::vector<float> run_add(Session& session) {
  const std::vector<float> x{10.f, 20.f, 30.f, 40.f};
  const auto outputs = session.run({TensorView{DType::kFloat32, {1, 4}, x.data()}});
  EXPECT_EQ(outputs.size(), 1u);
  if (outputs.empty()) return {};
  EXPECT_EQ(outputs[0].dtype(), DType::kFloat32);
  EXPECT_EQ(outputs[0].shape(), (Shape{1, 4}));
  const float* y = outputs[0].data_as<float>();
  return {y, y + 4};
}

}  // namespace

TEST(OpenVinoBackend, IsRegisteredAvailableAndOwnsIrFiles) {
  const Backend* backend = BackendRegistry::instance().find("openvino");
  ASSERT_NE(backend, nullptr);
  const Availability availability = backend->availability();
  ASSERT_TRUE(availability.available) << availability.reason;
  EXPECT_FALSE(availability.version.empty());
  EXPECT_EQ(&BackendRegistry::instance().for_model("/x/yolov5n-640.openvino.XML"), backend);
  // ONNX files stay with ONNX Runtime unless OpenVINO is asked for by name.
  EXPECT_EQ(BackendRegistry::instance().for_model("/x/yolov5n-640.onnx").name(), "ort");
}

TEST(OpenVinoBackend, RunsATinyIrAndReportsSpecsAndRuntimeInfo) {
  const std::string path = write_add_ir(testing::make_temp_dir("openvino-ir"));
  SessionOptions options;
  options.threads = 1;
  auto session = openvino().open(path, options);
  ASSERT_EQ(session->inputs().size(), 1u);
  EXPECT_EQ(session->inputs()[0].name, "x");
  EXPECT_EQ(session->inputs()[0].dtype, DType::kFloat32);
  EXPECT_EQ(session->inputs()[0].shape, (Shape{1, 4}));
  ASSERT_EQ(session->outputs().size(), 1u);
  EXPECT_EQ(session->outputs()[0].name, "y");
  EXPECT_EQ(session->metadata()["purpose"], "test");

  EXPECT_EQ(run_add(*session), (std::vector<float>{11.f, 22.f, 33.f, 44.f}));
  EXPECT_THROW(session->run({}), Error);
}

TEST(OpenVinoBackend, OutputsOfOneRunSurviveTheNext) {
  const std::string path = write_add_ir(testing::make_temp_dir("openvino-copy"));
  auto session = openvino().open(path, SessionOptions{});
  const std::vector<float> a{0.f, 0.f, 0.f, 0.f}, b{100.f, 100.f, 100.f, 100.f};
  const auto first = session->run({TensorView{DType::kFloat32, {1, 4}, a.data()}});
  const auto second = session->run({TensorView{DType::kFloat32, {1, 4}, b.data()}});
  EXPECT_FLOAT_EQ(first[0].data_as<float>()[0], 1.f);
  EXPECT_FLOAT_EQ(second[0].data_as<float>()[0], 101.f);
}

TEST(OpenVinoBackend, RunsAnOnnxModelWhenNamed) {
  const std::string dir = testing::make_temp_dir("openvino-onnx");
  const std::string path = testing::TinyOnnxModel()
                               .input("x", {1, 4})
                               .output("y", {1, 4})
                               .initializer("bias", {1, 4}, {1.f, 2.f, 3.f, 4.f})
                               .node("Add", {"x", "bias"}, {"y"})
                               .save(dir + "/add.onnx");
  auto session = openvino().open(path, SessionOptions{});
  EXPECT_EQ(session->inputs()[0].name, "x");
  EXPECT_EQ(run_add(*session), (std::vector<float>{11.f, 22.f, 33.f, 44.f}));
}

size_t files_in(const std::string& dir) {
  std::error_code ec;
  size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) count += entry.is_regular_file();
  return count;
}

// A load beside a running stream is a compile unless it comes from the cache; each run is a fresh
// process, since the cache is set when the process's one ov::Core is made.
TEST(OpenVinoBackend, CompiledModelsAreCachedWhereTheEnvironmentSaysOrNotAtAll) {
  const std::string dir = testing::make_temp_dir("openvino-cache");
  const std::string model =
      testing::save_constant_yolo_model(dir + "/tiny.onnx", 32, std::vector<float>{16, 16, 8, 8, 0.9f, 0.9f}, 6);
  const auto bench = [&](const std::vector<std::string>& env) {
    std::vector<std::string> args{"/usr/bin/env", "-u", "SMARTCAMRT_OPENVINO_CACHE", "-u", "SMARTCAMRT_HOME"};
    args.insert(args.end(), env.begin(), env.end());
    args.insert(args.end(), {testing::cli_path(), "bench", "--model", model, "--runtime", "openvino", "--runs", "1",
                             "--warmup", "0", "--threads", "1"});
    return testing::run_process(args);
  };
  testing::ProcessResult result = bench({"SMARTCAMRT_OPENVINO_CACHE=" + dir + "/named"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_GT(files_in(dir + "/named"), 0u) << "no compiled blob in the named cache";

  result = bench({"SMARTCAMRT_HOME=" + dir + "/home"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_GT(files_in(dir + "/home/cache/openvino"), 0u) << "no compiled blob under $SMARTCAMRT_HOME";

  result = bench({"SMARTCAMRT_OPENVINO_CACHE=0", "SMARTCAMRT_HOME=" + dir + "/off"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/off/cache/openvino")) << "SMARTCAMRT_OPENVINO_CACHE=0 still cached";
}

TEST(OpenVinoBackend, BadFilesThrowOneLineNamingTheFile) {
  const std::string dir = testing::make_temp_dir("openvino-bad");
  const std::string not_ir = dir + "/notes.xml";
  std::ofstream(not_ir) << "<?xml version=\"1.0\"?>\n<notes>not a network</notes>\n";
  EXPECT_EQ(testing::load_error("openvino", not_ir),
            "model '" + not_ir + "': OpenVINO cannot load it: not an OpenVINO IR (no <net> element)");

  // An IR whose weights file is missing: OpenVINO's own reason, reduced to its last line.
  const std::string no_weights = write_add_ir(dir);
  std::remove((dir + "/add.bin").c_str());
  const std::string message = testing::load_error("openvino", no_weights);
  EXPECT_EQ(message.rfind("model '" + no_weights + "': OpenVINO cannot load it: ", 0), 0u) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(message.find("Exception from"), std::string::npos) << message;
}

TEST(OpenVinoBackend, DetectorOnBusMatchesOnnxRuntime) {
  const cv::Mat image = cv::imread(testing::assets_dir() + "/images/bus.jpg");
  ASSERT_FALSE(image.empty());
  DetectorConfig config;
  config.model_path = testing::test_model();
  config.session.threads = 2;
  config.runtime = "ort";
  auto ort = Detector::Create(config);
  config.runtime = "openvino";
  auto ov = Detector::Create(config);
  EXPECT_EQ(ov->info().runtime, "openvino");
  EXPECT_EQ(ov->info().labels, ort->info().labels);

  // Same fp32 network, different kernels: the same objects, boxes within a pixel-level IoU.
  const Detections expected = ort->detect(image);
  const Detections found = ov->detect(image);
  ASSERT_GE(expected.size(), 4u);  // the bus and the people
  ASSERT_EQ(found.size(), expected.size());
  for (const std::string& miss : testing::unmatched_detections(expected, found, {0.99f, 0.005f})) {
    ADD_FAILURE() << "no OpenVINO detection matches ORT's " << miss;
  }
}

}  // namespace smartcamrt
