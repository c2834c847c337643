// The annotated video's segments: N frames each, every one closed and playable, named in order.
#include "smartcamrt/tasks/detection/segmented_video.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include <opencv2/videoio.hpp>

#include "../../support/tiny_onnx.hpp"

namespace smartcamrt {
namespace {

int decoded_frames(const std::string& path) {
  cv::VideoCapture capture(path, cv::CAP_FFMPEG);
  if (!capture.isOpened()) return -1;
  int frames = 0;
  for (cv::Mat image; capture.read(image);) ++frames;
  return frames;
}

TEST(SegmentedVideo, SplitsEveryNFramesAndEachSegmentPlays) {
  const std::string dir = testing::make_temp_dir("segments") + "/annotated";
  {
    SegmentedVideoWriter writer(dir, 10.0, cv::Size(64, 48), 10);
    for (int i = 0; i < 25; ++i) writer.write(cv::Mat(48, 64, CV_8UC3, cv::Scalar(i * 10, 40, 200)));
    EXPECT_EQ(writer.frames_written(), 25);
  }
  EXPECT_EQ(decoded_frames(dir + "/segment-00000.mkv"), 10);
  EXPECT_EQ(decoded_frames(dir + "/segment-00001.mkv"), 10);
  EXPECT_EQ(decoded_frames(dir + "/segment-00002.mkv"), 5);
  EXPECT_FALSE(std::filesystem::exists(dir + "/segment-00003.mkv"));
}

TEST(SegmentedVideo, ARunWithoutFramesLeavesNoEmptyFile) {
  const std::string dir = testing::make_temp_dir("segments-empty") + "/annotated";
  SegmentedVideoWriter(dir, 25.0, cv::Size(64, 48), 250).close();
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

TEST(SegmentedVideo, SegmentLengthInFrames) {
  EXPECT_EQ(frames_per_segment(10.0, 25.0), 250);
  EXPECT_EQ(frames_per_segment(1.0, 29.97), 30);
  EXPECT_EQ(frames_per_segment(10.0, 0.0), 300);  // unknown rate: 30 fps, as the writer assumes
  EXPECT_EQ(frames_per_segment(0.01, 10.0), 1);
  EXPECT_EQ(SegmentedVideoWriter::segment_name(12), "segment-00012.mkv");
}

}  // namespace
}  // namespace smartcamrt
