#pragma once
// The sinks of one stream's run folder: frames.csv (every task) and the task's own files through its
// ResultSink (detections.jsonl + annotated output, predictions.jsonl). Used by the stream's sink
// thread only (not thread-safe).
#include <memory>
#include <string>
#include <vector>

#include "smartcamrt/sources/source.hpp"
#include "smartcamrt/tasks/task.hpp"
#include "smartcamrt/telemetry/frame_record.hpp"
#include "smartcamrt/telemetry/frames_csv.hpp"

namespace smartcamrt {

struct ProcessedFrame {
  FrameRecord record;
  std::unique_ptr<TaskResult> result;
  Frame item;  // the source's item; its image is empty when annotated output is off
};

class RunOutputs {
 public:
  // Creates the files; throws Error naming the file that cannot be created.
  RunOutputs(const std::string& out_dir, std::unique_ptr<ResultSink> task_sink);
  ~RunOutputs();
  void write(ProcessedFrame& frame);
  void close();
  std::vector<std::string> files() const;  // what this run wrote, for the summary

 private:
  std::unique_ptr<FramesCsvWriter> csv_;
  std::unique_ptr<ResultSink> task_sink_;
  std::vector<std::string> task_files_;
};

}  // namespace smartcamrt
