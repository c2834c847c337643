// The Detector on tiny quantised TFLite models built in code (LiteRT backend): uint8/int8 image
// inputs are fed quantised, 8-bit outputs are dequantised before the decoder, and what the detector
// cannot handle is refused in one line.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "../../support/tiny_onnx.hpp"
#include "../../support/tiny_tflite.hpp"
#include "smartcamrt/core/error.hpp"
#include "smartcamrt/tasks/detection/detector.hpp"

namespace smartcamrt {
namespace {

using testing::TfliteTensor;
namespace tflite = testing::tflite;

// image [1,4,4,3] -> RESHAPE -> rows [1,8,6]: every two pixels of the image become one YOLOv5 row
// (cx, cy, w, h, objectness, one class score), so the test chooses what the decoder sees through
// the pixels, after the model's input quantisation and output dequantisation.
std::string save_pixels_as_rows_model(const std::string& path, const TfliteTensor& image, const TfliteTensor& rows) {
  return testing::save_file(
      path, testing::tiny_tflite_model(tflite::kOpReshape, {image, {"shape", {3}, tflite::kInt32, 1}, rows}, {0, 1},
                                       {0}, {2}, {testing::buffer_bytes(std::vector<int32_t>{1, 8, 6})}));
}

DetectorConfig config_for(const std::string& path) {
  DetectorConfig config;
  config.model_path = path;
  config.session.threads = 1;
  return config;
}

std::string error_of(const std::string& path) {
  try {
    Detector::Create(config_for(path));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// A 4x4 image (the model's input size: no resize, no padding), black but for the first two pixels.
cv::Mat two_pixel_image() {
  cv::Mat bgr(4, 4, CV_8UC3, cv::Scalar(0, 0, 0));
  bgr.at<cv::Vec3b>(0, 0) = cv::Vec3b(153, 153, 153);  // RGB 153, 153, 153
  bgr.at<cv::Vec3b>(0, 1) = cv::Vec3b(228, 253, 78);   // RGB 78, 253, 228
  return bgr;
}

}  // namespace

TEST(QuantizedDetector, FeedsQuantisedPixelsAndDecodesDequantisedRows) {
  struct Case {
    const char* name;
    uint8_t type;
    int64_t input_zero_point, output_zero_point;
  };
  // Both cases read a row value v from a pixel p as v = (p - 28) / 250: uint8 input with scale 1/255
  // and zero point 0 takes the pixels as they are (q = p), then (q - 28) / 250; int8 input with zero
  // point -128 takes q = p - 128, then (q + 100) / 250. A missed quantisation or zero point changes
  // the values (and for int8 wraps pixels over 127 to negative numbers).
  for (const Case& c : {Case{"uint8", tflite::kUInt8, 0, 28}, Case{"int8", tflite::kInt8, -128, -100}}) {
    SCOPED_TRACE(c.name);
    const std::string path =
        save_pixels_as_rows_model(testing::make_temp_dir("detector-quantized") + "/" + c.name + ".tflite",
                                  {"image", {1, 4, 4, 3}, c.type, 0, 1.f / 255.f, c.input_zero_point},
                                  {"rows", {1, 8, 6}, c.type, 0, 1.f / 250.f, c.output_zero_point});
    auto detector = Detector::Create(config_for(path));
    EXPECT_EQ(detector->info().runtime, "litert");
    EXPECT_EQ(detector->info().precision, c.name);  // no manifest: the tensors' type
    EXPECT_TRUE(detector->info().input_nhwc);

    // Row 0 = (153, 153, 153, 78, 253, 228) -> (0.5, 0.5, 0.5, 0.2, 0.9, 0.8): boxes normalised (the
    // last row, from black pixels, has cx = -0.112 < 1), so the box is (0.25, 0.4)-(0.75, 0.6) of
    // the 4x4 input. Every other row has objectness -0.112.
    const Detections found = detector->detect(two_pixel_image());
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].class_id, 0);
    EXPECT_NEAR(found[0].score, 0.72f, 1e-5);
    EXPECT_NEAR(found[0].box.x1, 1.f, 1e-4);
    EXPECT_NEAR(found[0].box.y1, 1.6f, 1e-4);
    EXPECT_NEAR(found[0].box.x2, 3.f, 1e-4);
    EXPECT_NEAR(found[0].box.y2, 2.4f, 1e-4);
  }
}

TEST(QuantizedDetector, RefusesEightBitTensorsWithoutScaleAndOtherTypesInOneLine) {
  const std::string dir = testing::make_temp_dir("detector-quantized-refused");
  const TfliteTensor quantized_image{"image", {1, 4, 4, 3}, tflite::kUInt8, 0, 1.f / 255.f, 0};
  const TfliteTensor quantized_rows{"rows", {1, 8, 6}, tflite::kUInt8, 0, 1.f / 250.f, 0};
  const std::string no_input_scale = save_pixels_as_rows_model(dir + "/no-input-scale.tflite",
                                                               {"image", {1, 4, 4, 3}, tflite::kUInt8}, quantized_rows);
  const std::string no_output_scale =
      save_pixels_as_rows_model(dir + "/no-output-scale.tflite", quantized_image, {"rows", {1, 8, 6}, tflite::kUInt8});
  const std::string int32_image = save_pixels_as_rows_model(
      dir + "/int32.tflite", {"image", {1, 4, 4, 3}, tflite::kInt32}, {"rows", {1, 8, 6}, tflite::kInt32});

  const std::vector<std::pair<std::string, std::string>> expected{
      {no_input_scale, "input 'image' is uint8 without a per-tensor quantisation scale, needed to quantise the image"},
      {no_output_scale, "output 'rows' is uint8 without a per-tensor quantisation scale, needed to dequantise it"},
      {int32_image, "input 'image' is int32 [1,4,4,3], not an image tensor float32, uint8 or int8"},
  };
  for (const auto& [path, problem] : expected) {
    const std::string message = error_of(path);
    EXPECT_EQ(message.rfind("model '" + path + "': " + problem, 0), 0u) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

}  // namespace smartcamrt
