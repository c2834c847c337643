// Several sources run as streams side by side: each stream has its own task instance, queue and run
// folder (stream<N>/, its id in the `stream` column), and the run folder sums them up.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "../support/process.hpp"
#include "../support/test_clip.hpp"
#include "../support/tiny_onnx.hpp"
#include "smartcamrt/core/error.hpp"
#include "smartcamrt/pipeline/pipeline.hpp"

namespace smartcamrt {

TEST(MultiStream, EachStreamWritesAWellFormedRunFolderOfItsOwn) {
  const std::string dir = testing::make_temp_dir("multi-stream");
  const std::string model =
      testing::save_constant_yolo_model(dir + "/m.onnx", 32, std::vector<float>{8, 8, 4, 4, 0.9f, 0.9f}, 6);
  const std::vector<int> lengths{12, 20, 7};
  RunConfig config;
  for (size_t s = 0; s < lengths.size(); ++s) {
    config.sources.push_back(
        testing::write_test_clip(dir + "/clip" + std::to_string(s) + ".avi", lengths[s], 32, 32, 25.0));
  }
  config.task.model_path = model;
  config.task.session.threads = 1;
  config.out_dir = dir + "/run";
  config.save_annotated = false;
  const RunReport report = run_pipeline(config);

  ASSERT_EQ(report.streams.size(), lengths.size());
  EXPECT_EQ(report.processed, 12 + 20 + 7);
  for (size_t s = 0; s < lengths.size(); ++s) {
    const std::string folder = config.out_dir + "/stream" + std::to_string(s);
    const auto lines = testing::read_lines(folder + "/frames.csv");
    ASSERT_EQ(lines.size(), static_cast<size_t>(lengths[s]) + 1) << folder;
    for (size_t i = 1; i < lines.size(); ++i) {
      const auto fields = testing::split_csv(lines[i]);
      EXPECT_EQ(fields[1], std::to_string(s)) << "the stream column names the stream";
      EXPECT_EQ(fields[2], std::to_string(i - 1));
    }
    EXPECT_EQ(testing::read_lines(folder + "/detections.jsonl").size(), static_cast<size_t>(lengths[s]));
    std::ifstream in(folder + "/summary.json");
    const auto summary = nlohmann::json::parse(in);
    EXPECT_EQ(summary["stream"], s);
    EXPECT_EQ(summary["frames"]["processed"], lengths[s]);
  }
  std::ifstream in(config.out_dir + "/summary.json");
  const auto run = nlohmann::json::parse(in);
  ASSERT_EQ(run["streams"].size(), lengths.size());
  EXPECT_EQ(run["processed"], 12 + 20 + 7);
  EXPECT_EQ(run["streams"][1]["folder"], "stream1");
  EXPECT_FALSE(std::filesystem::exists(config.out_dir + "/frames.csv")) << "frames live in the stream folders";
}

TEST(MultiStream, ABadSecondSourceIsAnErrorBeforeAnythingRuns) {
  const std::string dir = testing::make_temp_dir("multi-stream-bad");
  const std::string model = testing::save_constant_yolo_model(dir + "/m.onnx", 32, std::vector<float>(6, 0.f), 6);
  testing::write_test_clip(dir + "/ok.avi", 3, 32, 32, 25.0);
  RunConfig config;
  config.task.model_path = model;
  config.sources = {dir + "/ok.avi", dir + "/missing.avi"};
  config.out_dir = dir + "/run";
  try {
    run_pipeline(config);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.avi"), std::string::npos) << e.what();
  }
}

}  // namespace smartcamrt
