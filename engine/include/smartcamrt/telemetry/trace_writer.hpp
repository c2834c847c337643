#pragma once
// Chrome trace-event JSON (opens in Perfetto and chrome://tracing): one complete ("X") span per
// stage per frame on a lane per thread, and counter ("C") events for the resource sampler.
// Events are streamed to the file as they come, so an interrupted run keeps its trace.
// Thread-safety: all methods may be called from any thread (one internal lock; tracing is opt-in).
#include <cstdio>
#include <mutex>
#include <string>

#include "smartcamrt/core/clock.hpp"
#include "smartcamrt/telemetry/system_sampler.hpp"

namespace smartcamrt {

enum class TraceLane { kCapture = 1, kInference = 2, kSinks = 3 };

class TraceWriter {
 public:
  TraceWriter(const std::string& path, Clock::time_point origin);  // throws Error when the file cannot be created
  ~TraceWriter();                                                  // closes the JSON array
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  void span(TraceLane lane, const char* name, Clock::time_point begin, Clock::time_point end, int64_t frame);
  void counters(Clock::time_point at, const ResourceSample& sample);
  void close();

 private:
  void emit(const std::string& event);
  double micros(Clock::time_point at) const;

  std::mutex mutex_;
  std::FILE* file_ = nullptr;
  Clock::time_point origin_;
  bool first_ = true;
};

}  // namespace smartcamrt
