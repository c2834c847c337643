#pragma once
// Steering a run from outside the pipeline thread: switch model/runtime, or stop. The library API
// (hand a RunControl to RunConfig) and the control file (--control FILE) both end here.
// Thread-safety: every method may be called from any thread.
#include <atomic>
#include <mutex>
#include <optional>

#include "smartcamrt/optimizer/model_switcher.hpp"

namespace smartcamrt {

class RunControl {
 public:
  // The latest request wins if several arrive before the pipeline takes one.
  void request_switch(const SwitchRequest& request) {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_ = request;
  }
  std::optional<SwitchRequest> take_switch() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::optional<SwitchRequest> request = std::move(pending_);
    pending_.reset();
    return request;
  }
  void request_stop() { stop_.store(true); }
  bool stop_requested() const { return stop_.load(); }

 private:
  std::mutex mutex_;
  std::optional<SwitchRequest> pending_;
  std::atomic<bool> stop_{false};
};

}  // namespace smartcamrt
