#pragma once
// One processed frame, as written to frames.csv (docs/run-folder.md). Optional fields are left
// empty in the CSV when a run cannot fill them, never invented.
#include <cstdint>
#include <optional>
#include <string>

namespace smartcamrt {

struct FrameRecord {
  std::string run_id;
  int stream = 0;
  int64_t frame = 0;
  double ts_ms = 0;  // capture time since run start, monotonic
  std::string model, runtime, precision, input;
  double capture_ms = 0, pre_ms = 0, infer_ms = 0, post_ms = 0, e2e_ms = 0, queue_ms = 0;
  int64_t dropped = 0;  // cumulative
  int detections = 0;
  std::optional<double> cpu_proc_pct, cpu_sys_pct, rss_mb, gpu_util_pct, gpu_mem_mb;
  std::string event;
};

}  // namespace smartcamrt
