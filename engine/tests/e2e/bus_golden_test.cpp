// The real YOLOv5n on bus.jpg against a golden list produced once by a real run of the engine,
// reviewed by eye (one bus, four people; see tests/golden/README.md), and compared with a
// tolerance: same classes, box IoU >= 0.9, score within 0.03.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "../support/process.hpp"
#include "smartcamrt/detector.hpp"

namespace smartcamrt {

TEST(BusGolden, DetectorFindsTheBusAndThePeople) {
  std::ifstream golden_file(std::string(SMARTCAMRT_GOLDEN_DIR) + "/bus_yolov5n_640.json");
  ASSERT_TRUE(golden_file) << "golden file missing";
  const auto golden = nlohmann::json::parse(golden_file);

  DetectorConfig config;
  config.model_path = testing::test_model();
  config.session.threads = 2;
  auto detector = Detector::Create(config);
  const cv::Mat image = cv::imread(testing::assets_dir() + "/images/bus.jpg");
  ASSERT_FALSE(image.empty());
  const Detections found = detector->detect(image);

  int buses = 0, people = 0;
  for (const Detection& d : found) {
    buses += d.class_id == 5;
    people += d.class_id == 0;
  }
  EXPECT_EQ(buses, 1);
  EXPECT_GE(people, 3);

  ASSERT_EQ(found.size(), golden["detections"].size());
  std::vector<bool> matched(found.size(), false);
  for (const auto& expected : golden["detections"]) {
    const Box box{expected["box"][0].get<float>(), expected["box"][1].get<float>(), expected["box"][2].get<float>(),
                  expected["box"][3].get<float>()};
    bool any = false;
    for (size_t i = 0; i < found.size() && !any; ++i) {
      if (matched[i] || found[i].class_id != expected["class_id"].get<int>()) continue;
      if (box_iou(found[i].box, box) >= 0.9f && std::abs(found[i].score - expected["score"].get<float>()) <= 0.03f) {
        matched[i] = any = true;
      }
    }
    EXPECT_TRUE(any) << "no detection matches golden " << expected.dump();
  }
}

}  // namespace smartcamrt
