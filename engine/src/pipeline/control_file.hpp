#pragma once
// --control FILE: a run watches FILE (polled every 200 ms) and acts when its content changes.
// Write one line, for example
//     model=/models/yolov5n-320.onnx runtime=ort
//     runtime=litert model=/models/yolov5n-640.tflite
//     stop
// Content present before the run starts is ignored; only later changes count.
#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "smartcamrt/pipeline/run_control.hpp"

namespace smartcamrt {

// Parses one control command; throws Error naming the bad token.
struct ControlCommand {
  bool stop = false;
  std::optional<SwitchRequest> switch_request;
};
ControlCommand parse_control_command(const std::string& text);

class ControlFileWatcher {
 public:
  ControlFileWatcher(std::string path, RunControl& control);
  ~ControlFileWatcher();
  ControlFileWatcher(const ControlFileWatcher&) = delete;
  ControlFileWatcher& operator=(const ControlFileWatcher&) = delete;

 private:
  void loop();
  std::string path_;
  RunControl& control_;
  std::atomic<bool> stopping_{false};
  std::filesystem::file_time_type last_write_{};
  std::thread thread_;
};

}  // namespace smartcamrt
