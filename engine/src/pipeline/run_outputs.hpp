#pragma once
// The sinks of one run: frames.csv, detections.jsonl and the annotated video or images. Used by
// the pipeline's sink thread only (not thread-safe).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>

#include "smartcamrt/detection.hpp"
#include "smartcamrt/frame_record.hpp"
#include "smartcamrt/frames_csv.hpp"
#include "smartcamrt/source.hpp"

namespace smartcamrt {

struct ProcessedFrame {
  FrameRecord record;
  Detections detections;
  cv::Mat image;     // empty when annotated output is off
  std::string name;  // source image file name, for image sources
};

std::string detections_json_line(const FrameRecord& record, const Detections& detections,
                                 const std::vector<std::string>& labels);

class RunOutputs {
 public:
  // Creates the files; throws Error naming the file that cannot be created.
  RunOutputs(const std::string& out_dir, const SourceInfo& source, bool save_annotated,
             std::vector<std::string> labels);
  ~RunOutputs();
  void write(ProcessedFrame& frame);
  void close();
  std::vector<std::string> files() const;  // what this run wrote, for the summary

 private:
  std::string out_dir_;
  SourceInfo source_;
  bool save_annotated_;
  std::vector<std::string> labels_;
  std::unique_ptr<FramesCsvWriter> csv_;
  std::FILE* jsonl_ = nullptr;
  cv::VideoWriter video_;
  std::string annotated_dir_;
};

}  // namespace smartcamrt
