#include "smartcamrt/telemetry/trace_writer.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "smartcamrt/core/error.hpp"

namespace smartcamrt {

TraceWriter::TraceWriter(const std::string& path, Clock::time_point origin) : origin_(origin) {
  file_ = std::fopen(path.c_str(), "w");
  if (!file_) throw Error("--trace '" + path + "': cannot create the file: " + std::strerror(errno));
  std::fputs("{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n", file_);
  const int pid = static_cast<int>(getpid());
  for (const auto& [lane, name] : {std::pair<int, const char*>{1, "capture"}, {2, "inference"}, {3, "sinks"}}) {
    char event[160];
    std::snprintf(event, sizeof(event),
                  R"({"ph": "M", "name": "thread_name", "pid": %d, "tid": %d, "args": {"name": "%s"}})", pid, lane,
                  name);
    emit(event);
  }
}

TraceWriter::~TraceWriter() { close(); }

double TraceWriter::micros(Clock::time_point at) const {
  return std::chrono::duration<double, std::micro>(at - origin_).count();
}

void TraceWriter::emit(const std::string& event) {
  if (!file_) return;
  std::fputs(first_ ? "  " : ",\n  ", file_);
  std::fputs(event.c_str(), file_);
  first_ = false;
}

void TraceWriter::span(TraceLane lane, const char* name, Clock::time_point begin, Clock::time_point end,
                       int64_t frame) {
  char event[256];
  std::snprintf(
      event, sizeof(event),
      R"({"ph": "X", "name": "%s", "cat": "stage", "pid": %d, "tid": %d, "ts": %.1f, "dur": %.1f, "args": {"frame": %lld}})",
      name, static_cast<int>(getpid()), static_cast<int>(lane), micros(begin), micros(end) - micros(begin),
      static_cast<long long>(frame));
  std::lock_guard<std::mutex> lock(mutex_);
  emit(event);
}

void TraceWriter::counters(Clock::time_point at, const ResourceSample& sample) {
  std::string args;
  const auto add = [&](const char* key, const std::optional<double>& value) {
    if (!value) return;
    char text[64];
    std::snprintf(text, sizeof(text), "%s\"%s\": %.3f", args.empty() ? "" : ", ", key, *value);
    args += text;
  };
  add("cpu_proc_pct", sample.cpu_proc_pct);
  add("cpu_sys_pct", sample.cpu_sys_pct);
  add("rss_mb", sample.rss_mb);
  add("gpu_util_pct", sample.gpu_util_pct);
  add("gpu_mem_mb", sample.gpu_mem_mb);
  if (args.empty()) return;
  char head[128];
  std::snprintf(head, sizeof(head), R"({"ph": "C", "name": "resources", "pid": %d, "ts": %.1f, "args": {)",
                static_cast<int>(getpid()), micros(at));
  std::lock_guard<std::mutex> lock(mutex_);
  emit(std::string(head) + args + "}}");
}

void TraceWriter::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!file_) return;
  std::fputs("\n]}\n", file_);
  std::fclose(file_);
  file_ = nullptr;
}

}  // namespace smartcamrt
