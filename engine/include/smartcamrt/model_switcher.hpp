#pragma once
// Hot switching of model and/or runtime while a run goes on. A request starts loading the next
// Detector on a background thread and warming it up (first inferences are slow in every runtime);
// the pipeline thread takes it between two frames, so no frame waits for the load.
//
// Thread-safety: request() and last_error() may be called from any thread; take_ready() and
// retire() by the pipeline thread only.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "smartcamrt/detector.hpp"

namespace smartcamrt {

struct SwitchRequest {
  std::string model_path;  // empty = keep the current model
  std::string runtime;     // empty = chosen by the model file's suffix
};

class ModelSwitcher {
 public:
  // `base` supplies everything a request does not change (thresholds, threads); `warmup_width` and
  // `warmup_height` size the blank warm-up frame (the source's frame size).
  ModelSwitcher(DetectorConfig base, int warmup_width, int warmup_height);
  ~ModelSwitcher();  // waits for a load in progress
  ModelSwitcher(const ModelSwitcher&) = delete;
  ModelSwitcher& operator=(const ModelSwitcher&) = delete;

  // Starts preparing; false (and nothing starts) while another switch is still being prepared.
  bool request(const SwitchRequest& request);
  // The prepared detector, once ready; nullptr otherwise. A failed preparation is reported once
  // through `failure` (one line) and leaves the current detector in place.
  std::unique_ptr<Detector> take_ready(std::string* failure);
  // Hands the replaced detector over so it is destroyed off the pipeline thread.
  void retire(std::unique_ptr<Detector> old);
  bool busy() const { return busy_.load(); }

 private:
  void join_worker();

  DetectorConfig base_;
  int warmup_width_, warmup_height_;
  std::mutex mutex_;
  std::unique_ptr<Detector> ready_;
  std::string failure_;
  std::atomic<bool> busy_{false};
  std::thread worker_;
  std::unique_ptr<Detector> retired_;
};

}  // namespace smartcamrt
