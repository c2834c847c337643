#include "smartcamrt/tasks/detection/segmented_video.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "smartcamrt/core/error.hpp"

namespace fs = std::filesystem;

namespace smartcamrt {

int64_t frames_per_segment(double segment_s, double fps) {
  return std::max<int64_t>(1, std::llround(segment_s * (fps > 0 ? fps : 30.0)));
}

std::string SegmentedVideoWriter::segment_name(int64_t index) {
  char name[48];
  std::snprintf(name, sizeof(name), "segment-%05lld%s", static_cast<long long>(index), kExtension);
  return name;
}

SegmentedVideoWriter::SegmentedVideoWriter(std::string dir, double fps, cv::Size size, int64_t frames_per_segment)
    : dir_(std::move(dir)),
      fps_(fps > 0 ? fps : 30.0),
      size_(size),
      per_segment_(std::max<int64_t>(1, frames_per_segment)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw Error("cannot create '" + dir_ + "': " + ec.message());
  open_segment();  // fails here, at the start of the run, rather than at the first frame
}

SegmentedVideoWriter::~SegmentedVideoWriter() { close(); }

void SegmentedVideoWriter::open_segment() {
  ++segment_;
  in_segment_ = 0;
  const std::string path = (fs::path(dir_) / segment_name(segment_)).string();
  // MPEG-4 Part 2: the encoder every FFmpeg build of OpenCV has (Debian's has no H.264 encoder).
  writer_.open(path, cv::CAP_FFMPEG, cv::VideoWriter::fourcc('m', 'p', '4', 'v'), fps_, size_);
  if (!writer_.isOpened()) {
    throw Error("cannot create '" + path +
                "' (no MPEG-4 encoder or Matroska muxer in OpenCV's FFmpeg?); pass --no-save");
  }
}

void SegmentedVideoWriter::write(const cv::Mat& frame) {
  if (in_segment_ == per_segment_) {
    writer_.release();  // complete on disk (index, cues) before the next one opens
    open_segment();
  }
  writer_.write(frame);
  ++in_segment_;
  ++written_;
}

void SegmentedVideoWriter::close() {
  if (!writer_.isOpened()) return;
  writer_.release();
  // A segment opened and never written to is not a video: remove it so that every file plays.
  if (in_segment_ == 0) {
    std::error_code ec;
    fs::remove(fs::path(dir_) / segment_name(segment_), ec);
  }
}

}  // namespace smartcamrt
