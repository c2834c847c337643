#include "smartcamrt/telemetry/live_status.hpp"

#include <gtest/gtest.h>

#include <cstdio>

namespace smartcamrt {

TEST(LiveStatus, SilentWhenDisabled) {
  std::FILE* out = std::tmpfile();
  LiveStatus status(out, false);
  FrameRecord r;
  status.update(r);
  status.finish();
  EXPECT_EQ(std::ftell(out), 0);
  std::fclose(out);
}

TEST(LiveStatus, LineShowsLatencyDropsAndModel) {
  std::FILE* out = std::tmpfile();
  LiveStatus status(out, true);
  FrameRecord r;
  r.model = "m.onnx";
  r.runtime = "ort";
  r.dropped = 4;
  r.rss_mb = 99.6;
  for (int i = 1; i <= 10; ++i) {
    r.frame = i;
    r.e2e_ms = i * 10.0;
    status.update(r);  // only the first draws: redraws are at most twice a second
  }
  const std::string line = status.render(r);
  EXPECT_NE(line.find("e2e p50 55.0 p95 95.5 ms"), std::string::npos) << line;
  EXPECT_NE(line.find("drops 4"), std::string::npos);
  EXPECT_NE(line.find("rss 99MiB"), std::string::npos);
  EXPECT_NE(line.find("m.onnx/ort"), std::string::npos);
  std::fseek(out, 0, SEEK_END);
  EXPECT_GT(std::ftell(out), 0);
  std::fclose(out);
}

}  // namespace smartcamrt
