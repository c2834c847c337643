#pragma once
// The Task layer: what a model is for, above the runtimes. A task owns preprocess -> session ->
// postprocess for one kind of model (detection today; text classification next) and the writer of
// its results; the pipeline, telemetry, switching and the optimizer see only this interface, so no
// feature is a branch on the task kind.
//
// Model state and instance state (Triton's split): what a model is (ModelInfo: labels, input,
// precision, manifest facts) is read once and may be shared; a Task instance owns one Session and
// its buffers. Thread contract: one thread uses a Task at a time; run several streams with one Task
// each. Create() and the registry may be called from any thread.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "smartcamrt/backends/backend.hpp"
#include "smartcamrt/core/model_info.hpp"
#include "smartcamrt/sources/source.hpp"
#include "smartcamrt/telemetry/frame_record.hpp"

namespace smartcamrt {

// Options of the detection task (ignored by other tasks).
struct DetectionOptions {
  float conf_threshold = 0.25f;
  float iou_threshold = 0.45f;
  size_t max_det = 300;
};

struct TaskConfig {
  std::string model_path;
  std::string runtime;  // backend name; empty = chosen by the model file's suffix
  SessionOptions session;
  bool force = false;  // accept a model whose manifest records a failed parity check
  DetectionOptions detection;
};

struct StageTimes {
  double pre_ms = 0, infer_ms = 0, post_ms = 0;
};

// A task's answer for one item (a frame's detections, a text's label). Written by the task's sink.
class TaskResult {
 public:
  virtual ~TaskResult() = default;
  // What frames.csv's `detections` column counts: boxes for a detector, 1 for a classifier.
  virtual int count() const = 0;
  // What frames.csv's `input` column shows for this item when it differs per item ("seq23" for a
  // text of 23 tokens); empty = the model's input (ModelInfo::input).
  virtual std::string input() const { return {}; }
};

// The task's own files in a run folder (detections.jsonl + annotated output, predictions.jsonl).
// Used by one sink thread only.
class ResultSink {
 public:
  virtual ~ResultSink() = default;
  // `item` still holds the source's image or text; the sink may draw on the image.
  virtual void write(const FrameRecord& record, Frame& item, const TaskResult& result) = 0;
  virtual void close() = 0;
  virtual std::vector<std::string> files() const = 0;  // names relative to the run folder
};

struct SinkOptions {
  std::string out_dir;
  SourceInfo source;
  bool save_annotated = true;
  double segment_s = 10.0;  // length of each annotated video segment at the source's frame rate
};

class Task {
 public:
  virtual ~Task() = default;
  virtual const ModelInfo& info() const = 0;
  // Preprocess, infer, postprocess, each timed into `times`. Throws Error when the runtime fails.
  virtual std::unique_ptr<TaskResult> process(const Frame& item, StageTimes& times) = 0;
  // Untimed runs on a blank item, so the first recorded item does not carry lazy start-up.
  virtual void warm_up(const SourceInfo& source, int runs) = 0;
  virtual std::unique_ptr<ResultSink> open_sink(const SinkOptions& options) const = 0;
  // Whether this task consumes frames (images) or texts: the pipeline checks the source against it.
  virtual bool takes_images() const = 0;
};

// Task kinds by name ("detection", ...), each with its factory: looked up by the name in the model's
// manifest (`task`; a model without one is a detector, as every wave-1 export and third-party file).
class TaskRegistry {
 public:
  using Factory = std::function<std::unique_ptr<Task>(const TaskConfig&)>;
  static TaskRegistry& instance();
  void add(const std::string& name, Factory factory);
  std::vector<std::string> names() const;
  // Checks the model file and its manifest (parity, task) and creates the task; throws Error with
  // a one-line message naming the model and what is wrong.
  std::unique_ptr<Task> create(const TaskConfig& config) const;

 private:
  std::vector<std::pair<std::string, Factory>> factories_;
};

// Registers a task kind from a static initialiser in the task's own source file.
struct TaskRegistration {
  TaskRegistration(const std::string& name, TaskRegistry::Factory factory) {
    TaskRegistry::instance().add(name, std::move(factory));
  }
};

inline std::unique_ptr<Task> create_task(const TaskConfig& config) { return TaskRegistry::instance().create(config); }

}  // namespace smartcamrt
