#include "smartcamrt/telemetry/frames_csv.hpp"

#include <cerrno>
#include <cstring>

#include "smartcamrt/core/error.hpp"

namespace smartcamrt {

const char* const kFramesCsvHeader =
    "run_id,stream,frame,ts_ms,model,runtime,precision,input,capture_ms,pre_ms,infer_ms,post_ms,e2e_ms,"
    "queue_ms,dropped,detections,cpu_proc_pct,cpu_sys_pct,rss_mb,gpu_util_pct,gpu_mem_mb,event";

namespace {

void append_number(std::string& row, double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.3f", value);
  row += text;
}

void append_optional(std::string& row, const std::optional<double>& value) {
  if (value) append_number(row, *value);
}

// RFC 4180: quote a field holding a comma, quote or newline, doubling inner quotes.
void append_text(std::string& row, const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) {
    row += text;
    return;
  }
  row += '"';
  for (char c : text) {
    if (c == '"') row += '"';
    row += c;
  }
  row += '"';
}

}  // namespace

std::string FramesCsvWriter::format_row(const FrameRecord& r) {
  std::string row;
  row.reserve(256);
  append_text(row, r.run_id);
  row += ',' + std::to_string(r.stream) + ',' + std::to_string(r.frame) + ',';
  append_number(row, r.ts_ms);
  for (const std::string* text : {&r.model, &r.runtime, &r.precision, &r.input}) {
    row += ',';
    append_text(row, *text);
  }
  for (double value : {r.capture_ms, r.pre_ms, r.infer_ms, r.post_ms, r.e2e_ms, r.queue_ms}) {
    row += ',';
    append_number(row, value);
  }
  row += ',' + std::to_string(r.dropped) + ',' + std::to_string(r.detections);
  for (const auto* value : {&r.cpu_proc_pct, &r.cpu_sys_pct, &r.rss_mb, &r.gpu_util_pct, &r.gpu_mem_mb}) {
    row += ',';
    append_optional(row, *value);
  }
  row += ',';
  append_text(row, r.event);
  return row;
}

FramesCsvWriter::FramesCsvWriter(const std::string& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "w");
  if (!file_) throw Error("cannot create '" + path + "': " + std::strerror(errno));
  std::fprintf(file_, "%s\n", kFramesCsvHeader);
  std::fflush(file_);
}

FramesCsvWriter::~FramesCsvWriter() {
  if (file_) std::fclose(file_);
}

void FramesCsvWriter::write(const FrameRecord& record) {
  const std::string row = format_row(record);
  std::fprintf(file_, "%s\n", row.c_str());
  std::fflush(file_);  // an interrupted or killed run keeps every row written so far
}

}  // namespace smartcamrt
