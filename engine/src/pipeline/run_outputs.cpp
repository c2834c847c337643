#include "run_outputs.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "smartcamrt/annotate.hpp"
#include "smartcamrt/error.hpp"

namespace fs = std::filesystem;

namespace smartcamrt {
namespace {

double round3(double value) { return std::round(value * 1000.0) / 1000.0; }
double round2(double value) { return std::round(value * 100.0) / 100.0; }

}  // namespace

std::string detections_json_line(const FrameRecord& record, const Detections& detections,
                                 const std::vector<std::string>& labels) {
  nlohmann::json line;
  line["frame"] = record.frame;
  line["ts_ms"] = round3(record.ts_ms);
  auto& list = line["detections"] = nlohmann::json::array();
  for (const Detection& d : detections) {
    const size_t id = static_cast<size_t>(d.class_id);
    list.push_back({{"box", {round2(d.box.x1), round2(d.box.y1), round2(d.box.x2), round2(d.box.y2)}},
                    {"class_id", d.class_id},
                    {"class", id < labels.size() ? labels[id] : std::to_string(d.class_id)},
                    {"score", std::round(d.score * 10000.0) / 10000.0}});
  }
  return line.dump();
}

RunOutputs::RunOutputs(const std::string& out_dir, const SourceInfo& source, bool save_annotated,
                       std::vector<std::string> labels)
    : out_dir_(out_dir), source_(source), save_annotated_(save_annotated), labels_(std::move(labels)) {
  csv_ = std::make_unique<FramesCsvWriter>((fs::path(out_dir) / "frames.csv").string());
  const std::string jsonl_path = (fs::path(out_dir) / "detections.jsonl").string();
  jsonl_ = std::fopen(jsonl_path.c_str(), "w");
  if (!jsonl_) throw Error("cannot create '" + jsonl_path + "': " + std::strerror(errno));
  if (!save_annotated_) return;
  const bool images = source.kind == SourceKind::kImage || source.kind == SourceKind::kImageFolder;
  if (images) {
    annotated_dir_ = (fs::path(out_dir) / "annotated").string();
    std::error_code ec;
    fs::create_directories(annotated_dir_, ec);
    if (ec) throw Error("cannot create '" + annotated_dir_ + "': " + ec.message());
  } else {
    const std::string video_path = (fs::path(out_dir) / "annotated.mp4").string();
    const double fps = source.fps > 0 ? source.fps : 30.0;
    video_.open(video_path, cv::VideoWriter::fourcc('m', 'p', '4', 'v'), fps, cv::Size(source.width, source.height));
    if (!video_.isOpened()) {
      throw Error("cannot create '" + video_path + "' (no MPEG-4 encoder in OpenCV's FFmpeg?); pass --no-save");
    }
  }
}

RunOutputs::~RunOutputs() { close(); }

void RunOutputs::write(ProcessedFrame& frame) {
  csv_->write(frame.record);
  const std::string line = detections_json_line(frame.record, frame.detections, labels_);
  std::fprintf(jsonl_, "%s\n", line.c_str());
  std::fflush(jsonl_);
  if (!save_annotated_ || frame.image.empty()) return;
  draw_detections(frame.image, frame.detections, labels_);
  if (!annotated_dir_.empty()) {
    const std::string name = frame.name.empty() ? std::to_string(frame.record.frame) + ".jpg" : frame.name;
    cv::imwrite((fs::path(annotated_dir_) / name).string(), frame.image);
  } else if (frame.image.cols == source_.width && frame.image.rows == source_.height) {
    video_.write(frame.image);
  }
}

void RunOutputs::close() {
  csv_.reset();
  if (jsonl_) {
    std::fclose(jsonl_);
    jsonl_ = nullptr;
  }
  if (video_.isOpened()) video_.release();
}

std::vector<std::string> RunOutputs::files() const {
  std::vector<std::string> files{"frames.csv", "detections.jsonl", "summary.json"};
  if (save_annotated_) files.push_back(annotated_dir_.empty() ? "annotated.mp4" : "annotated/");
  return files;
}

}  // namespace smartcamrt
