#include "smartcamrt/serve/stream_feed.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "smartcamrt/core/stats.hpp"

namespace smartcamrt {
namespace {

constexpr size_t kMaxEntries = 4096;  // bounds the window however fast the stream runs

}  // namespace

std::string mask_credentials(const std::string& source) {
  const size_t scheme = source.find("://");
  if (scheme == std::string::npos) return source;
  const size_t host_start = scheme + 3;
  const size_t path = source.find('/', host_start);
  const size_t at = source.rfind('@', path == std::string::npos ? std::string::npos : path);
  if (at == std::string::npos || at < host_start) return source;
  return source.substr(0, host_start) + "***" + source.substr(at);
}

StreamFeed::StreamFeed(int stream, const std::string& source, double slo_ms, FrameHubOptions hub_options)
    : stream_(stream), source_(mask_credentials(source)), slo_ms_(slo_ms), hub_(hub_options) {}

void StreamFeed::publish(const FrameRecord& record, cv::Mat& image) {
  const Clock::time_point now = Clock::now();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (processed_ == 0) first_ = now;
    ++processed_;
    dropped_ = record.dropped;
    last_frame_ = record.frame;
    if (model_ != record.model) model_ = record.model;  // the model changes only on a switch: no copy per frame
    if (runtime_ != record.runtime) runtime_ = record.runtime;
    if (precision_ != record.precision) precision_ = record.precision;
    window_.push_back({now, record.e2e_ms, record.dropped});
    const Clock::time_point horizon =
        now - std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(kWindowS));
    while (!window_.empty() && (window_.front().at < horizon || window_.size() > kMaxEntries)) {
      dropped_before_window_ = window_.front().dropped;
      window_.pop_front();
    }
  }
  if (!image.empty() && hub_.wanted()) hub_.publish(std::move(image), record.frame);
}

StreamFigures StreamFeed::figures() const {
  StreamFigures f;
  f.stream = stream_;
  f.source = source_;
  f.viewers = hub_.viewers();
  const Clock::time_point now = Clock::now();
  const Clock::time_point horizon =
      now - std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(kWindowS));
  std::vector<double> e2e;
  int64_t dropped_before = 0;  // cumulative drops when the window began
  Clock::time_point first;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    f.processed = processed_;
    f.dropped = dropped_;
    f.last_frame = last_frame_;
    f.model = model_;
    f.runtime = runtime_;
    f.precision = precision_;
    first = first_;
    dropped_before = dropped_before_window_;
    for (const Entry& entry : window_) {
      if (entry.at < horizon) {  // aged out since the last publish: it only moves the baseline
        dropped_before = entry.dropped;
        continue;
      }
      e2e.push_back(entry.e2e_ms);
    }
  }
  if (e2e.empty()) return f;
  // Over the window, or over the time since the first item when the stream is younger than that.
  const double span_s = std::min(kWindowS, std::max(1e-3, ms_between(first, now) / 1000.0));
  f.fps = static_cast<double>(e2e.size()) / span_s;
  const double drops_in_window = static_cast<double>(std::max<int64_t>(0, f.dropped - dropped_before));
  if (slo_ms_ > 0) {
    const auto within = std::count_if(e2e.begin(), e2e.end(), [&](double ms) { return ms <= slo_ms_; });
    f.within_slo = static_cast<double>(within) / (static_cast<double>(e2e.size()) + drops_in_window);
  }
  std::sort(e2e.begin(), e2e.end());
  f.e2e_p50_ms = percentile_sorted(e2e, 0.50);
  f.e2e_p95_ms = percentile_sorted(e2e, 0.95);
  f.window_e2e_ms = std::move(e2e);
  return f;
}

}  // namespace smartcamrt
