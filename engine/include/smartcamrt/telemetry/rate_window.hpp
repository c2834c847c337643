#pragma once
// Events per second over the most recent `capacity` events (FPS for the live status and metrics).
#include <cstddef>
#include <deque>

#include "smartcamrt/core/clock.hpp"

namespace smartcamrt {

class RateWindow {
 public:
  explicit RateWindow(size_t capacity = 100) : capacity_(capacity < 2 ? 2 : capacity) {}
  void tick(Clock::time_point at) {
    times_.push_back(at);
    if (times_.size() > capacity_) times_.pop_front();
  }
  double per_second() const {
    if (times_.size() < 2) return 0;
    const double span_s = ms_between(times_.front(), times_.back()) / 1000.0;
    return span_s > 0 ? static_cast<double>(times_.size() - 1) / span_s : 0;
  }

 private:
  size_t capacity_;
  std::deque<Clock::time_point> times_;
};

}  // namespace smartcamrt
