#include "smartcamrt/telemetry/system_sampler.hpp"

#include "smartcamrt/telemetry/gpu_monitor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <ctime>
#include <thread>

namespace smartcamrt {

namespace {
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}
double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

// A spinning thread: the sampler's process CPU must agree with the kernel's own CPU-time clock over
// the same window. (Agreement, not "~100%": on a loaded CI machine the thread may get less than a core.)
TEST(SystemSampler, ABusyThreadShowsInProcessCpu) {
  SystemSampler sampler;
  std::atomic<bool> done{false};
  std::thread busy([&] {
    volatile unsigned long long spin = 0;
    while (!done.load(std::memory_order_relaxed)) spin = spin + 1;
  });
  sampler.sample_now();
  const double cpu0 = process_cpu_seconds(), wall0 = wall_seconds();
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  const double cpu1 = process_cpu_seconds(), wall1 = wall_seconds();
  sampler.sample_now();
  done = true;
  busy.join();
  const double expected = 100.0 * (cpu1 - cpu0) / (wall1 - wall0);
  const auto sample = sampler.latest();
  ASSERT_TRUE(sample.cpu_proc_pct.has_value());
  EXPECT_GT(expected, 5.0) << "the spinning thread got almost no CPU: cannot judge the sampler";
  // /proc counts in clock ticks (10 ms): allow that granularity over an 0.8 s window, plus slack.
  EXPECT_NEAR(*sample.cpu_proc_pct, expected, 12.0);
  ASSERT_TRUE(sample.cpu_proc_norm_pct.has_value());
  EXPECT_NEAR(*sample.cpu_proc_norm_pct * std::thread::hardware_concurrency(), *sample.cpu_proc_pct, 1e-6);
  ASSERT_TRUE(sample.cpu_sys_pct.has_value());
  EXPECT_GT(*sample.cpu_sys_pct, 0.0);
  ASSERT_TRUE(sample.threads.has_value());
  EXPECT_GE(*sample.threads, 2);  // this thread and the spinning one
}

TEST(SystemSampler, RssGrowsWhenMemoryIsTouched) {
  SystemSampler sampler;
  sampler.sample_now();
  const double before = sampler.latest().rss_mb.value();
  constexpr size_t kBytes = 256u << 20;
  std::unique_ptr<char[]> block(new char[kBytes]);
  std::memset(block.get(), 1, kBytes);  // touch every page so it is resident
  sampler.sample_now();
  const auto after = sampler.latest();
  EXPECT_GT(after.rss_mb.value() - before, 200.0);
  EXPECT_GE(after.peak_rss_mb.value(), after.rss_mb.value());
  EXPECT_EQ(block[kBytes - 1], 1);
}

TEST(SystemSampler, BackgroundThreadRefreshesSamples) {
  SystemSampler sampler(std::chrono::milliseconds(20));
  sampler.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  const auto sample = sampler.latest();
  sampler.stop();
  EXPECT_TRUE(sample.cpu_proc_pct.has_value());  // needs two samples: only the thread took the second
  EXPECT_TRUE(sample.rss_mb.has_value());
  // GPU columns are filled exactly when NVML found a GPU, never invented.
  EXPECT_EQ(sample.gpu_mem_mb.has_value(), GpuMonitor::instance().available());
}

}  // namespace smartcamrt
