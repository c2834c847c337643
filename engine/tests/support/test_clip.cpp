#include "test_clip.hpp"

#include <opencv2/videoio.hpp>

namespace smartcamrt::testing {

std::string write_test_clip(const std::string& path, int frames, int width, int height, double fps) {
  cv::VideoWriter writer(path, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), fps, cv::Size(width, height));
  for (int i = 0; i < frames; ++i) writer.write(cv::Mat(height, width, CV_8UC3, cv::Scalar::all(i % 256)));
  writer.release();
  return path;
}

}  // namespace smartcamrt::testing
