// End to end with the real YOLOv5n and the real video: the files a run leaves behind.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>
#include <opencv2/videoio.hpp>

#include "../support/process.hpp"
#include "../support/tiny_onnx.hpp"
#include "smartcamrt/telemetry/frames_csv.hpp"

namespace smartcamrt {
namespace {

using testing::read_lines;
using testing::split_csv;

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

// Checks every data row of frames.csv: column count, numbers that parse, timings consistent.
void expect_well_formed_csv(const std::vector<std::string>& lines) {
  const auto header = split_csv(kFramesCsvHeader);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], kFramesCsvHeader);
  for (size_t i = 1; i < lines.size(); ++i) {
    const auto fields = split_csv(lines[i]);
    ASSERT_EQ(fields.size(), header.size()) << lines[i];
    for (const int column : {3, 8, 9, 10, 11, 12, 13, 18}) {
      ASSERT_FALSE(fields[column].empty()) << header[column] << " empty in: " << lines[i];
      EXPECT_GE(std::stod(fields[column]), 0.0) << header[column];
    }
    const double pre = std::stod(fields[9]), infer = std::stod(fields[10]), post = std::stod(fields[11]);
    const double e2e = std::stod(fields[12]), queue = std::stod(fields[13]);
    EXPECT_GT(infer, 0.0);
    EXPECT_GE(e2e + 0.01, pre + infer + post + queue) << "e2e must cover every stage: " << lines[i];
    EXPECT_EQ(fields[5], "ort");
    EXPECT_EQ(fields[7], "640x640");
    EXPECT_TRUE(fields[19].empty() || std::stod(fields[19]) >= 0);
  }
}

}  // namespace

