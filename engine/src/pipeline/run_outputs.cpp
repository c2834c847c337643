#include "run_outputs.hpp"

#include <filesystem>

namespace fs = std::filesystem;

namespace smartcamrt {

RunOutputs::RunOutputs(const std::string& out_dir, std::unique_ptr<ResultSink> task_sink)
    : csv_(std::make_unique<FramesCsvWriter>((fs::path(out_dir) / "frames.csv").string())),
      task_sink_(std::move(task_sink)),
      task_files_(task_sink_->files()) {}

RunOutputs::~RunOutputs() { close(); }

void RunOutputs::write(ProcessedFrame& frame) {
  csv_->write(frame.record);
  task_sink_->write(frame.record, frame.item, *frame.result);
}

void RunOutputs::close() {
  csv_.reset();
  if (task_sink_) task_sink_->close();
}

std::vector<std::string> RunOutputs::files() const {
  std::vector<std::string> files{"frames.csv"};
  files.insert(files.end(), task_files_.begin(), task_files_.end());
  files.push_back("summary.json");
  return files;
}

}  // namespace smartcamrt
