#include "smartcamrt/telemetry/live_status.hpp"

#include <unistd.h>

#include <algorithm>
#include <vector>

#include "smartcamrt/core/stats.hpp"

namespace smartcamrt {
namespace {
constexpr size_t kWindow = 100;                              // frames in the rolling latency window
constexpr auto kMinRedraw = std::chrono::milliseconds(500);  // at most twice a second
}  // namespace

LiveStatus::LiveStatus(std::FILE* out, bool enabled) : out_(out), enabled_(enabled), rate_(kWindow) {}

LiveStatus LiveStatus::for_stdout() { return LiveStatus(stdout, isatty(STDOUT_FILENO) == 1); }

std::string LiveStatus::render(const FrameRecord& latest) const {
  std::vector<double> sorted(e2e_window_.begin(), e2e_window_.end());
  std::sort(sorted.begin(), sorted.end());
  const double fps = rate_.per_second();
  char line[256];
  std::snprintf(line, sizeof(line), "frame %lld  %.1f FPS  e2e p50 %.1f p95 %.1f ms  drops %lld  cpu %s  rss %s  %s/%s",
                static_cast<long long>(latest.frame), fps, sorted.empty() ? 0.0 : percentile_sorted(sorted, 0.5),
                sorted.empty() ? 0.0 : percentile_sorted(sorted, 0.95), static_cast<long long>(latest.dropped),
                latest.cpu_proc_pct ? (std::to_string(static_cast<int>(*latest.cpu_proc_pct)) + "%").c_str() : "-",
                latest.rss_mb ? (std::to_string(static_cast<int>(*latest.rss_mb)) + "MiB").c_str() : "-",
                latest.model.c_str(), latest.runtime.c_str());
  return line;
}

void LiveStatus::update(const FrameRecord& record) {
  if (!enabled_) return;
  const auto now = Clock::now();
  e2e_window_.push_back(record.e2e_ms);
  rate_.tick(now);
  if (e2e_window_.size() > kWindow) e2e_window_.pop_front();
  if (drawn_ && now - last_draw_ < kMinRedraw) return;
  std::fprintf(out_, "\r\033[K%s", render(record).c_str());
  std::fflush(out_);
  drawn_ = true;
  last_draw_ = now;
}

void LiveStatus::finish() {
  if (enabled_ && drawn_) {
    std::fprintf(out_, "\n");
    std::fflush(out_);
  }
  drawn_ = false;
}

}  // namespace smartcamrt
