#pragma once
// Per-run statistics from the frame records: what summary.json holds and the end-of-run table shows.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "smartcamrt/core/stats.hpp"
#include "smartcamrt/telemetry/frame_record.hpp"

namespace smartcamrt {

struct RunEvent {
  int64_t frame = 0;
  double ts_ms = 0;
  std::string event;
};

// Accumulates per-frame figures (cheap: a few doubles per frame).
class RunStatistics {
 public:
  void add(const FrameRecord& record);
  size_t processed() const { return processed_; }
  std::map<std::string, Stats> stages() const;     // capture_ms, pre_ms, infer_ms, post_ms, e2e_ms, queue_ms
  std::map<std::string, Stats> resources() const;  // cpu_proc_pct, rss_mb (where sampled)
  const std::vector<RunEvent>& events() const { return events_; }

 private:
  size_t processed_ = 0;
  std::map<std::string, std::vector<double>> stages_, resources_;
  std::vector<RunEvent> events_;
};

}  // namespace smartcamrt
