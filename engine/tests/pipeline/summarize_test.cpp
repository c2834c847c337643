// `smartcamrt summarize`'s library side: summary.json rebuilt from frames.csv alone, or on top of the
// run's checkpoint, with a row cut by the kill skipped.
#include "smartcamrt/pipeline/summarize.hpp"

#include <gtest/gtest.h>

#include "run_report.hpp"

#include <filesystem>
#include <fstream>

#include "../support/tiny_onnx.hpp"
#include "smartcamrt/core/error.hpp"
#include "smartcamrt/telemetry/frames_csv.hpp"

namespace smartcamrt {
namespace {

FrameRecord record(int64_t frame, double e2e_ms, const std::string& model, int64_t dropped) {
  FrameRecord r;
  r.run_id = "20261205-101500-ab12";
  r.frame = frame;
  r.ts_ms = 100.0 * static_cast<double>(frame);
  r.model = model;
  r.runtime = "ort";
  r.precision = "fp32";
  r.input = "640x640";
  r.infer_ms = e2e_ms - 2;
  r.e2e_ms = e2e_ms;
  r.dropped = dropped;
  r.rss_mb = 100.0 + static_cast<double>(frame);
  return r;
}

// Five rows (e2e 10..50 ms), the model changing at the fourth with an event holding a comma, then a
// row cut half-way as a power cut leaves it.
std::string make_run(const std::string& tag) {
  const std::string dir = testing::make_temp_dir(tag);
  {
    FramesCsvWriter csv(dir + "/frames.csv");
    for (int i = 0; i < 5; ++i) {
      FrameRecord r = record(i * 2, 10.0 * (i + 1), i < 3 ? "a.onnx" : "b.onnx", i);
      if (i == 3) r.event = "switch:ort/a.onnx->ort/b.onnx, by hand";
      csv.write(r);
    }
  }
  std::ofstream(dir + "/frames.csv", std::ios::app) << "20261205-101500-ab12,0,10,1000.0,b.onn";
  return dir;
}

TEST(Summarize, RebuildsTheFrameFiguresFromFramesCsvAlone) {
  const std::string dir = make_run("summarize-alone");
  const RebuiltSummary rebuilt = rebuild_summary(dir);
  EXPECT_EQ(rebuilt.rows, 5);
  EXPECT_EQ(rebuilt.skipped_rows, 1);
  EXPECT_FALSE(rebuilt.had_summary);
  const nlohmann::json& s = rebuilt.summary;
  EXPECT_EQ(s["run_id"], "20261205-101500-ab12");
  EXPECT_EQ(s["frames"]["processed"], 5);
  EXPECT_EQ(s["frames"]["dropped"], 4);
  EXPECT_EQ(s["frames"]["captured"], 9);
  EXPECT_DOUBLE_EQ(s["duration_s"].get<double>(), 0.85);  // last row: ts 800 ms + e2e 50 ms
  EXPECT_DOUBLE_EQ(s["stages"]["e2e_ms"]["p50"].get<double>(), 30.0);
  EXPECT_DOUBLE_EQ(s["stages"]["e2e_ms"]["p90"].get<double>(), 46.0);
  EXPECT_DOUBLE_EQ(s["resources"]["rss_mb"]["max"].get<double>(), 108.0);
  ASSERT_EQ(s["events"].size(), 1u);
  EXPECT_EQ(s["events"][0]["event"], "switch:ort/a.onnx->ort/b.onnx, by hand");
  EXPECT_EQ(s["adaptation"]["switches"], 1);
  EXPECT_EQ(s["adaptation"]["configurations"].size(), 2u);
  EXPECT_EQ(s["config"]["model"], "b.onnx");  // only what the rows say: the last model
  EXPECT_FALSE(s.contains("host"));           // not in frames.csv: left out, not invented
  EXPECT_EQ(s["interrupted"], true);
  EXPECT_EQ(s["rebuilt"]["other_fields_from"], nullptr);
}

TEST(Summarize, KeepsTheCheckpointsConfigurationAndWritesAtomically) {
  const std::string dir = make_run("summarize-checkpoint");
  const nlohmann::json checkpoint = {
      {"run_id", "20261205-101500-ab12"},
      {"final", false},
      {"interrupted", true},
      {"config", {{"model", "/models/a.onnx"}, {"slo_ms", 25.0}, {"threads", 2}}},
      {"host", {{"cores", 2}, {"cpu_model", "test cpu"}}},
      {"frames", {{"processed", 2}}},
      {"checkpoint", {{"left_out", {"stages", "resources"}}}},  // a long run's lean checkpoint
      {"adaptation",
       {{"configurations", {{{"configuration", "ort/a.onnx"}, {"accuracy", 0.3}, {"metric", "mAP50-95"}}}}}}};
  std::ofstream(dir + "/summary.json") << checkpoint.dump();
  const RebuiltSummary rebuilt = summarize_run(dir);
  EXPECT_TRUE(rebuilt.had_summary);
  std::ifstream in(dir + "/summary.json");
  const nlohmann::json s = nlohmann::json::parse(in);
  EXPECT_EQ(s["frames"]["processed"], 5);  // the rows, not the checkpoint's 2
  EXPECT_EQ(s["config"]["model"], "/models/a.onnx");
  EXPECT_EQ(s["config"]["threads"], 2);
  EXPECT_EQ(s["host"]["cpu_model"], "test cpu");
  EXPECT_EQ(s["adaptation"]["within_slo"], 2);  // e2e 10 and 20 ms meet 25 ms
  EXPECT_EQ(s["adaptation"]["configurations"][0]["accuracy"], 0.3);
  EXPECT_EQ(s["adaptation"]["effective_accuracy"], nullptr);  // b.onnx has no accuracy on record
  EXPECT_EQ(s["rebuilt"]["other_fields_from"], "checkpoint");
  EXPECT_EQ(s["stages"]["e2e_ms"]["count"], 5);  // what the lean checkpoint left out, computed
  EXPECT_FALSE(s.contains("checkpoint"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/summary.json.tmp"));
}

// A long run's checkpoint leaves the per-frame distributions out and keeps the counts and events.
TEST(Summarize, CheckpointWithoutDistributionsKeepsCountsAndEvents) {
  RunConfig config;
  RunContext context;
  context.config = &config;
  context.processed = 2;
  context.duration_s = 1.0;
  RunStatistics stats;
  FrameRecord r = record(0, 10.0, "a.onnx", 0);
  stats.add(r);
  r.event = "switch:x";
  stats.add(r);
  const nlohmann::json lean = summary_json(context, stats, false);
  EXPECT_FALSE(lean.contains("stages"));
  EXPECT_FALSE(lean.contains("resources"));
  EXPECT_EQ(lean["frames"]["processed"], 2);
  EXPECT_EQ(lean["events"].size(), 1u);
  EXPECT_DOUBLE_EQ(lean["fps"].get<double>(), 2.0);
  const nlohmann::json full = summary_json(context, stats);
  EXPECT_EQ(full["stages"]["e2e_ms"]["count"], 2);
  EXPECT_TRUE(full["resources"].contains("rss_mb"));
  EXPECT_EQ(full["final"], true);
}

TEST(Summarize, RefusesAFolderWithoutFramesCsv) {
  const std::string dir = testing::make_temp_dir("summarize-empty");
  EXPECT_THROW(rebuild_summary(dir), Error);
  EXPECT_THROW(rebuild_summary(dir + "/missing"), Error);
}

}  // namespace
}  // namespace smartcamrt
