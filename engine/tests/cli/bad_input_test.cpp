// Bad input through the real binary: one clear line on stderr naming what is wrong, a non-zero
// exit, and no crash or stack trace.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "../support/process.hpp"
#include "../support/tiny_onnx.hpp"

namespace smartcamrt {
namespace {

using testing::expect_one_line_error;
using testing::run_process;

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("cli-bad");
    good_model_ = testing::save_constant_yolo_model(dir_ + "/tiny.onnx", 32, std::vector<float>(8, 0.f), 8);
    image_ = dir_ + "/image.png";
    std::ofstream(dir_ + "/text.txt") << "hello";
  }
  testing::ProcessResult run(std::vector<std::string> args) {
    args.insert(args.begin(), testing::cli_path());
    return run_process(args);
  }
  std::string dir_, good_model_, image_;
};

TEST_F(BadInput, UnknownCommandOptionAndValues) {
  expect_one_line_error(run({"--bogus"}), "unknown option '--bogus'");
  expect_one_line_error(run({"run", "--model", good_model_, "--source", "0", "--bogus"}), "--bogus");
  expect_one_line_error(run({"run", "--model", good_model_, "--source", "x", "--conf", "2"}), "--conf");
  expect_one_line_error(run({"run", "--model", good_model_, "--source", "x", "--threads", "lots"}), "--threads");
  expect_one_line_error(run({"run", "--source", "x"}), "--model is required");
  expect_one_line_error(run({"bench", "--model", good_model_, "--runs", "0"}), "--runs");
}

TEST_F(BadInput, ModelFiles) {
  expect_one_line_error(run({"run", "--model", dir_ + "/absent.onnx", "--source", "0"}), "absent.onnx': no such file");
  expect_one_line_error(run({"run", "--model", dir_ + "/text.txt", "--source", "0"}), "no runtime handles '.txt'");
  std::ofstream(dir_ + "/fake.onnx") << "not protobuf at all";
  expect_one_line_error(run({"run", "--model", dir_ + "/fake.onnx", "--source", "0"}), "ONNX Runtime cannot load it");
  const std::string text_model = testing::TinyOnnxModel()
                                     .input("ids", {1, 16})
                                     .output("out", {1, 16})
                                     .node("Identity", {"ids"}, {"out"})
                                     .save(dir_ + "/text_model.onnx");
  expect_one_line_error(run({"run", "--model", text_model, "--source", "0"}), "not an image tensor");
  expect_one_line_error(run({"bench", "--model", dir_ + "/absent.onnx"}), "no such file");
}

TEST_F(BadInput, Sources) {
  std::ofstream(dir_ + "/video.avi") << std::string(10000, 'z');
  expect_one_line_error(run({"run", "--model", good_model_, "--source", dir_ + "/video.avi", "--out", dir_ + "/o1"}),
                        "video.avi'");
  expect_one_line_error(run({"run", "--model", good_model_, "--source", "7", "--out", dir_ + "/o2"}),
                        "camera '7': no such device /dev/video7");
  expect_one_line_error(run({"run", "--model", good_model_, "--source", dir_ + "/none.mp4"}), "no such file or folder");
}

TEST_F(BadInput, ToolingCommandWithoutToolingSaysSo) {
  // With SMARTCAMRT_TOOLS pointing nowhere the hand-off must fail plainly, not exec garbage.
  setenv("SMARTCAMRT_TOOLS", (dir_ + "/no-tools").c_str(), 1);
  const auto result = run({"export", "--format", "onnx"});
  unsetenv("SMARTCAMRT_TOOLS");
  expect_one_line_error(result, "smartcamrt-tools");
}

}  // namespace
}  // namespace smartcamrt

namespace smartcamrt {

TEST(InfoCommand, JsonListsEveryBackendWithAvailabilityOrReason) {
  const auto result = testing::run_process({testing::cli_path(), "info", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto doc = nlohmann::json::parse(result.out);
  ASSERT_TRUE(doc["backends"].is_array());
  bool ort = false;
  for (const auto& backend : doc["backends"]) {
    if (backend["name"] == "ort") ort = backend["available"].get<bool>();
    if (!backend["available"].get<bool>()) {
      EXPECT_FALSE(backend["reason"].get<std::string>().empty());
    }
  }
  EXPECT_TRUE(ort);
  EXPECT_GT(doc["host"]["cores"].get<int>(), 0);
}

TEST(BenchCommand, ReportsLatencyStatisticsAsJson) {
  const std::string dir = testing::make_temp_dir("bench");
  const std::string model = testing::save_constant_yolo_model(dir + "/m.onnx", 32, std::vector<float>(8, 0.f), 8);
  const auto result = testing::run_process({testing::cli_path(), "bench", "--model", model, "--runs", "20", "--warmup",
                                            "2", "--threads", "1", "--json", dir + "/bench.json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::ifstream in(dir + "/bench.json");
  const auto doc = nlohmann::json::parse(in);
  EXPECT_EQ(doc["runtime"], "ort");
  EXPECT_EQ(doc["latency_ms"]["count"], 20);
  EXPECT_LE(doc["latency_ms"]["min"].get<double>(), doc["latency_ms"]["p50"].get<double>());
  EXPECT_LE(doc["latency_ms"]["p50"].get<double>(), doc["latency_ms"]["p99"].get<double>());
  EXPECT_GT(doc["throughput_per_s"].get<double>(), 0.0);
  EXPECT_GT(doc["peak_rss_mb"].get<double>(), 10.0);
  EXPECT_NE(result.out.find("latency ms   p50"), std::string::npos);
  EXPECT_EQ(doc["interval_ms"].get<double>(), 0.0);
}

TEST(BenchCommand, PacedRunsStartOneIntervalApart) {
  const std::string dir = testing::make_temp_dir("bench-paced");
  const std::string model = testing::save_constant_yolo_model(dir + "/m.onnx", 32, std::vector<float>(8, 0.f), 8);
  const auto result =
      testing::run_process({testing::cli_path(), "bench", "--model", model, "--runs", "6", "--warmup", "0", "--threads",
                            "1", "--interval-ms", "40", "--json", dir + "/bench.json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::ifstream in(dir + "/bench.json");
  const auto doc = nlohmann::json::parse(in);
  EXPECT_EQ(doc["interval_ms"].get<double>(), 40.0);
  EXPECT_EQ(doc["latency_ms"]["count"], 6);
  // Six runs started 40 ms apart span at least 200 ms: at most 30 runs a second, whatever one run costs.
  EXPECT_LE(doc["throughput_per_s"].get<double>(), 30.0);
  EXPECT_LT(doc["latency_ms"]["p50"].get<double>(), 40.0);  // the wait is not counted as latency
  EXPECT_NE(result.out.find("one every 40.0 ms"), std::string::npos);
  expect_one_line_error(testing::run_process({testing::cli_path(), "bench", "--model", model, "--interval-ms", "-5"}),
                        "--interval-ms");
}

}  // namespace smartcamrt
