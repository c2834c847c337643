#pragma once
// What the live view shows of one stream: its newest annotated frame (a FrameHub) and its recent
// figures (FPS, end-to-end p50/p95 over the last seconds, share within the SLO, drops, the model in
// use), fed by the stream itself.
//
// Thread contract: wants_image() from the stream's task thread; publish() from its sink thread, one
// record at a time in processing order; figures() and hub() from any thread. publish() takes a short
// lock and never waits for a viewer.
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "smartcamrt/core/clock.hpp"
#include "smartcamrt/serve/frame_hub.hpp"
#include "smartcamrt/telemetry/frame_record.hpp"

namespace smartcamrt {

struct StreamFigures {
  int stream = 0;
  std::string source;  // credentials in a URL are masked
  int64_t processed = 0, dropped = 0;
  int64_t last_frame = -1;  // -1 = none yet
  double fps = 0;           // items finished per second over the window
  std::optional<double> e2e_p50_ms, e2e_p95_ms;
  std::optional<double> within_slo;  // share of the window's items answered within the SLO; drops are misses
  std::string model, runtime, precision;
  int viewers = 0;
  std::vector<double> window_e2e_ms;  // the window's e2e times, sorted: the run-wide figures pool them
};

class StreamFeed {
 public:
  static constexpr double kWindowS = 5.0;  // the figures cover this many recent seconds

  // `slo_ms` <= 0: no SLO figures.
  StreamFeed(int stream, const std::string& source, double slo_ms, FrameHubOptions hub_options = {});

  // Whether the stream should keep and annotate its image for the view (a viewer is connected).
  bool wants_image() const { return hub_.wanted(); }
  // One processed item; `image` (the annotated frame, may be empty) is taken when a viewer wants it.
  void publish(const FrameRecord& record, cv::Mat& image);
  StreamFigures figures() const;
  FrameHub& hub() { return hub_; }
  const FrameHub& hub() const { return hub_; }

 private:
  struct Entry {
    Clock::time_point at;
    double e2e_ms;
    int64_t dropped;  // cumulative, as in the record
  };
  const int stream_;
  const std::string source_;
  const double slo_ms_;
  FrameHub hub_;
  mutable std::mutex mutex_;
  std::deque<Entry> window_;
  int64_t processed_ = 0, dropped_ = 0, last_frame_ = -1;
  int64_t dropped_before_window_ = 0;  // cumulative drops of the last entry that left the window
  std::string model_, runtime_, precision_;
  Clock::time_point first_{};
};

// "rtsp://user:secret@cam/stream" -> "rtsp://***@cam/stream": the view is no place for passwords.
std::string mask_credentials(const std::string& source);

}  // namespace smartcamrt
