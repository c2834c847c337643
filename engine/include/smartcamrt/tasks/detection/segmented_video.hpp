#pragma once
// The annotated video of a run, written as a series of short files (annotated/segment-00000.mkv, ...)
// so that a process killed at any moment (power loss, kill -9, OOM) leaves every earlier segment whole
// and playable. A single MP4 is unreadable when cut: its index (moov atom) is written at the end.
// Each segment is closed (complete) before the next one opens. Matroska is chosen over MP4 because a
// cut .mkv still plays up to the last data FFmpeg flushed (measured in docs/run-folder.md), so a hard
// kill loses only the tail of the segment being written. One writer thread; not thread-safe.
#include <cstdint>
#include <string>

#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>

namespace smartcamrt {

class SegmentedVideoWriter {
 public:
  // Frames of `size` at `fps`; a new file every `frames_per_segment` frames (>= 1). Creates `dir`.
  // Throws Error when the folder or the first segment cannot be created.
  SegmentedVideoWriter(std::string dir, double fps, cv::Size size, int64_t frames_per_segment);
  ~SegmentedVideoWriter();
  SegmentedVideoWriter(const SegmentedVideoWriter&) = delete;
  SegmentedVideoWriter& operator=(const SegmentedVideoWriter&) = delete;

  // Appends a frame of the configured size; opens the next segment once the current one is full.
  void write(const cv::Mat& frame);
  void close();
  int64_t frames_written() const { return written_; }

  static std::string segment_name(int64_t index);  // "segment-00000.mkv"
  static constexpr const char* kExtension = ".mkv";

 private:
  void open_segment();

  std::string dir_;
  double fps_;
  cv::Size size_;
  int64_t per_segment_;
  int64_t segment_ = -1;    // index of the open segment
  int64_t in_segment_ = 0;  // frames in it so far
  int64_t written_ = 0;
  cv::VideoWriter writer_;
};

// Frames per segment for a segment length in seconds at the source's rate (at least 1).
int64_t frames_per_segment(double segment_s, double fps);

}  // namespace smartcamrt
