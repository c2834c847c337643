#include "smartcamrt/model_switcher.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "../support/tiny_onnx.hpp"

namespace smartcamrt {
namespace {

std::unique_ptr<Detector> wait_ready(ModelSwitcher& switcher, std::string* failure) {
  for (int i = 0; i < 500; ++i) {
    if (auto detector = switcher.take_ready(failure)) return detector;
    if (!failure->empty()) return nullptr;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return nullptr;
}

}  // namespace

TEST(ModelSwitcher, PreparesTheRequestedModelInTheBackground) {
  const std::string dir = testing::make_temp_dir("switcher");
  const std::string a = testing::save_constant_yolo_model(dir + "/a.onnx", 32, std::vector<float>(8, 0.f), 8);
  const std::string b = testing::save_constant_yolo_model(dir + "/b.onnx", 64, std::vector<float>(7, 0.f), 7);
  DetectorConfig base;
  base.model_path = a;
  base.session.threads = 1;
  ModelSwitcher switcher(base, 64, 48);
  std::string failure;
  EXPECT_EQ(switcher.take_ready(&failure), nullptr);  // nothing requested
  ASSERT_TRUE(switcher.request({b, ""}));
  EXPECT_FALSE(switcher.request({a, ""})) << "a second request while one is being prepared is refused";
  auto detector = wait_ready(switcher, &failure);
  ASSERT_NE(detector, nullptr) << failure;
  EXPECT_EQ(detector->info().name, "b.onnx");
  EXPECT_EQ(detector->info().input_width, 64);
  EXPECT_FALSE(switcher.busy());
  ASSERT_TRUE(switcher.request({a, "ort"}));  // free again
  detector = wait_ready(switcher, &failure);
  ASSERT_NE(detector, nullptr);
  EXPECT_EQ(detector->info().name, "a.onnx");
}

TEST(ModelSwitcher, AFailedPreparationIsReportedOnceAndLeavesNothing) {
  const std::string dir = testing::make_temp_dir("switcher-bad");
  DetectorConfig base;
  base.model_path = testing::save_constant_yolo_model(dir + "/a.onnx", 32, std::vector<float>(8, 0.f), 8);
  ModelSwitcher switcher(base, 32, 32);
  ASSERT_TRUE(switcher.request({dir + "/missing.onnx", ""}));
  std::string failure;
  EXPECT_EQ(wait_ready(switcher, &failure), nullptr);
  EXPECT_EQ(failure, "model '" + dir + "/missing.onnx': no such file");
  std::string again;
  EXPECT_EQ(switcher.take_ready(&again), nullptr);
  EXPECT_TRUE(again.empty());
  EXPECT_FALSE(switcher.busy());
}

}  // namespace smartcamrt
