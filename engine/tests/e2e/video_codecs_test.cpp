// The engine's image and video I/O is a lean OpenCV on an FFmpeg with a camera engine's codecs only
// (scripts/build-codecs.sh): the bundled videos decode through it, and what it was made lean of (GDAL,
// GStreamer, Debian's shared FFmpeg with every codec library: ~55 MB of a run's memory) is not loaded.
#include <link.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "../support/process.hpp"
#include "smartcamrt/sources/source.hpp"

namespace smartcamrt {
namespace {

std::vector<std::string> loaded_libraries() {
  std::vector<std::string> names;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* out) {
        if (info->dlpi_name && *info->dlpi_name)
          static_cast<std::vector<std::string>*>(out)->push_back(info->dlpi_name);
        return 0;
      },
      &names);
  return names;
}

TEST(VideoCodecs, TheBundledVideosDecodeWithTheirSizeAndRate) {
  struct Video {
    const char* file;
    const char* codec;
    int width, height;
  };
  for (const Video& video : {Video{"vtest.avi", "MS-MPEG4 v3 in AVI", 768, 576},
                             Video{"one-by-one-person-detection.mp4", "H.264 in MP4", 768, 432}}) {
    SCOPED_TRACE(std::string(video.file) + ", " + video.codec);
    auto source = open_source(testing::assets_dir() + "/video/" + video.file);
    EXPECT_EQ(source->info().width, video.width);
    EXPECT_EQ(source->info().height, video.height);
    EXPECT_NEAR(source->info().fps, 10.0, 0.01);
    for (int i = 0; i < 5; ++i) {
      Frame frame;
      ASSERT_TRUE(source->read(frame)) << "frame " << i;
      ASSERT_EQ(frame.image.size(), cv::Size(video.width, video.height));
      cv::Scalar mean, stddev;
      cv::meanStdDev(frame.image, mean, stddev);
      EXPECT_GT(stddev[0] + stddev[1] + stddev[2], 30.0) << "frame " << i << " decoded flat: a scene, not a blank";
    }
  }
}

TEST(VideoCodecs, NoGdalGstreamerOrSharedFfmpegIsLoaded) {
  auto source = open_source(testing::assets_dir() + "/video/vtest.avi");  // the video stack in use
  const std::vector<std::string> libraries = loaded_libraries();
  bool videoio = false;
  for (const std::string& library : libraries) {
    videoio = videoio || library.find("libopencv_videoio") != std::string::npos;
    for (const char* heavy : {"libgdal", "libgstreamer", "libavcodec.so", "libavformat.so"}) {
      EXPECT_TRUE(library.find(heavy) == std::string::npos)
          << library << ": the engine is built against an OpenCV that links " << heavy
          << "; scripts/setup.sh builds the lean one (scripts/build-codecs.sh, docs/dependencies.md)";
    }
  }
  EXPECT_TRUE(videoio) << "OpenCV's videoio is not among the " << libraries.size() << " loaded libraries";
  EXPECT_LT(libraries.size(), 60u) << "Debian's OpenCV brings ~250 libraries; the lean build ~25 (with ORT)";
}

}  // namespace
}  // namespace smartcamrt
