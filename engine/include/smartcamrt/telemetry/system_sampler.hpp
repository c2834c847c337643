#pragma once
// Samples process and system resources on its own thread (default every 100 ms). Readers get the
// latest sample without locking: each field is a separate atomic, written by the sampler only.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace smartcamrt {

struct ResourceSample {
  std::optional<double> cpu_proc_pct;       // percent of one core (200 = two cores busy)
  std::optional<double> cpu_proc_norm_pct;  // the same, normalised by the core count (100 = all cores)
  std::optional<double> cpu_sys_pct;        // percent of all cores
  std::optional<double> rss_mb, peak_rss_mb;
  std::optional<int> threads;
  std::optional<double> cpu_freq_mhz, cpu_temp_c;
  std::optional<double> gpu_util_pct, gpu_mem_mb, gpu_temp_c, gpu_power_w;
};

class SystemSampler {
 public:
  explicit SystemSampler(std::chrono::milliseconds interval = std::chrono::milliseconds(100));
  ~SystemSampler();  // stops the thread
  SystemSampler(const SystemSampler&) = delete;
  SystemSampler& operator=(const SystemSampler&) = delete;

  void start();
  void stop();
  ResourceSample latest() const;
  // Increases with every sample taken: readers tell a new sample from one already seen.
  uint64_t sequence() const { return sequence_.load(std::memory_order_acquire); }
  // Takes one sample now on the caller's thread (CPU figures cover the time since the last one).
  void sample_now();

 private:
  struct Atomic {
    std::atomic<double> value{0};
    std::atomic<bool> valid{false};
    void set(std::optional<double> v);
    std::optional<double> get() const;
  };
  void loop();

  std::chrono::milliseconds interval_;
  std::atomic<uint64_t> sequence_{0};
  int cores_ = 1;
  Atomic cpu_proc_, cpu_sys_, rss_, peak_rss_, threads_, freq_, temp_, gpu_util_, gpu_mem_, gpu_temp_, gpu_power_;
  // Previous CPU counters, touched by the sampling thread only.
  double last_proc_seconds_ = -1, last_wall_seconds_ = 0;
  unsigned long long last_sys_busy_ = 0, last_sys_total_ = 0;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace smartcamrt
