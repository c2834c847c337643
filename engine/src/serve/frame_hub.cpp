#include "smartcamrt/serve/frame_hub.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include <opencv2/imgcodecs.hpp>

namespace smartcamrt {

HubFrame::HubFrame(uint64_t sequence, int64_t frame, cv::Mat image, int quality,
                   std::shared_ptr<std::atomic<uint64_t>> encoded)
    : sequence_(sequence), frame_(frame), quality_(quality), encoded_(std::move(encoded)), image_(std::move(image)) {}

const std::string& HubFrame::jpeg() const {
  std::call_once(once_, [this] {
    std::vector<uchar> bytes;
    cv::imencode(".jpg", image_, bytes, {cv::IMWRITE_JPEG_QUALITY, quality_});
    jpeg_.assign(bytes.begin(), bytes.end());
    image_.release();  // only the JPEG is needed from now on
    encoded_->fetch_add(1);
  });
  return jpeg_;
}

FrameHub::FrameHub(FrameHubOptions options) : options_(options), encoded_(std::make_shared<std::atomic<uint64_t>>(0)) {
  options_.jpeg_quality = std::clamp(options_.jpeg_quality, 1, 100);
  if (options_.max_fps > 0) {
    min_interval_ = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / options_.max_fps));
  }
}

bool FrameHub::publish(cv::Mat image, int64_t frame) {
  if (image.empty() || !wanted()) return false;
  const Clock::time_point now = Clock::now();
  if (kept_.load() > 0 && now - last_kept_ < min_interval_) return false;
  last_kept_ = now;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const uint64_t sequence = latest_ ? latest_->sequence() + 1 : 1;
    // Only a pointer swap under the lock: the frame it replaces is freed by its last viewer.
    latest_ = std::make_shared<const HubFrame>(sequence, frame, std::move(image), options_.jpeg_quality, encoded_);
  }
  kept_.fetch_add(1);
  changed_.notify_all();
  return true;
}

std::shared_ptr<const HubFrame> FrameHub::wait_newer(uint64_t after, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return closed() || (latest_ && latest_->sequence() > after); });
  if (closed() || !latest_ || latest_->sequence() <= after) return nullptr;
  return latest_;
}

void FrameHub::close() {
  {
    // Under the lock, so that a viewer between its check and its wait cannot miss the wake-up.
    std::lock_guard<std::mutex> lock(mutex_);
    closed_.store(true);
  }
  changed_.notify_all();
}

}  // namespace smartcamrt
