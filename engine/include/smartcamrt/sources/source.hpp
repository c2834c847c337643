#pragma once
// Item sources: a video file, an image, a folder of images, a camera (index or /dev/videoN), a
// network stream (rtsp/http URL), or texts (a .txt or .tsv file, or "-" for standard input; see
// text_source.hpp). open_source() picks the kind from the spec and throws Error with a one-line
// message when the source cannot be opened or yields no item.
#include <cstdint>
#include <memory>
#include <string>

#include <opencv2/core.hpp>

namespace smartcamrt {

enum class SourceKind { kVideo, kImage, kImageFolder, kCamera, kStream, kText };
const char* source_kind_name(SourceKind kind);

struct SourceInfo {
  SourceKind kind = SourceKind::kVideo;
  std::string spec;
  int width = 0, height = 0;  // of the first frame
  double fps = 0;             // 0 when unknown (images)
  int64_t frame_count = -1;   // -1 when unknown or unbounded
  bool live() const { return kind == SourceKind::kCamera || kind == SourceKind::kStream; }
};

struct Frame {
  cv::Mat image;      // BGR, 8-bit; empty for a text
  std::string text;   // UTF-8, for text sources; empty for frames
  int64_t index = 0;  // 0-based position in the source (for texts: the line, or the .tsv data row)
  std::string name;   // file name for image sources, empty otherwise
  // Decode time already spent when the source read this frame ahead (it decodes the first frame
  // at open time, to fail early on a bad source); 0 for frames decoded inside read().
  double preread_ms = 0;
};

class FrameSource {
 public:
  virtual ~FrameSource() = default;
  virtual const SourceInfo& info() const = 0;
  // Next frame; false at the end of the source. Not thread-safe: one reader.
  virtual bool read(Frame& frame) = 0;
  // Asks a read() blocked waiting for input (standard input) to return false soon; any thread.
  virtual void interrupt() {}
};

std::unique_ptr<FrameSource> open_source(const std::string& spec);

}  // namespace smartcamrt
