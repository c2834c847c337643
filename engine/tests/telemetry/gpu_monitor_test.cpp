// GpuMonitor: NVML readings on a machine with an NVIDIA driver; the reason, and no readings, without.
#include <gtest/gtest.h>

#include "smartcamrt/telemetry/gpu_monitor.hpp"

namespace smartcamrt {

TEST(GpuMonitor, WithoutAGpuSaysWhyAndReadsNothing) {
  const GpuMonitor& gpu = GpuMonitor::instance();
  if (gpu.available()) GTEST_SKIP() << "an NVIDIA GPU is present (" << gpu.device_name() << ")";
  EXPECT_FALSE(gpu.reason().empty());
  const GpuReading reading = gpu.read();
  EXPECT_FALSE(reading.util_pct || reading.mem_used_mb || reading.temp_c || reading.power_w);
}

TEST(GpuMonitor, ReadsGpuZeroWhereADriverIsPresent) {
  const GpuMonitor& gpu = GpuMonitor::instance();
  if (!gpu.available()) GTEST_SKIP() << "needs an NVIDIA GPU and driver: " << gpu.reason();
  EXPECT_FALSE(gpu.device_name().empty());
  const GpuReading reading = gpu.read();
  ASSERT_TRUE(reading.mem_used_mb.has_value());
  EXPECT_GT(*reading.mem_used_mb, 0.0);  // the driver's own context holds some memory
  ASSERT_TRUE(reading.util_pct.has_value());
  EXPECT_GE(*reading.util_pct, 0.0);
  EXPECT_LE(*reading.util_pct, 100.0);
}

}  // namespace smartcamrt
