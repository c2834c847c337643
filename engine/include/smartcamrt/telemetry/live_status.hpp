#pragma once
// One status line while a run goes on (FPS, p50/p95 end-to-end latency over the last frames, drops,
// CPU, RSS, model/runtime), redrawn at most twice a second, and only when the output is a terminal.
#include <cstdint>
#include <cstdio>
#include <deque>
#include <string>

#include "smartcamrt/core/clock.hpp"
#include "smartcamrt/telemetry/frame_record.hpp"
#include "smartcamrt/telemetry/rate_window.hpp"

namespace smartcamrt {

class LiveStatus {
 public:
  // enabled = false makes every call a no-op; use for_stdout() for the terminal check.
  LiveStatus(std::FILE* out, bool enabled);
  static LiveStatus for_stdout();

  void update(const FrameRecord& record);
  void finish();  // ends the line so the next output starts clean
  // The text of the line for the current window (exposed for tests).
  std::string render(const FrameRecord& latest) const;

 private:
  std::FILE* out_;
  bool enabled_;
  bool drawn_ = false;
  Clock::time_point last_draw_{};
  std::deque<double> e2e_window_;
  RateWindow rate_;
};

}  // namespace smartcamrt
