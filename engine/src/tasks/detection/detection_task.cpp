#include "smartcamrt/tasks/detection/detection_task.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "smartcamrt/core/clock.hpp"
#include "smartcamrt/core/error.hpp"
#include "smartcamrt/tasks/detection/annotate.hpp"
#include "smartcamrt/tasks/detection/segmented_video.hpp"

namespace fs = std::filesystem;

namespace smartcamrt {
namespace {

double round3(double value) { return std::round(value * 1000.0) / 1000.0; }
double round2(double value) { return std::round(value * 100.0) / 100.0; }

// detections.jsonl and the annotated video in segments (video/camera/stream sources) or images (image
// sources), both under annotated/.
class DetectionSink : public ResultSink {
 public:
  DetectionSink(const SinkOptions& options, std::vector<std::string> labels)
      : source_(options.source), save_annotated_(options.save_annotated), labels_(std::move(labels)) {
    const std::string jsonl_path = (fs::path(options.out_dir) / "detections.jsonl").string();
    jsonl_ = std::fopen(jsonl_path.c_str(), "w");
    if (!jsonl_) throw Error("cannot create '" + jsonl_path + "': " + std::strerror(errno));
    if (!save_annotated_) return;
    const bool images = source_.kind == SourceKind::kImage || source_.kind == SourceKind::kImageFolder;
    const std::string annotated_dir = (fs::path(options.out_dir) / "annotated").string();
    if (images) {
      annotated_dir_ = annotated_dir;
      std::error_code ec;
      fs::create_directories(annotated_dir_, ec);
      if (ec) throw Error("cannot create '" + annotated_dir_ + "': " + ec.message());
    } else {
      video_ =
          std::make_unique<SegmentedVideoWriter>(annotated_dir, source_.fps, cv::Size(source_.width, source_.height),
                                                 frames_per_segment(options.segment_s, source_.fps));
    }
  }
  ~DetectionSink() override { close(); }

  void write(const FrameRecord& record, Frame& item, const TaskResult& result) override {
    const Detections& detections = static_cast<const DetectionResult&>(result).detections;
    const std::string line = detections_json_line(record, detections, labels_);
    std::fprintf(jsonl_, "%s\n", line.c_str());
    std::fflush(jsonl_);  // a killed run keeps every line written so far
    // The stream hands the image over only when someone wants it drawn: the annotated output, or a
    // live viewer (--serve) even with --no-save.
    if (item.image.empty()) return;
    draw_detections(item.image, detections, labels_);
    if (!save_annotated_) return;
    if (!annotated_dir_.empty()) {
      const std::string name = item.name.empty() ? std::to_string(record.frame) + ".jpg" : item.name;
      cv::imwrite((fs::path(annotated_dir_) / name).string(), item.image);
    } else if (video_ && item.image.cols == source_.width && item.image.rows == source_.height) {
      video_->write(item.image);
    }
  }

  void close() override {
    if (jsonl_) {
      std::fclose(jsonl_);
      jsonl_ = nullptr;
    }
    if (video_) video_->close();
  }

  std::vector<std::string> files() const override {
    std::vector<std::string> files{"detections.jsonl"};
    if (save_annotated_) files.push_back("annotated/");
    return files;
  }

 private:
  SourceInfo source_;
  bool save_annotated_;
  std::vector<std::string> labels_;
  std::FILE* jsonl_ = nullptr;
  std::unique_ptr<SegmentedVideoWriter> video_;  // video sources
  std::string annotated_dir_;
};

const TaskRegistration kRegistration("detection", DetectionTask::Create);

}  // namespace

DetectorConfig detector_config(const TaskConfig& config) {
  DetectorConfig detector;
  detector.model_path = config.model_path;
  detector.runtime = config.runtime;
  detector.session = config.session;
  detector.force = config.force;
  detector.conf_threshold = config.detection.conf_threshold;
  detector.iou_threshold = config.detection.iou_threshold;
  detector.max_det = config.detection.max_det;
  return detector;
}

std::unique_ptr<Task> DetectionTask::Create(const TaskConfig& config) {
  return std::unique_ptr<Task>(new DetectionTask(Detector::Create(detector_config(config))));
}

std::unique_ptr<TaskResult> DetectionTask::process(const Frame& item, StageTimes& times) {
  if (item.image.empty()) throw Error("detection: the item has no image (a text source given to a detector?)");
  const auto t_pre = Clock::now();
  const LetterboxMeta meta = detector_->preprocess(item.image);
  const auto t_infer = Clock::now();
  detector_->infer();
  const auto t_post = Clock::now();
  auto result = std::make_unique<DetectionResult>();
  result->detections = detector_->postprocess(meta);
  const auto t_done = Clock::now();
  times.pre_ms = ms_between(t_pre, t_infer);
  times.infer_ms = ms_between(t_infer, t_post);
  times.post_ms = ms_between(t_post, t_done);
  return result;
}

void DetectionTask::warm_up(const SourceInfo& source, int runs) {
  const cv::Mat blank(source.height > 0 ? source.height : 480, source.width > 0 ? source.width : 640, CV_8UC3,
                      cv::Scalar(114, 114, 114));
  for (int i = 0; i < runs; ++i) detector_->detect(blank);
}

std::unique_ptr<ResultSink> DetectionTask::open_sink(const SinkOptions& options) const {
  return std::make_unique<DetectionSink>(options, detector_->info().labels);
}

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

}  // namespace smartcamrt
