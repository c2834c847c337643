#include "smartcamrt/telemetry/pipeline_metrics.hpp"

#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "prometheus_text.hpp"

namespace smartcamrt {

TEST(PipelineMetrics, CountersHistogramsAndLabels) {
  PipelineMetrics metrics;
  metrics.set_model("yolo \"n\".onnx", "ort", "fp32");
  FrameRecord r;
  for (int i = 0; i < 4; ++i) {
    r.infer_ms = 10.0 * (i + 1);  // 10, 20, 30, 40
    r.e2e_ms = r.infer_ms + 5;
    r.dropped = i;
    r.detections = 2;
    metrics.record(r);
  }
  metrics.set_fps(9.5);
  const auto samples = testing::parse_prometheus(metrics.render());
  const std::string labels = R"(model="yolo \"n\".onnx",runtime="ort",precision="fp32")";
  EXPECT_EQ(samples.at("smartcamrt_frames_processed_total{" + labels + "}"), 4);
  EXPECT_EQ(samples.at("smartcamrt_frames_dropped_total{" + labels + "}"), 3);
  EXPECT_EQ(samples.at("smartcamrt_detections_total{" + labels + "}"), 8);
  EXPECT_DOUBLE_EQ(samples.at("smartcamrt_fps{" + labels + "}"), 9.5);
  const std::string infer = labels + ",stage=\"infer\"";
  EXPECT_EQ(samples.at("smartcamrt_stage_latency_ms_bucket{" + infer + ",le=\"10\"}"), 1);  // le is inclusive
  EXPECT_EQ(samples.at("smartcamrt_stage_latency_ms_bucket{" + infer + ",le=\"20\"}"), 2);
  EXPECT_EQ(samples.at("smartcamrt_stage_latency_ms_bucket{" + infer + ",le=\"30\"}"), 3);
  EXPECT_EQ(samples.at("smartcamrt_stage_latency_ms_bucket{" + infer + ",le=\"50\"}"), 4);
  EXPECT_EQ(samples.at("smartcamrt_stage_latency_ms_bucket{" + infer + ",le=\"+Inf\"}"), 4);
  EXPECT_EQ(samples.at("smartcamrt_stage_latency_ms_count{" + infer + "}"), 4);
  EXPECT_DOUBLE_EQ(samples.at("smartcamrt_stage_latency_ms_sum{" + infer + "}"), 100);
}

TEST(PipelineMetrics, UnsampledResourcesAreAbsentNotZero) {
  PipelineMetrics metrics;
  metrics.set_model("m", "ort", "fp32");
  ResourceSample sample;
  sample.rss_mb = 123.5;
  metrics.set_resources(sample);
  const std::string text = metrics.render();
  EXPECT_NE(text.find("smartcamrt_rss_mebibytes{model=\"m\",runtime=\"ort\",precision=\"fp32\"} 123.5"),
            std::string::npos);
  EXPECT_EQ(text.find("smartcamrt_gpu_utilization_percent{"), std::string::npos);
  EXPECT_EQ(text.find("smartcamrt_process_cpu_percent{"), std::string::npos);
}

}  // namespace smartcamrt
