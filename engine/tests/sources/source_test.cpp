#include "smartcamrt/sources/source.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "../support/tiny_onnx.hpp"
#include "smartcamrt/core/error.hpp"

namespace smartcamrt {
namespace {

std::string error_of(const std::string& spec) {
  try {
    open_source(spec);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string write_video(const std::string& path, int frames) {
  cv::VideoWriter writer(path, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 5.0, cv::Size(64, 48));
  for (int i = 0; i < frames; ++i) writer.write(cv::Mat(48, 64, CV_8UC3, cv::Scalar(i * 20, 100, 200)));
  return path;
}

}  // namespace

TEST(Source, VideoFileGivesEveryFrameWithItsRate) {
  const std::string dir = testing::make_temp_dir("source-video");
  auto source = open_source(write_video(dir + "/clip.avi", 7));
  EXPECT_EQ(source->info().kind, SourceKind::kVideo);
  EXPECT_EQ(source->info().width, 64);
  EXPECT_EQ(source->info().height, 48);
  EXPECT_DOUBLE_EQ(source->info().fps, 5.0);
  Frame frame;
  int count = 0;
  while (source->read(frame)) {
    EXPECT_EQ(frame.index, count);
    ++count;
  }
  EXPECT_EQ(count, 7);
}

TEST(Source, FolderGivesItsImagesInNameOrderAndSkipsOtherFiles) {
  const std::string dir = testing::make_temp_dir("source-folder");
  cv::imwrite(dir + "/b.png", cv::Mat(10, 20, CV_8UC3, cv::Scalar(1, 2, 3)));
  cv::imwrite(dir + "/a.jpg", cv::Mat(30, 40, CV_8UC3, cv::Scalar(1, 2, 3)));
  std::ofstream(dir + "/notes.txt") << "not an image";
  auto source = open_source(dir);
  EXPECT_EQ(source->info().kind, SourceKind::kImageFolder);
  EXPECT_EQ(source->info().frame_count, 2);
  Frame frame;
  ASSERT_TRUE(source->read(frame));
  EXPECT_EQ(frame.name, "a.jpg");
  EXPECT_EQ(frame.image.cols, 40);
  ASSERT_TRUE(source->read(frame));
  EXPECT_EQ(frame.name, "b.png");
  EXPECT_FALSE(source->read(frame));
}

TEST(Source, BadSourcesGiveOneLineErrorsNamingThem) {
  const std::string dir = testing::make_temp_dir("source-bad");
  EXPECT_EQ(error_of(dir + "/absent.mp4"), "source '" + dir + "/absent.mp4': no such file or folder");
  std::ofstream(dir + "/empty.avi").close();
  EXPECT_EQ(error_of(dir + "/empty.avi"), "source '" + dir + "/empty.avi': file is empty");
  std::ofstream(dir + "/notes.avi") << std::string(4096, 'x');
  EXPECT_NE(error_of(dir + "/notes.avi").find("source '" + dir + "/notes.avi': "), std::string::npos);
  std::ofstream(dir + "/broken.jpg") << "not a jpeg";
  EXPECT_EQ(error_of(dir + "/broken.jpg"), "source '" + dir + "/broken.jpg': cannot decode image 'broken.jpg'");
  std::filesystem::create_directories(dir + "/nothing");
  EXPECT_NE(error_of(dir + "/nothing").find("folder holds no images"), std::string::npos);
  EXPECT_EQ(error_of("57"), "camera '57': no such device /dev/video57");
  EXPECT_EQ(error_of("/dev/video99"), "camera '/dev/video99': no such device /dev/video99");
  EXPECT_EQ(error_of(""), "--source: no source given");
}

// The engine's OpenCV is built without WebP and TIFF (scripts/build-codecs.sh): such an image says so.
TEST(Source, AnImageOfAFormatTheBuildCannotDecodeSaysWhichFormat) {
  const std::string dir = testing::make_temp_dir("source-format");
  const std::string tiff = dir + "/scan.tif";
  std::ofstream(tiff, std::ios::binary) << std::string("II*\0", 4) << std::string(64, '\0');  // a TIFF header
  const std::string error = error_of(tiff);
  EXPECT_NE(error.find("source '" + tiff + "': cannot decode image 'scan.tif'"), std::string::npos) << error;
  if (cv::haveImageWriter(".tif")) {
    EXPECT_EQ(error.find("decoder"), std::string::npos) << "a TIFF reader is built in: the file is just broken";
  } else {
    EXPECT_NE(error.find("this build's OpenCV has no TIFF decoder: convert it to JPEG or PNG"), std::string::npos)
        << error;
  }
  std::ofstream(dir + "/broken.webp") << "not a webp";
  if (!cv::haveImageWriter(".webp")) {
    EXPECT_NE(error_of(dir + "/broken.webp").find("no WebP decoder"), std::string::npos);
  }
}

TEST(Source, TruncatedVideoIsAnErrorWhenNoFrameDecodes) {
  const std::string dir = testing::make_temp_dir("source-truncated");
  const std::string full = write_video(dir + "/full.avi", 10);
  std::ifstream in(full, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir + "/cut.avi", std::ios::binary) << bytes.substr(0, 200);  // header only
  const std::string message = error_of(dir + "/cut.avi");
  EXPECT_EQ(message.rfind("source '" + dir + "/cut.avi': ", 0), 0u) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

}  // namespace smartcamrt
