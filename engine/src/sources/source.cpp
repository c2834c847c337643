#include "smartcamrt/sources/source.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <vector>

#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "smartcamrt/core/clock.hpp"
#include "smartcamrt/core/error.hpp"
#include "smartcamrt/sources/text_source.hpp"

namespace fs = std::filesystem;

namespace smartcamrt {

const char* source_kind_name(SourceKind kind) {
  switch (kind) {
    case SourceKind::kVideo: return "video";
    case SourceKind::kImage: return "image";
    case SourceKind::kImageFolder: return "images";
    case SourceKind::kCamera: return "camera";
    case SourceKind::kStream: return "stream";
    case SourceKind::kText: return "text";
  }
  return "unknown";
}

namespace {

std::string lowercase_extension(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

bool is_image_file(const fs::path& path) {
  const std::string ext = lowercase_extension(path);
  static const std::vector<std::string> kImageSuffixes{".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"};
  return std::find(kImageSuffixes.begin(), kImageSuffixes.end(), ext) != kImageSuffixes.end();
}

// Why an image listed above does not decode, when the reason is the build: the engine's lean OpenCV
// (scripts/build-codecs.sh) has no WebP or TIFF decoder. Empty otherwise (a broken file).
std::string missing_decoder(const fs::path& file) {
  const std::string ext = lowercase_extension(file);
  const char* format = ext == ".webp" ? "WebP" : (ext == ".tif" || ext == ".tiff") ? "TIFF" : nullptr;
  // No API says whether a decoder is built in; the encoder comes from the same library (libwebp, libtiff).
  if (!format || cv::haveImageWriter(ext)) return "";
  return std::string(" (this build's OpenCV has no ") + format + " decoder: convert it to JPEG or PNG)";
}

bool is_all_digits(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool is_url(const std::string& spec) {
  for (const char* scheme : {"rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://"}) {
    if (spec.rfind(scheme, 0) == 0) return true;
  }
  return false;
}

// Images, one file or a sorted folder of them.
class ImageSource final : public FrameSource {
 public:
  ImageSource(const std::string& spec, std::vector<fs::path> files, SourceKind kind) : files_(std::move(files)) {
    info_.kind = kind;
    info_.spec = spec;
    info_.frame_count = static_cast<int64_t>(files_.size());
    const auto start = Clock::now();
    if (!load(0, first_)) {
      throw Error("source '" + spec + "': cannot decode image '" + files_[0].filename().string() + "'" +
                  missing_decoder(files_[0]));
    }
    first_.preread_ms = ms_between(start, Clock::now());
    info_.width = first_.image.cols;
    info_.height = first_.image.rows;
    have_first_ = true;
  }

  const SourceInfo& info() const override { return info_; }

  bool read(Frame& frame) override {
    if (have_first_) {
      frame = std::move(first_);
      have_first_ = false;
      next_ = 1;
      return true;
    }
    // An unreadable file inside a folder is skipped rather than ending the run.
    while (next_ < files_.size()) {
      if (load(next_++, frame)) return true;
    }
    return false;
  }

 private:
  bool load(size_t index, Frame& frame) const {
    frame.image = cv::imread(files_[index].string(), cv::IMREAD_COLOR);
    frame.index = static_cast<int64_t>(index);
    frame.name = files_[index].filename().string();
    frame.preread_ms = 0;
    return !frame.image.empty();
  }

  SourceInfo info_;
  std::vector<fs::path> files_;
  Frame first_;
  bool have_first_ = false;
  size_t next_ = 0;
};

// Video files, cameras and network streams, through OpenCV's VideoCapture.
class CaptureSource final : public FrameSource {
 public:
  CaptureSource(const std::string& spec, SourceKind kind) {
    info_.kind = kind;
    info_.spec = spec;
    std::string what = "source '" + spec + "'";
    if (kind == SourceKind::kCamera) {
      const int index = is_all_digits(spec) ? std::stoi(spec) : -1;
      const std::string device = index >= 0 ? "/dev/video" + std::to_string(index) : spec;
      what = "camera '" + spec + "'";
      if (!fs::exists(device)) throw Error(what + ": no such device " + device);
      if (index >= 0) {
        capture_.open(index, cv::CAP_V4L2);
      } else {
        capture_.open(device, cv::CAP_V4L2);
      }
      if (!capture_.isOpened()) throw Error(what + ": cannot open " + device + " (busy, or not a capture device)");
    } else {
      capture_.open(spec, cv::CAP_FFMPEG);
      if (!capture_.isOpened()) {
        throw Error(what + (kind == SourceKind::kStream ? ": cannot connect to the stream"
                                                        : ": cannot open as a video (not a video file, or a "
                                                          "container/codec FFmpeg cannot read)"));
      }
    }
    const auto start = Clock::now();
    if (!capture_.read(first_.image) || first_.image.empty()) {
      throw Error(what + ": no frame could be decoded (empty, truncated or corrupt)");
    }
    first_.preread_ms = ms_between(start, Clock::now());
    first_.index = 0;
    have_first_ = true;
    info_.width = first_.image.cols;
    info_.height = first_.image.rows;
    info_.fps = capture_.get(cv::CAP_PROP_FPS);
    if (!(info_.fps > 0 && info_.fps < 1000)) info_.fps = 0;
    if (kind == SourceKind::kVideo) {
      const double count = capture_.get(cv::CAP_PROP_FRAME_COUNT);
      info_.frame_count = count > 0 ? static_cast<int64_t>(count) : -1;
    }
  }

  const SourceInfo& info() const override { return info_; }

  bool read(Frame& frame) override {
    if (have_first_) {
      frame = std::move(first_);
      have_first_ = false;
      next_index_ = 1;
      return true;
    }
    if (!capture_.read(frame.image) || frame.image.empty()) return false;
    frame.index = next_index_++;
    frame.name.clear();
    frame.preread_ms = 0;
    return true;
  }

 private:
  SourceInfo info_;
  cv::VideoCapture capture_;
  Frame first_;
  bool have_first_ = false;
  int64_t next_index_ = 0;
};

}  // namespace

std::unique_ptr<FrameSource> open_source(const std::string& spec) {
  // OpenCV's own warnings would add lines to our one-line errors.
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
  if (spec.empty()) throw Error("--source: no source given");
  if (spec == "-") return open_text_source(spec);
  if (is_all_digits(spec) || spec.rfind("/dev/video", 0) == 0) {
    return std::make_unique<CaptureSource>(spec, SourceKind::kCamera);
  }
  if (is_url(spec)) return std::make_unique<CaptureSource>(spec, SourceKind::kStream);

  std::error_code ec;
  const fs::path path(spec);
  if (!fs::exists(path, ec)) throw Error("source '" + spec + "': no such file or folder");
  if (fs::is_directory(path, ec)) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      if (entry.is_regular_file() && is_image_file(entry.path())) files.push_back(entry.path());
    }
    if (files.empty()) throw Error("source '" + spec + "': folder holds no images (.jpg, .png, .bmp, .webp, .tif)");
    std::sort(files.begin(), files.end());
    return std::make_unique<ImageSource>(spec, std::move(files), SourceKind::kImageFolder);
  }
  if (fs::file_size(path, ec) == 0) throw Error("source '" + spec + "': file is empty");
  if (is_text_file(path.string())) return open_text_source(spec);
  if (is_image_file(path)) return std::make_unique<ImageSource>(spec, std::vector<fs::path>{path}, SourceKind::kImage);
  return std::make_unique<CaptureSource>(spec, SourceKind::kVideo);
}

}  // namespace smartcamrt
