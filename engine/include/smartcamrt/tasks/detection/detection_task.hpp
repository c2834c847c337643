#pragma once
// The detection task: a Detector (letterbox -> session -> YOLOv5 decode -> NMS) behind the Task
// interface, and its sink: detections.jsonl plus the annotated video or images.
// Thread contract: as Task (one thread per instance); the sink is used by one sink thread.
#include <memory>
#include <string>
#include <vector>

#include "smartcamrt/tasks/detection/detection.hpp"
#include "smartcamrt/tasks/detection/detector.hpp"
#include "smartcamrt/tasks/task.hpp"

namespace smartcamrt {

struct DetectionResult : TaskResult {
  Detections detections;
  int count() const override { return static_cast<int>(detections.size()); }
};

DetectorConfig detector_config(const TaskConfig& config);

class DetectionTask : public Task {
 public:
  static std::unique_ptr<Task> Create(const TaskConfig& config);

  const ModelInfo& info() const override { return detector_->info(); }
  std::unique_ptr<TaskResult> process(const Frame& item, StageTimes& times) override;
  void warm_up(const SourceInfo& source, int runs) override;
  std::unique_ptr<ResultSink> open_sink(const SinkOptions& options) const override;
  bool takes_images() const override { return true; }

 private:
  explicit DetectionTask(std::unique_ptr<Detector> detector) : detector_(std::move(detector)) {}
  std::unique_ptr<Detector> detector_;
};

// One detections.jsonl line: {"frame", "ts_ms", "detections": [{"box", "class_id", "class", "score"}]}.
std::string detections_json_line(const FrameRecord& record, const Detections& detections,
                                 const std::vector<std::string>& labels);

}  // namespace smartcamrt
