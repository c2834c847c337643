// The detection task on the real YOLOv5n ($SMARTCAMRT_TEST_MODEL) and bus.jpg ($SMARTCAMRT_ASSETS).
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "../../support/process.hpp"
#include "smartcamrt/core/error.hpp"
#include "smartcamrt/tasks/detection/detector.hpp"

namespace smartcamrt {
namespace {

std::unique_ptr<Detector> make_detector() {
  DetectorConfig config;
  config.model_path = testing::test_model();
  config.session.threads = 1;  // one thread: the same input gives the same floats, run after run
  return Detector::Create(config);
}

void expect_same(const Detections& got, const Detections& expected, const char* what) {
  ASSERT_EQ(got.size(), expected.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].class_id, expected[i].class_id) << what << " #" << i;
    EXPECT_EQ(got[i].score, expected[i].score) << what << " #" << i;
    EXPECT_EQ(got[i].box.x1, expected[i].box.x1) << what << " #" << i;
    EXPECT_EQ(got[i].box.y1, expected[i].box.y1) << what << " #" << i;
    EXPECT_EQ(got[i].box.x2, expected[i].box.x2) << what << " #" << i;
    EXPECT_EQ(got[i].box.y2, expected[i].box.y2) << what << " #" << i;
  }
}

// The detector reuses its input tensor and writes the grey border only when the frame size changes: a
// portrait image (border left and right) after a landscape one (top and bottom) and after itself must
// give exactly what a fresh detector gives.
TEST(DetectorOnRealModel, FramesOfChangingSizesGiveWhatAFreshDetectorGives) {
  const cv::Mat portrait = cv::imread(testing::assets_dir() + "/images/bus.jpg");
  ASSERT_FALSE(portrait.empty());
  cv::Mat landscape;
  cv::resize(portrait, landscape, cv::Size(1280, 720), 0, 0, cv::INTER_LINEAR);

  const Detections fresh_portrait = make_detector()->detect(portrait);
  const Detections fresh_landscape = make_detector()->detect(landscape);
  ASSERT_GE(fresh_portrait.size(), 4u);  // bus.jpg: 4 people and a bus

  const auto detector = make_detector();
  expect_same(detector->detect(portrait), fresh_portrait, "first portrait");
  expect_same(detector->detect(portrait), fresh_portrait, "portrait again (border kept)");
  expect_same(detector->detect(landscape), fresh_landscape, "landscape after portrait");
  expect_same(detector->detect(portrait), fresh_portrait, "portrait after landscape");
}

// A frame the letterbox refuses (one channel) leaves no claim that the border is in place: the next frame
// of that size still gets its border painted.
TEST(DetectorOnRealModel, ARefusedFrameDoesNotLeaveTheBorderUnpainted) {
  const cv::Mat portrait = cv::imread(testing::assets_dir() + "/images/bus.jpg");
  ASSERT_FALSE(portrait.empty());
  cv::Mat grey;
  cv::cvtColor(portrait, grey, cv::COLOR_BGR2GRAY);
  const Detections fresh = make_detector()->detect(portrait);
  ASSERT_GE(fresh.size(), 4u);

  const auto detector = make_detector();
  EXPECT_THROW(detector->detect(grey), Error);
  expect_same(detector->detect(portrait), fresh, "portrait after a refused frame of its size");
}

}  // namespace
}  // namespace smartcamrt
