#include "smartcamrt/model_switcher.hpp"

#include <exception>

#include "smartcamrt/error.hpp"

namespace smartcamrt {
namespace {
constexpr int kWarmupRuns = 2;  // first runs allocate arenas, pick kernels, spin up thread pools
}

ModelSwitcher::ModelSwitcher(DetectorConfig base, int warmup_width, int warmup_height)
    : base_(std::move(base)),
      warmup_width_(warmup_width > 0 ? warmup_width : 640),
      warmup_height_(warmup_height > 0 ? warmup_height : 480) {}

ModelSwitcher::~ModelSwitcher() { join_worker(); }

void ModelSwitcher::join_worker() {
  if (worker_.joinable()) worker_.join();
}

bool ModelSwitcher::request(const SwitchRequest& request) {
  bool expected = false;
  if (!busy_.compare_exchange_strong(expected, true)) return false;
  join_worker();  // the previous worker has finished (busy_ was false): reap it
  DetectorConfig config = base_;
  if (!request.model_path.empty()) config.model_path = request.model_path;
  config.runtime = request.runtime;
  worker_ = std::thread([this, config] {
    std::unique_ptr<Detector> prepared;
    std::string failure;
    try {
      prepared = Detector::Create(config);
      const cv::Mat blank(warmup_height_, warmup_width_, CV_8UC3, cv::Scalar(114, 114, 114));
      for (int i = 0; i < kWarmupRuns; ++i) prepared->detect(blank);
    } catch (const std::exception& e) {
      failure = first_line(e.what());
      prepared.reset();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    ready_ = std::move(prepared);
    failure_ = failure;
    if (!ready_ && failure_.empty()) failure_ = "unknown failure";
    retired_.reset();  // destroy the detector replaced last time, here rather than on the pipeline thread
  });
  return true;
}

std::unique_ptr<Detector> ModelSwitcher::take_ready(std::string* failure) {
  if (!busy_.load()) return nullptr;
  std::lock_guard<std::mutex> lock(mutex_);
  if (!ready_ && failure_.empty()) return nullptr;  // still preparing
  if (!ready_ && failure) *failure = failure_;
  failure_.clear();
  busy_.store(false);
  return std::move(ready_);
}

void ModelSwitcher::retire(std::unique_ptr<Detector> old) {
  std::lock_guard<std::mutex> lock(mutex_);
  retired_ = std::move(old);  // freed by the next preparation, or by the destructor
}

}  // namespace smartcamrt
