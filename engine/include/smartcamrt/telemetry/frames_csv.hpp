#pragma once
#include <cstdio>
#include <string>

#include "smartcamrt/telemetry/frame_record.hpp"

namespace smartcamrt {

// The frames.csv header, in contract order.
extern const char* const kFramesCsvHeader;

// Writes frames.csv row by row and flushes each row, so an interrupted run keeps every frame it
// processed. Not thread-safe: one writer thread.
class FramesCsvWriter {
 public:
  explicit FramesCsvWriter(const std::string& path);  // throws Error when the file cannot be created
  ~FramesCsvWriter();
  FramesCsvWriter(const FramesCsvWriter&) = delete;
  FramesCsvWriter& operator=(const FramesCsvWriter&) = delete;

  void write(const FrameRecord& record);
  static std::string format_row(const FrameRecord& record);

 private:
  std::FILE* file_ = nullptr;
  std::string path_;
};

}  // namespace smartcamrt
