#include "smartcamrt/telemetry/system_sampler.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "smartcamrt/core/clock.hpp"
#include "smartcamrt/telemetry/gpu_monitor.hpp"

namespace smartcamrt {
namespace {

// utime + stime of this process, in seconds (/proc/self/stat fields 14 and 15).
std::optional<double> process_cpu_seconds() {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close_paren = text.rfind(')');  // the command name may hold spaces
  if (close_paren == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close_paren + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int index = 3; fields >> field; ++index) {
    if (index == 14) utime = std::stoull(field);
    if (index == 15) {
      stime = std::stoull(field);
      return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
    }
  }
  return std::nullopt;
}

// Busy and total jiffies over all CPUs, from the first line of /proc/stat.
bool system_cpu_jiffies(unsigned long long& busy, unsigned long long& total) {
  std::ifstream in("/proc/stat");
  std::string label;
  if (!(in >> label) || label != "cpu") return false;
  unsigned long long value = 0, idle = 0;
  total = 0;
  for (int i = 0; i < 8 && in >> value; ++i) {  // user nice system idle iowait irq softirq steal
    total += value;
    if (i == 3 || i == 4) idle += value;
  }
  busy = total - idle;
  return total > 0;
}

// VmRSS, VmHWM (kB) and Threads from /proc/self/status.
void read_status(std::optional<double>& rss_mb, std::optional<double>& peak_mb, std::optional<int>& threads) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string key;
    double value = 0;
    fields >> key >> value;
    if (key == "VmRSS:") rss_mb = value / 1024.0;
    if (key == "VmHWM:") peak_mb = value / 1024.0;
    if (key == "Threads:") threads = static_cast<int>(value);
  }
}

std::optional<double> read_number(const char* path) {
  std::ifstream in(path);
  double value = 0;
  if (in >> value) return value;
  return std::nullopt;
}

double wall_seconds() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }

}  // namespace

void SystemSampler::Atomic::set(std::optional<double> v) {
  if (v) value.store(*v, std::memory_order_relaxed);
  valid.store(v.has_value(), std::memory_order_release);
}

std::optional<double> SystemSampler::Atomic::get() const {
  if (!valid.load(std::memory_order_acquire)) return std::nullopt;
  return value.load(std::memory_order_relaxed);
}

SystemSampler::SystemSampler(std::chrono::milliseconds interval) : interval_(interval) {
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  cores_ = cores > 0 ? static_cast<int>(cores) : 1;
}

SystemSampler::~SystemSampler() { stop(); }

void SystemSampler::start() {
  if (thread_.joinable()) return;
  sample_now();  // a first reading, so even the first frames carry RSS
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void SystemSampler::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SystemSampler::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    sample_now();
    lock.lock();
  }
}

void SystemSampler::sample_now() {
  const double now = wall_seconds();
  if (const auto cpu = process_cpu_seconds()) {
    if (last_proc_seconds_ >= 0 && now > last_wall_seconds_) {
      cpu_proc_.set(100.0 * (*cpu - last_proc_seconds_) / (now - last_wall_seconds_));
    }
    last_proc_seconds_ = *cpu;
    last_wall_seconds_ = now;
  }
  unsigned long long busy = 0, total = 0;
  if (system_cpu_jiffies(busy, total)) {
    if (last_sys_total_ > 0 && total > last_sys_total_) {
      cpu_sys_.set(100.0 * static_cast<double>(busy - last_sys_busy_) / static_cast<double>(total - last_sys_total_));
    }
    last_sys_busy_ = busy;
    last_sys_total_ = total;
  }
  std::optional<double> rss, peak;
  std::optional<int> thread_count;
  read_status(rss, peak, thread_count);
  rss_.set(rss);
  peak_rss_.set(peak);
  threads_.set(thread_count ? std::optional<double>(*thread_count) : std::nullopt);
  const auto khz = read_number("/sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq");
  freq_.set(khz ? std::optional<double>(*khz / 1000.0) : std::nullopt);
  const auto millidegrees = read_number("/sys/class/thermal/thermal_zone0/temp");
  temp_.set(millidegrees ? std::optional<double>(*millidegrees / 1000.0) : std::nullopt);

  const GpuReading gpu = GpuMonitor::instance().read();
  gpu_util_.set(gpu.util_pct);
  gpu_mem_.set(gpu.mem_used_mb);
  gpu_temp_.set(gpu.temp_c);
  gpu_power_.set(gpu.power_w);
  sequence_.fetch_add(1, std::memory_order_release);
}

ResourceSample SystemSampler::latest() const {
  ResourceSample sample;
  sample.cpu_proc_pct = cpu_proc_.get();
  if (sample.cpu_proc_pct) sample.cpu_proc_norm_pct = *sample.cpu_proc_pct / cores_;
  sample.cpu_sys_pct = cpu_sys_.get();
  sample.rss_mb = rss_.get();
  sample.peak_rss_mb = peak_rss_.get();
  if (const auto count = threads_.get()) sample.threads = static_cast<int>(*count);
  sample.cpu_freq_mhz = freq_.get();
  sample.cpu_temp_c = temp_.get();
  sample.gpu_util_pct = gpu_util_.get();
  sample.gpu_mem_mb = gpu_mem_.get();
  sample.gpu_temp_c = gpu_temp_.get();
  sample.gpu_power_w = gpu_power_.get();
  return sample;
}

}  // namespace smartcamrt
