#include "smartcamrt/system_sampler.hpp"

#include "smartcamrt/gpu_monitor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>

namespace smartcamrt {

TEST(SystemSampler, ABusyThreadShowsAboutOneCore) {
  SystemSampler sampler;
  sampler.sample_now();
  std::atomic<bool> done{false};
  std::thread busy([&] {
    volatile unsigned long long spin = 0;
    while (!done.load(std::memory_order_relaxed)) spin = spin + 1;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  sampler.sample_now();
  done = true;
  busy.join();
  const auto sample = sampler.latest();
  ASSERT_TRUE(sample.cpu_proc_pct.has_value());
  // One spinning thread: ~100% of one core. Loose bounds: CI machines are shared.
  EXPECT_GT(*sample.cpu_proc_pct, 60.0);
  EXPECT_LT(*sample.cpu_proc_pct, 160.0);
  ASSERT_TRUE(sample.cpu_sys_pct.has_value());
  EXPECT_GT(*sample.cpu_sys_pct, 0.0);
  ASSERT_TRUE(sample.threads.has_value());
  EXPECT_GE(*sample.threads, 1);
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
