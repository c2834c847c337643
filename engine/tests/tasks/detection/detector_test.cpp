// The detection task on tiny models built in code: what the decoder sees is chosen exactly, so
// the boxes that come out (in source pixels) can be checked by hand.
#include "smartcamrt/tasks/detection/detector.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "../../support/tiny_onnx.hpp"
#include "smartcamrt/core/error.hpp"

namespace smartcamrt {
namespace {

std::string error_of(const DetectorConfig& config) {
  try {
    Detector::Create(config);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

DetectorConfig config_for(const std::string& path) {
  DetectorConfig config;
  config.model_path = path;
  config.session.threads = 1;
  return config;
}

}  // namespace

TEST(Detector, BoxesComeBackInSourcePixelsAfterNms) {
  const std::string dir = testing::make_temp_dir("detector");
  // Model input 64x64. Two overlapping class-1 boxes (NMS keeps the better), one class-0 box.
  const std::vector<float> rows{
      32, 32, 16, 16, 0.9f, 0.1f, 0.9f,  // class 1, 0.81
      33, 33, 16, 16, 0.8f, 0.1f, 0.9f,  // class 1, 0.72, IoU ~0.78 with the first: suppressed
      16, 40, 8,  8,  0.7f, 0.9f, 0.1f,  // class 0, 0.63
      50, 50, 8,  8,  0.1f, 0.9f, 0.9f,  // below the threshold
  };
  const std::string model = testing::save_constant_yolo_model(dir + "/tiny.onnx", 64, rows, 7, R"(["cat", "dog"])");
  auto detector = Detector::Create(config_for(model));
  EXPECT_EQ(detector->info().input_width, 64);
  EXPECT_EQ(detector->info().labels, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(detector->info().runtime, "ort");

  // A 128x64 source: scale 0.5, resized 64x32, padded 16 rows top and bottom.
  const Detections found = detector->detect(cv::Mat(64, 128, CV_8UC3, cv::Scalar(0, 0, 0)));
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].class_id, 1);
  EXPECT_NEAR(found[0].score, 0.81f, 1e-5);
  // Model box (24,24)-(40,40) -> source ((24-0)/0.5, (24-16)/0.5) ...
  EXPECT_NEAR(found[0].box.x1, 48.f, 1e-4);
  EXPECT_NEAR(found[0].box.y1, 16.f, 1e-4);
  EXPECT_NEAR(found[0].box.x2, 80.f, 1e-4);
  EXPECT_NEAR(found[0].box.y2, 48.f, 1e-4);
  EXPECT_EQ(found[1].class_id, 0);
  EXPECT_NEAR(found[1].box.x1, 24.f, 1e-4);
  EXPECT_NEAR(found[1].box.y1, 40.f, 1e-4);
}

TEST(Detector, NhwcInputAndNormalisedBoxesAsInTfliteExports) {
  const std::string dir = testing::make_temp_dir("detector-nhwc");
  // Same scene as above, in 0..1 units; the last row marks the bottom-right grid cell (cx ~ 1).
  const std::vector<float> rows{
      0.5f,  0.5f,  0.25f, 0.25f, 0.9f, 0.1f, 0.9f,  // class 1 at the centre of a 64x64 input
      0.97f, 0.97f, 0.01f, 0.01f, 0.0f, 0.0f, 0.0f,  // background row, bottom-right cell
  };
  const std::string model = testing::TinyOnnxModel()
                                .input("input", {1, 64, 64, 3})
                                .output("output0", {1, 2, 7})
                                .initializer("rows", {1, 2, 7}, rows)
                                .node("Identity", {"rows"}, {"output0"})
                                .save(dir + "/nhwc.onnx");
  auto detector = Detector::Create(config_for(model));
  EXPECT_TRUE(detector->info().input_nhwc);
  EXPECT_EQ(detector->info().input_width, 64);
  const Detections found = detector->detect(cv::Mat(64, 128, CV_8UC3, cv::Scalar(0, 0, 0)));
  ASSERT_EQ(found.size(), 1u);
  // Model box (24,24)-(40,40) in pixels, as in BoxesComeBackInSourcePixelsAfterNms.
  EXPECT_NEAR(found[0].box.x1, 48.f, 1e-3);
  EXPECT_NEAR(found[0].box.y1, 16.f, 1e-3);
  EXPECT_NEAR(found[0].box.x2, 80.f, 1e-3);
  EXPECT_NEAR(found[0].box.y2, 48.f, 1e-3);
}

TEST(Detector, ModelWithoutLabelsGetsNumberedClasses) {
  const std::string dir = testing::make_temp_dir("detector-nolabels");
  const std::string model = testing::save_constant_yolo_model(dir + "/m.onnx", 32, std::vector<float>(3 * 8, 0.f), 8);
  auto detector = Detector::Create(config_for(model));
  EXPECT_EQ(detector->info().labels, (std::vector<std::string>{"class0", "class1", "class2"}));
  EXPECT_TRUE(detector->detect(cv::Mat(32, 32, CV_8UC3)).empty());
}

TEST(Detector, RejectsAModelWhoseInputIsNotAnImage) {
  const std::string dir = testing::make_temp_dir("detector-notimage");
  const std::string model = testing::TinyOnnxModel()
                                .input("tokens", {1, 10})
                                .output("logits", {1, 10})
                                .node("Identity", {"tokens"}, {"logits"})
                                .save(dir + "/text.onnx");
  const std::string message = error_of(config_for(model));
  EXPECT_NE(message.find("input 'tokens' is float32 [1,10], not an image tensor"), std::string::npos) << message;
  const std::string bad_channels = testing::TinyOnnxModel()
                                       .input("images", {1, 4, 32, 32})
                                       .output("out", {1, 4, 32, 32})
                                       .node("Identity", {"images"}, {"out"})
                                       .save(dir + "/four.onnx");
  EXPECT_NE(error_of(config_for(bad_channels)).find("not an image tensor"), std::string::npos);
}

TEST(Detector, RejectsAModelWhoseOutputIsNotYolo) {
  const std::string dir = testing::make_temp_dir("detector-notyolo");
  const std::string model = testing::TinyOnnxModel()
                                .input("images", {1, 3, 8, 8})
                                .output("same", {1, 3, 8, 8})
                                .node("Identity", {"images"}, {"same"})
                                .save(dir + "/m.onnx");
  EXPECT_NE(error_of(config_for(model)).find("not a YOLOv5 detection tensor"), std::string::npos);
}

TEST(Detector, MissingEmptyTruncatedAndForeignFilesGiveOneLineErrors) {
  const std::string dir = testing::make_temp_dir("detector-badfiles");
  EXPECT_EQ(error_of(config_for(dir + "/absent.onnx")), "model '" + dir + "/absent.onnx': no such file");
  std::ofstream(dir + "/empty.onnx").close();
  EXPECT_EQ(error_of(config_for(dir + "/empty.onnx")), "model '" + dir + "/empty.onnx': file is empty");

  const std::string full =
      testing::save_constant_yolo_model(dir + "/full.onnx", 32, std::vector<float>(64 * 8, 0.5f), 8);
  std::ifstream in(full, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir + "/truncated.onnx", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  std::ofstream(dir + "/text.onnx") << "this is not a model\n";
  for (const std::string name : {"truncated.onnx", "text.onnx"}) {
    const std::string message = error_of(config_for(dir + "/" + name));
    EXPECT_EQ(message.rfind("model '" + dir + "/" + name + "': ONNX Runtime cannot load it: ", 0), 0u) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos);
  }
  EXPECT_NE(error_of(config_for(dir)).find("is a directory"), std::string::npos);
  EXPECT_NE(error_of(config_for(dir + "/model.xyz")).find("no such file"), std::string::npos);
}

TEST(Detector, RefusesAFailedParityManifestUnlessForced) {
  const std::string dir = testing::make_temp_dir("detector-parity");
  const std::string model = testing::save_constant_yolo_model(dir + "/m.onnx", 32, std::vector<float>(8, 0.f), 8);
  std::ofstream(model + ".json") << R"({"precision": "fp16", "parity": {"passed": false, "max_abs_diff": 3.0}})";
  EXPECT_NE(error_of(config_for(model)).find("failed parity check"), std::string::npos);
  DetectorConfig forced = config_for(model);
  forced.force = true;
  auto detector = Detector::Create(forced);
  EXPECT_EQ(detector->info().precision, "fp16");
}

TEST(Detector, RejectsThresholdsOutOfRangeAndUnknownRuntimes) {
  const std::string dir = testing::make_temp_dir("detector-options");
  const std::string model = testing::save_constant_yolo_model(dir + "/m.onnx", 32, std::vector<float>(8, 0.f), 8);
  DetectorConfig config = config_for(model);
  config.conf_threshold = 1.5f;
  EXPECT_NE(error_of(config).find("--conf"), std::string::npos);
  config = config_for(model);
  config.runtime = "nosuch";
  EXPECT_NE(error_of(config).find("unknown runtime (known: "), std::string::npos);
  EXPECT_NE(error_of(config_for(dir + "/m.weird")).find("no such file"), std::string::npos);
}

}  // namespace smartcamrt