TEST(RunVideo, ThirtyFramesOfVtestGiveThirtyRowsAndMatchingOutputs) {
  const std::string out = testing::make_temp_dir("e2e-video") + "/run";
  const auto result =
      testing::run_process({testing::cli_path(), "run", "--model", testing::test_model(), "--source",
                            testing::assets_dir() + "/video/vtest.avi", "--frames", "30", "--out", out, "--quiet"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto lines = read_lines(out + "/frames.csv");
  ASSERT_EQ(lines.size(), 31u);
  expect_well_formed_csv(lines);
  for (size_t i = 1; i < lines.size(); ++i) EXPECT_EQ(split_csv(lines[i])[2], std::to_string(i - 1));

  const auto jsonl = read_lines(out + "/detections.jsonl");
  ASSERT_EQ(jsonl.size(), 30u);
  int people = 0;
  for (size_t i = 0; i < jsonl.size(); ++i) {
    const auto line = nlohmann::json::parse(jsonl[i]);
    EXPECT_EQ(line["frame"], static_cast<int>(i));
    EXPECT_EQ(line["detections"].size(), static_cast<size_t>(std::stoi(split_csv(lines[i + 1])[15])));
    for (const auto& d : line["detections"]) {
      EXPECT_LE(d["box"][2].get<double>(), 768.0);  // source pixels, not model pixels
      EXPECT_LE(d["box"][3].get<double>(), 576.0);
      if (d["class"] == "person") ++people;
    }
  }
  EXPECT_GT(people, 30) << "vtest.avi shows several pedestrians in every frame";

  const auto summary = read_json(out + "/summary.json");
  EXPECT_EQ(summary["frames"]["processed"], 30);
  EXPECT_EQ(summary["frames"]["dropped"], 0);
  EXPECT_EQ(summary["interrupted"], false);
  for (const char* stage : {"capture_ms", "pre_ms", "infer_ms", "post_ms", "e2e_ms", "queue_ms"}) {
    ASSERT_TRUE(summary["stages"].contains(stage)) << stage;
    EXPECT_EQ(summary["stages"][stage]["count"], 30);
    EXPECT_LE(summary["stages"][stage]["p50"].get<double>(), summary["stages"][stage]["max"].get<double>());
  }
  EXPECT_GT(summary["fps"].get<double>(), 0.0);
  EXPECT_EQ(summary["host"]["cores"].get<int>(), static_cast<int>(std::thread::hardware_concurrency()));
  // 30 frames at 10 fps: one 10-second segment, closed at the end of the run.
  cv::VideoCapture annotated(out + "/annotated/segment-00000.mkv", cv::CAP_FFMPEG);
  int annotated_frames = 0;
  for (cv::Mat image; annotated.read(image);) ++annotated_frames;
  EXPECT_EQ(annotated_frames, 30);
  EXPECT_FALSE(std::filesystem::exists(out + "/annotated/segment-00001.mkv"));
  EXPECT_NE(result.out.find("30 processed, 0 dropped"), std::string::npos) << result.out;
}

// Ctrl-C / SIGTERM mid-run: every processed frame is in the files and the summary is written.
class Interrupted : public ::testing::TestWithParam<int> {};

TEST_P(Interrupted, RunStopsCleanlyAndKeepsEveryProcessedFrame) {
  const int signal_number = GetParam();
  const std::string out = testing::make_temp_dir("e2e-signal") + "/run";
  const auto result =
      testing::run_process({testing::cli_path(), "run", "--model", testing::test_model(), "--source",
                            testing::assets_dir() + "/video/vtest.avi", "--realtime", "--out", out, "--quiet"},
                           [&](int pid) {
                             // Wait until frames are flowing, then interrupt.
                             for (int i = 0; i < 300 && read_lines(out + "/frames.csv").size() < 6; ++i) {
                               std::this_thread::sleep_for(std::chrono::milliseconds(100));
                             }
                             kill(pid, signal_number);
                           });
  EXPECT_EQ(result.exit_code, 130) << result.err;
  const auto summary = read_json(out + "/summary.json");
  EXPECT_EQ(summary["interrupted"], true);
  const auto lines = read_lines(out + "/frames.csv");
  const int processed = summary["frames"]["processed"].get<int>();
  EXPECT_GE(processed, 5);
  EXPECT_LT(processed, 700) << "the run should have stopped early";
  EXPECT_EQ(static_cast<int>(lines.size()) - 1, processed);
  EXPECT_EQ(static_cast<int>(read_lines(out + "/detections.jsonl").size()), processed);
  expect_well_formed_csv(lines);
  EXPECT_NE(result.out.find("(interrupted)"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Signals, Interrupted, ::testing::Values(SIGINT, SIGTERM),
                         [](const ::testing::TestParamInfo<int>& param) {
                           return std::string(param.param == SIGINT ? "SIGINT" : "SIGTERM");
                         });

TEST(RunVideo, RealtimePacingDropsFramesWhenTheEngineFallsBehind) {
  // One thread and a 1000-fps pace: the engine cannot keep up, so frames must be dropped, counted,
  // and the row's frame numbers show the gaps.
  const std::string dir = testing::make_temp_dir("e2e-drop");
  cv::VideoWriter writer(dir + "/fast.avi", cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 200.0, cv::Size(320, 240));
  for (int i = 0; i < 60; ++i) writer.write(cv::Mat(240, 320, CV_8UC3, cv::Scalar(i * 4, 50, 100)));
  writer.release();
  const auto result =
      testing::run_process({testing::cli_path(), "run", "--model", testing::test_model(), "--source", dir + "/fast.avi",
                            "--realtime", "--threads", "1", "--out", dir + "/run", "--quiet", "--no-save"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto summary = read_json(dir + "/run/summary.json");
  const int processed = summary["frames"]["processed"].get<int>();
  const int dropped = summary["frames"]["dropped"].get<int>();
  EXPECT_GT(dropped, 0);
  EXPECT_LE(processed + dropped, 60);
  const auto lines = read_lines(dir + "/run/frames.csv");
  ASSERT_EQ(static_cast<int>(lines.size()) - 1, processed);
  EXPECT_EQ(std::stoi(split_csv(lines.back())[14]), dropped);
}

}  // namespace smartcamrt

namespace smartcamrt {

TEST(RunVideo, TraceHasEveryStageOfEveryFrame) {
  const std::string dir = testing::make_temp_dir("e2e-trace");
  const auto result = testing::run_process({testing::cli_path(), "run", "--model", testing::test_model(), "--source",
                                            testing::assets_dir() + "/video/vtest.avi", "--frames", "8", "--out",
                                            dir + "/run", "--quiet", "--no-save", "--trace", dir + "/trace.json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::ifstream in(dir + "/trace.json");
  const auto doc = nlohmann::json::parse(in);
  std::map<std::string, std::set<int>> frames_by_span;
  int counters = 0;
  for (const auto& e : doc["traceEvents"]) {
    if (e["ph"] == "X") frames_by_span[e["name"].get<std::string>()].insert(e["args"]["frame"].get<int>());
    if (e["ph"] == "C") ++counters;
  }
  for (const char* stage : {"capture", "preprocess", "inference", "postprocess", "sinks"}) {
    EXPECT_EQ(frames_by_span[stage].size(), 8u) << stage;
  }
  EXPECT_GE(counters, 1);
}

}  // namespace smartcamrt

namespace smartcamrt {
namespace {

// A real-time run of vtest that, after 6 frames, gets `command` through the control file, then,
// after 30, "stop". Returns the run folder.
std::string run_with_control_command(const std::string& tag, const std::string& command) {
  const std::string dir = testing::make_temp_dir(tag);
  const std::string control = dir + "/control";
  const std::string out = dir + "/run";
  std::ofstream(control) << "";  // present before the run: its content is not a command
  const auto result = testing::run_process(
      {testing::cli_path(), "run", "--model", testing::test_model(), "--source",
       testing::assets_dir() + "/video/vtest.avi", "--realtime", "--no-save", "--quiet", "--control", control, "--out",
       out},
      [&](int) {
        const auto wait_rows = [&](size_t rows) {
          for (int i = 0; i < 600 && read_lines(out + "/frames.csv").size() < rows; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
          }
        };
        wait_rows(6);
        std::ofstream(control) << command << "\n";
        wait_rows(30);
        std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // a new mtime second for coarse filesystems
        std::ofstream(control) << "stop\n";
      });
  EXPECT_EQ(result.exit_code, 130) << result.err;
  return out;
}

// Rows of frames.csv before and after the one switch event, which must read `event`; every row's
// column `column` must hold `before` up to the switch and `after` from it on.
void expect_one_switch(const std::string& out, const std::string& event, size_t column, const std::string& before,
                       const std::string& after) {
  const auto lines = read_lines(out + "/frames.csv");
  ASSERT_GE(lines.size(), 31u);
  EXPECT_LT(lines.size(), 700u);
  int switches = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    const auto fields = split_csv(lines[i]);
    if (!fields[21].empty()) {
      ++switches;
      EXPECT_EQ(fields[21], event);
    }
    EXPECT_EQ(fields[column], switches ? after : before) << lines[i];
  }
  EXPECT_EQ(switches, 1);
  const auto summary = read_json(out + "/summary.json");
  EXPECT_EQ(summary["events"].size(), 1u);
  EXPECT_EQ(summary["interrupted"], true);
}

}  // namespace

// Switch to the lighter 320 model through the control file, then stop the run the same way.
TEST(RunVideo, ControlFileSwitchesToALighterModelThenStops) {
  const std::string out = run_with_control_command("e2e-control", "model=" + testing::test_model_small());
  expect_one_switch(out, "switch:ort/yolov5n-640.onnx->ort/yolov5n-320.onnx", 7, "640x640", "320x320");
}

// The same model moved from ONNX Runtime to OpenVINO while the run goes on.
TEST(RunVideo, ControlFileSwitchesRuntimeOnTheSameModel) {
  const std::string out = run_with_control_command("e2e-control-runtime", "runtime=openvino");
  expect_one_switch(out, "switch:ort/yolov5n-640.onnx->openvino/yolov5n-640.onnx", 5, "ort", "openvino");
}

}  // namespace smartcamrt
