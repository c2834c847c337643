#include "smartcamrt/telemetry/trace_writer.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "../support/tiny_onnx.hpp"
#include "smartcamrt/core/error.hpp"

namespace smartcamrt {

TEST(TraceWriter, WritesParsableSpansAndCounters) {
  const std::string path = testing::make_temp_dir("trace") + "/trace.json";
  const auto origin = Clock::now();
  {
    TraceWriter trace(path, origin);
    trace.span(TraceLane::kInference, "inference", origin + std::chrono::milliseconds(2),
               origin + std::chrono::milliseconds(7), 3);
    ResourceSample sample;
    sample.cpu_proc_pct = 150;
    sample.rss_mb = 100;
    trace.counters(origin + std::chrono::milliseconds(8), sample);
  }  // the destructor closes the JSON
  std::ifstream in(path);
  const auto doc = nlohmann::json::parse(in);
  const auto& events = doc.at("traceEvents");
  const auto span = std::find_if(events.begin(), events.end(), [](const auto& e) { return e["ph"] == "X"; });
  ASSERT_NE(span, events.end());
  EXPECT_EQ((*span)["name"], "inference");
  EXPECT_EQ((*span)["tid"], 2);
  EXPECT_NEAR((*span)["ts"].get<double>(), 2000.0, 0.5);  // microseconds
  EXPECT_NEAR((*span)["dur"].get<double>(), 5000.0, 0.5);
  EXPECT_EQ((*span)["args"]["frame"], 3);
  const auto counter = std::find_if(events.begin(), events.end(), [](const auto& e) { return e["ph"] == "C"; });
  ASSERT_NE(counter, events.end());
  EXPECT_DOUBLE_EQ((*counter)["args"]["cpu_proc_pct"].get<double>(), 150.0);
  EXPECT_FALSE((*counter)["args"].contains("gpu_util_pct"));
}

TEST(TraceWriter, UnwritablePathIsAnError) {
  EXPECT_THROW(TraceWriter("/nonexistent-dir/t.json", Clock::now()), Error);
}

}  // namespace smartcamrt
