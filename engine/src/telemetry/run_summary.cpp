#include "smartcamrt/telemetry/run_summary.hpp"

namespace smartcamrt {

void RunStatistics::add(const FrameRecord& record) {
  ++processed_;
  stages_["capture_ms"].push_back(record.capture_ms);
  stages_["pre_ms"].push_back(record.pre_ms);
  stages_["infer_ms"].push_back(record.infer_ms);
  stages_["post_ms"].push_back(record.post_ms);
  stages_["e2e_ms"].push_back(record.e2e_ms);
  stages_["queue_ms"].push_back(record.queue_ms);
  if (record.cpu_proc_pct) resources_["cpu_proc_pct"].push_back(*record.cpu_proc_pct);
  if (record.cpu_sys_pct) resources_["cpu_sys_pct"].push_back(*record.cpu_sys_pct);
  if (record.rss_mb) resources_["rss_mb"].push_back(*record.rss_mb);
  if (record.gpu_util_pct) resources_["gpu_util_pct"].push_back(*record.gpu_util_pct);
  if (record.gpu_mem_mb) resources_["gpu_mem_mb"].push_back(*record.gpu_mem_mb);
  if (!record.event.empty()) events_.push_back(RunEvent{record.frame, record.ts_ms, record.event});
}

std::map<std::string, Stats> RunStatistics::stages() const {
  std::map<std::string, Stats> result;
  for (const auto& [name, values] : stages_) result[name] = summarize(values);
  return result;
}

std::map<std::string, Stats> RunStatistics::resources() const {
  std::map<std::string, Stats> result;
  for (const auto& [name, values] : resources_) result[name] = summarize(values);
  return result;
}

}  // namespace smartcamrt
