// Switching model while a run goes on, through the library API: the new detector is prepared in
// the background and swapped in between two frames, with no frame dropped or repeated.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "../support/process.hpp"
#include "../support/test_clip.hpp"
#include "../support/tiny_onnx.hpp"
#include "smartcamrt/pipeline/pipeline.hpp"

namespace smartcamrt {

TEST(HotSwitch, LibraryApiSwitchesModelBetweenFramesWithoutDrops) {
  const std::string dir = testing::make_temp_dir("hot-switch");
  // Model a finds one object per frame, model b two (constant outputs).
  const std::vector<float> one{16, 16, 8, 8, 0.9f, 0.9f};
  const std::vector<float> two{16, 16, 8, 8, 0.9f, 0.9f, 48, 48, 8, 8, 0.8f, 0.9f};
  const std::string a = testing::save_constant_yolo_model(dir + "/a.onnx", 64, one, 6);
  const std::string b = testing::save_constant_yolo_model(dir + "/b.onnx", 64, two, 6);
  testing::write_test_clip(dir + "/clip.avi", 80, 64, 64, 40.0);

  RunConfig config;
  config.task.model_path = a;
  config.task.session.threads = 1;
  config.sources = {dir + "/clip.avi"};
  config.out_dir = dir + "/run";
  config.realtime = true;  // paced at 40 fps: the run lasts 2 s, time enough to switch mid-way
  config.save_annotated = false;
  config.control = std::make_shared<RunControl>();
  std::thread requester([&] {
    for (int i = 0; i < 500 && testing::read_lines(config.out_dir + "/frames.csv").size() < 11; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    config.control->request_switch({b, "ort", 0, ""});
  });
  const RunReport report = run_pipeline(config);
  requester.join();

  EXPECT_EQ(report.switches, 1);
  EXPECT_EQ(report.dropped, 0);
  const auto lines = testing::read_lines(config.out_dir + "/frames.csv");
  ASSERT_EQ(lines.size(), 81u);
  int switch_row = -1;
  for (size_t i = 1; i < lines.size(); ++i) {
    const auto fields = testing::split_csv(lines[i]);
    EXPECT_EQ(fields[2], std::to_string(i - 1)) << "frames must stay contiguous";
    if (!fields[21].empty()) {
      EXPECT_EQ(switch_row, -1) << "one switch event only";
      switch_row = static_cast<int>(i);
      EXPECT_EQ(fields[21], "switch:ort/a.onnx->ort/b.onnx");
    }
    const bool after = switch_row != -1;
    EXPECT_EQ(fields[4], after ? "b.onnx" : "a.onnx") << lines[i];
    EXPECT_EQ(fields[15], after ? "2" : "1") << lines[i];
  }
  ASSERT_GT(switch_row, 10);
  std::ifstream in(config.out_dir + "/summary.json");
  const auto summary = nlohmann::json::parse(in);
  ASSERT_EQ(summary["events"].size(), 1u);
  EXPECT_EQ(summary["events"][0]["frame"], switch_row - 1);
}

TEST(HotSwitch, AFailedSwitchKeepsTheCurrentModelAndIsAnEvent) {
  const std::string dir = testing::make_temp_dir("hot-switch-fail");
  const std::string a = testing::save_constant_yolo_model(dir + "/a.onnx", 32, std::vector<float>(6, 0.f), 6);
  testing::write_test_clip(dir + "/clip.avi", 40, 32, 32, 50.0);
  RunConfig config;
  config.task.model_path = a;
  config.sources = {dir + "/clip.avi"};
  config.out_dir = dir + "/run";
  config.realtime = true;
  config.save_annotated = false;
  config.control = std::make_shared<RunControl>();
  config.control->request_switch({dir + "/nope.onnx", "", 0, ""});
  const RunReport report = run_pipeline(config);
  EXPECT_EQ(report.switches, 0);
  const auto lines = testing::read_lines(config.out_dir + "/frames.csv");
  ASSERT_EQ(lines.size(), 41u);
  int failures = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    const auto fields = testing::split_csv(lines[i]);
    EXPECT_EQ(fields[4], "a.onnx");
    if (fields[21].rfind("switch-failed:model '", 0) == 0) ++failures;
  }
  EXPECT_EQ(failures, 1);
}

}  // namespace smartcamrt
