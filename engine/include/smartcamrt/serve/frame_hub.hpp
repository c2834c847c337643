#pragma once
// The newest annotated frame of one stream, handed to the live view's MJPEG viewers.
//
// The pipeline must never wait for a viewer, so the hub holds one frame, the newest: publishing
// replaces it and wakes the viewers, and a viewer that was busy sending gets the newest frame next;
// the frames it missed are dropped for it alone. Nothing queues, however slow a viewer is.
//
// Cost: without a viewer connected, publish() drops the image at once (the stream does not even
// hand images over: see wanted()). With viewers, each kept frame is JPEG-encoded at most once, by
// the first viewer thread that sends it (never on the pipeline's threads), and only if a viewer
// asks for it; max_fps caps how many frames are kept per second, so the encoding cost stays bounded
// however fast the pipeline runs.
//
// Thread contract: publish() from one thread (the stream's sink thread); wanted(), wait_newer(),
// Viewer, close() and the counters from any thread.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include <opencv2/core.hpp>

#include "smartcamrt/core/clock.hpp"

namespace smartcamrt {

struct FrameHubOptions {
  double max_fps = 15;    // frames kept per second at most; 0 = every frame
  int jpeg_quality = 80;  // 1-100
};

// One published frame. Immutable once published, except for its lazily made JPEG.
class HubFrame {
 public:
  HubFrame(uint64_t sequence, int64_t frame, cv::Mat image, int quality,
           std::shared_ptr<std::atomic<uint64_t>> encoded);
  uint64_t sequence() const { return sequence_; }  // 1, 2, ... in publishing order
  int64_t frame() const { return frame_; }         // the source's frame index
  // The JPEG bytes: the first caller encodes, the others wait for it and share the result.
  const std::string& jpeg() const;

 private:
  uint64_t sequence_;
  int64_t frame_;
  int quality_;
  std::shared_ptr<std::atomic<uint64_t>> encoded_;
  mutable std::once_flag once_;
  mutable cv::Mat image_;  // released once encoded
  mutable std::string jpeg_;
};

class FrameHub {
 public:
  explicit FrameHub(FrameHubOptions options = {});
  FrameHub(const FrameHub&) = delete;
  FrameHub& operator=(const FrameHub&) = delete;

  // Whether a viewer is connected: the stream hands images over (and draws them) only then.
  bool wanted() const { return viewers_.load() > 0 && !closed(); }
  // Takes the annotated image of source frame `frame`. Returns whether it was kept: not without a
  // viewer, nor sooner than 1/max_fps after the last kept frame, nor after close().
  bool publish(cv::Mat image, int64_t frame);

  // Waits for a frame newer than sequence `after` (0 = any). Null when the timeout passes first or
  // the hub is closed (closed() tells which).
  std::shared_ptr<const HubFrame> wait_newer(uint64_t after, std::chrono::milliseconds timeout) const;
  // Wakes every waiting viewer; later waits return null at once and publish() keeps nothing.
  void close();
  bool closed() const { return closed_.load(); }

  // A connected viewer, counted while it lives.
  class Viewer {
   public:
    explicit Viewer(FrameHub& hub) : hub_(hub) { hub_.viewers_.fetch_add(1); }
    ~Viewer() { hub_.viewers_.fetch_sub(1); }
    Viewer(const Viewer&) = delete;
    Viewer& operator=(const Viewer&) = delete;

   private:
    FrameHub& hub_;
  };

  int viewers() const { return viewers_.load(); }
  uint64_t kept() const { return kept_.load(); }  // frames published and kept
  uint64_t encoded() const { return encoded_->load(); }

 private:
  FrameHubOptions options_;
  Clock::duration min_interval_{};
  Clock::time_point last_kept_{};  // publisher's thread only
  std::atomic<int> viewers_{0};
  std::atomic<bool> closed_{false};
  std::atomic<uint64_t> kept_{0};
  std::shared_ptr<std::atomic<uint64_t>> encoded_;  // shared with the frames, which may outlive a wait
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::shared_ptr<const HubFrame> latest_;
};

}  // namespace smartcamrt
