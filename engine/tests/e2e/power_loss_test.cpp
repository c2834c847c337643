// Power-loss safety: a real-time run of the real YOLOv5n on vtest.avi killed with SIGKILL (no handler,
// no flush, as a power cut or the OOM killer) leaves a run folder that is usable: frames.csv and
// detections.jsonl complete to within one frame, every annotated video segment but the one being
// written plays with the frames it should have, a checkpoint summary.json, and `smartcamrt summarize`
// rebuilds a summary that agrees with frames.csv. SIGINT/SIGTERM must still close everything.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>
#include <opencv2/videoio.hpp>

#include "../support/process.hpp"
#include "../support/tiny_onnx.hpp"
#include "smartcamrt/tasks/detection/segmented_video.hpp"
#include "smartcamrt/telemetry/frames_csv.hpp"

namespace smartcamrt {
namespace {

namespace fs = std::filesystem;
using testing::read_lines;
using testing::split_csv;

constexpr int kFramesPerSegment = 10;  // --segment-s 1 at vtest.avi's 10 fps

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

std::vector<std::string> segments_of(const std::string& run) {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(run + "/annotated")) files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

// Frames decoded to the end (-1 when the file does not open): the count a player would show.
int decoded_frames(const std::string& path) {
  cv::VideoCapture capture(path, cv::CAP_FFMPEG);
  if (!capture.isOpened()) return -1;
  int frames = 0;
  cv::Mat image;
  while (capture.read(image)) {
    EXPECT_EQ(image.cols, 768) << path;
    ++frames;
  }
  return frames;
}

// A real-time run with 1-second segments, signalled with `signal_number` once frames.csv has `rows`
// rows. Returns the run folder.
std::string run_and_signal(const std::string& tag, int signal_number, size_t rows, int expected_exit) {
  const std::string out = testing::make_temp_dir(tag) + "/run";
  const auto result = testing::run_process(
      {testing::cli_path(), "run", "--model", testing::test_model(), "--source",
       testing::assets_dir() + "/video/vtest.avi", "--realtime", "--segment-s", "1", "--out", out, "--quiet"},
      [&](int pid) {
        for (int i = 0; i < 600 && read_lines(out + "/frames.csv").size() < rows + 1; ++i) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        kill(pid, signal_number);
      });
  EXPECT_EQ(result.exit_code, expected_exit) << result.err;
  return out;
}

}  // namespace

TEST(PowerLoss, SigkillLeavesPlayableSegmentsCompleteRowsAndARebuildableSummary) {
  const std::string out = run_and_signal("e2e-sigkill", SIGKILL, 45, 128 + SIGKILL);

  // frames.csv and detections.jsonl: the same frames in the same order, one behind at most (the sink
  // writes a frame's row, then its detections line). A row cut mid-write would not parse: none here.
  const auto rows = read_lines(out + "/frames.csv");
  ASSERT_GE(rows.size(), 46u);
  EXPECT_LT(rows.size(), 700u) << "the run should have been killed early";
  const auto header = split_csv(kFramesCsvHeader);
  for (size_t i = 1; i < rows.size(); ++i) ASSERT_EQ(split_csv(rows[i]).size(), header.size()) << rows[i];
  const int processed = static_cast<int>(rows.size()) - 1;
  const auto jsonl = read_lines(out + "/detections.jsonl");
  EXPECT_LE(processed - static_cast<int>(jsonl.size()), 1);
  EXPECT_GE(processed - static_cast<int>(jsonl.size()), 0);
  for (size_t i = 0; i < jsonl.size(); ++i) {
    const auto line = nlohmann::json::parse(jsonl[i]);
    const auto fields = split_csv(rows[i + 1]);
    ASSERT_EQ(line["frame"].get<int64_t>(), std::stoll(fields[2]));
    EXPECT_EQ(line["detections"].size(), static_cast<size_t>(std::stoi(fields[15])));
  }

  // Segment k holds processed frames k*10 .. k*10+9. Every segment but the last is closed and plays
  // whole; together the closed ones cover every processed frame but those of the open segment.
  const auto segments = segments_of(out);
  ASSERT_GE(segments.size(), 3u);
  for (size_t k = 0; k + 1 < segments.size(); ++k) {
    EXPECT_EQ(fs::path(segments[k]).filename().string(), SegmentedVideoWriter::segment_name(static_cast<int64_t>(k)));
    EXPECT_EQ(decoded_frames(segments[k]), kFramesPerSegment) << segments[k];
  }
  const int closed_frames = static_cast<int>(segments.size() - 1) * kFramesPerSegment;
  EXPECT_LE(closed_frames, processed);
  EXPECT_LE(processed - closed_frames, kFramesPerSegment + 1) << "more than the open segment was lost";
  // The open segment may be empty (nothing flushed yet) or play in part; it never claims extra frames.
  EXPECT_LE(decoded_frames(segments.back()), kFramesPerSegment);

  // The checkpoint the run rewrote while going: marked as not final, with the run's configuration.
  const auto checkpoint = read_json(out + "/summary.json");
  EXPECT_EQ(checkpoint["final"], false);
  EXPECT_EQ(checkpoint["interrupted"], true);
  EXPECT_LE(checkpoint["frames"]["processed"].get<int>(), processed);

  const auto summarize = testing::run_process({testing::cli_path(), "summarize", out});
  ASSERT_EQ(summarize.exit_code, 0) << summarize.err;
  EXPECT_NE(summarize.out.find("rebuilt from " + std::to_string(processed) + " rows"), std::string::npos)
      << summarize.out;
  const auto summary = read_json(out + "/summary.json");
  EXPECT_EQ(summary["rebuilt"]["from"], "frames.csv");
  EXPECT_EQ(summary["rebuilt"]["other_fields_from"], "checkpoint");
  EXPECT_EQ(summary["rebuilt"]["skipped_rows"], 0);
  EXPECT_EQ(summary["final"], false);
  EXPECT_EQ(summary["interrupted"], true);
  EXPECT_EQ(summary["config"]["model"], testing::test_model());
  EXPECT_EQ(summary["config"]["realtime"], true);
  const auto last = split_csv(rows.back());
  EXPECT_EQ(summary["frames"]["processed"], processed);
  EXPECT_EQ(summary["frames"]["dropped"], std::stoi(last[14]));
  EXPECT_EQ(summary["frames"]["captured"], processed + std::stoi(last[14]));
  EXPECT_NEAR(summary["duration_s"].get<double>(), (std::stod(last[3]) + std::stod(last[12])) / 1000.0, 0.002);
  // Stage statistics from the rows: count, max and the median (NumPy's linear interpolation).
  std::vector<double> e2e;
  for (size_t i = 1; i < rows.size(); ++i) e2e.push_back(std::stod(split_csv(rows[i])[12]));
  std::sort(e2e.begin(), e2e.end());
  const double position = 0.5 * static_cast<double>(e2e.size() - 1);
  const size_t below = static_cast<size_t>(position);
  const double median =
      e2e[below] + (position - static_cast<double>(below)) * (e2e[std::min(below + 1, e2e.size() - 1)] - e2e[below]);
  EXPECT_EQ(summary["stages"]["e2e_ms"]["count"], processed);
  EXPECT_NEAR(summary["stages"]["e2e_ms"]["p50"].get<double>(), median, 0.002);
  EXPECT_NEAR(summary["stages"]["e2e_ms"]["max"].get<double>(), e2e.back(), 0.002);
  EXPECT_TRUE(summary["resources"].contains("rss_mb"));
  EXPECT_EQ(summary["adaptation"]["configurations"][0]["frames"], processed);
}

// A handled stop (Ctrl-C, systemd's SIGTERM) closes the open segment too: every segment plays, all
// processed frames are in them, and the summary is the final one.
class HandledStop : public ::testing::TestWithParam<int> {};

TEST_P(HandledStop, ClosesEverySegmentAndWritesTheFinalSummary) {
  const std::string out = run_and_signal("e2e-stop", GetParam(), 25, 130);
  const auto summary = read_json(out + "/summary.json");
  EXPECT_EQ(summary["final"], true);
  EXPECT_EQ(summary["interrupted"], true);
  EXPECT_FALSE(summary.contains("rebuilt"));
  const int processed = summary["frames"]["processed"].get<int>();
  EXPECT_EQ(static_cast<int>(read_lines(out + "/frames.csv").size()) - 1, processed);
  EXPECT_EQ(static_cast<int>(read_lines(out + "/detections.jsonl").size()), processed);
  int in_segments = 0;
  const auto segments = segments_of(out);
  ASSERT_GE(segments.size(), 3u);
  for (const std::string& segment : segments) {
    const int frames = decoded_frames(segment);
    EXPECT_GE(frames, 1) << segment << " does not play";
    in_segments += frames;
  }
  EXPECT_EQ(in_segments, processed);
  EXPECT_FALSE(fs::exists(out + "/summary.json.tmp"));
}

INSTANTIATE_TEST_SUITE_P(Signals, HandledStop, ::testing::Values(SIGINT, SIGTERM),
                         [](const ::testing::TestParamInfo<int>& param) {
                           return std::string(param.param == SIGINT ? "SIGINT" : "SIGTERM");
                         });

}  // namespace smartcamrt
