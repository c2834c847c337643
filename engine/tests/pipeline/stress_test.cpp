// smartcamrt stress: the figures on scripted data (frames lost, reaction, pooling, verdict, soak
// growth), option validation, and short real runs of tiny models on a generated video that check
// the files are there and well-formed (no timing is asserted: the machines differ).
#include "smartcamrt/pipeline/stress.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include <nlohmann/json.hpp>

#include "../support/process.hpp"
#include "../support/test_clip.hpp"
#include "../support/tiny_onnx.hpp"
#include "smartcamrt/core/error.hpp"

namespace smartcamrt {
namespace {

namespace fs = std::filesystem;

constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<FrameRow> rows_of(const std::vector<std::pair<int64_t, int64_t>>& frame_and_dropped) {
  std::vector<FrameRow> rows;
  for (const auto& [frame, dropped] : frame_and_dropped) {
    FrameRow row;
    row.frame = frame;
    row.dropped = dropped;
    row.ts_ms = 100.0 * static_cast<double>(frame);
    row.e2e_ms = 40;
    rows.push_back(row);
  }
  return rows;
}

// 10 items a second from `from_s` to `to_s`, each answered in `e2e_ms`.
void add_items(std::vector<OfferedItem>& items, double from_s, double to_s, double e2e_ms) {
  for (int64_t k = 0;; ++k) {
    const double t = from_s + 0.1 * static_cast<double>(k);
    if (t >= to_s - 1e-9) break;
    items.push_back({t, e2e_ms});
  }
}

TEST(StressFigures, OfferedItemsPlaceDropsAtTheNextAnsweredRow) {
  const auto items = offered_items(rows_of({{0, 0}, {3, 2}, {4, 2}}));
  ASSERT_EQ(items.size(), 5u);
  EXPECT_DOUBLE_EQ(items[1].t_s, 0.3);
  EXPECT_LT(items[1].e2e_ms, 0);
  EXPECT_LT(items[2].e2e_ms, 0);
  EXPECT_DOUBLE_EQ(items[3].e2e_ms, 40);
  EXPECT_DOUBLE_EQ(items[4].t_s, 0.4);
}

TEST(StressFigures, FramesLostCountsOnlyGapsTheDroppedColumnDoesNotExplain) {
  EXPECT_EQ(frames_lost({}), 0);
  EXPECT_EQ(frames_lost(rows_of({{0, 0}, {1, 0}, {2, 0}})), 0);
  EXPECT_EQ(frames_lost(rows_of({{0, 0}, {3, 2}, {4, 2}})), 0) << "two counted drops";
  EXPECT_EQ(frames_lost(rows_of({{0, 0}, {1, 0}, {3, 0}, {4, 0}})), 1) << "frame 2 vanished uncounted";
  EXPECT_EQ(frames_lost(rows_of({{2, 0}, {3, 0}})), 2) << "the first frames are offered too";
  // A row's count may already include a drop that happens after it (read after processing): the
  // gap after it is explained, not lost.
  EXPECT_EQ(frames_lost(rows_of({{0, 0}, {1, 1}, {3, 1}, {4, 1}})), 0);
  // ...but a real loss after such a row still shows.
  EXPECT_EQ(frames_lost(rows_of({{0, 0}, {1, 1}, {3, 1}, {5, 1}})), 1);
  EXPECT_EQ(frames_lost(rows_of({{0, 0}, {1, 0}, {1, 0}, {2, 0}})), 0) << "a repeat is no loss";
}

TEST(StressFigures, LoadRisesAreTheStepsUpWithTheirEnds) {
  const auto one = load_rises(parse_load_schedule("0s:0,10s:3,40s:0"));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_DOUBLE_EQ(one[0].at_s, 10);
  EXPECT_DOUBLE_EQ(one[0].from, 0);
  EXPECT_DOUBLE_EQ(one[0].to, 3);
  EXPECT_DOUBLE_EQ(one[0].until_s, 40);
  const auto two = load_rises(parse_load_schedule("0s:1,5s:2,8s:1.5,9s:3"));
  ASSERT_EQ(two.size(), 2u);
  EXPECT_DOUBLE_EQ(two[0].until_s, 8);
  EXPECT_DOUBLE_EQ(two[1].at_s, 9);
  EXPECT_EQ(two[1].until_s, kInf);
  EXPECT_TRUE(load_rises(parse_load_schedule("0s:2")).empty());
  EXPECT_TRUE(load_rises(LoadSchedule()).empty());
}

TEST(StressFigures, ReactionIsZeroWhenThePromiseNeverBreaks) {
  std::vector<OfferedItem> items;
  add_items(items, 0, 20, 50);
  EXPECT_EQ(reaction_time_s(items, {10, 0, 2, kInf}, 100), 0.0);
}

TEST(StressFigures, ReactionIsTheFirstMetWindowAfterTheBreak) {
  std::vector<OfferedItem> items;
  add_items(items, 0, 10, 50);
  add_items(items, 10, 12.5, 300);  // overloaded until the switch takes effect
  add_items(items, 12.5, 20, 60);
  // Windows from the rise: [10,11) [11,12) [12,13) broken (p95 of the third is 300), [13,14) met.
  const auto reaction = reaction_time_s(items, {10, 0, 2, kInf}, 100);
  ASSERT_TRUE(reaction);
  EXPECT_NEAR(*reaction, 3.0, 1e-9);
}

TEST(StressFigures, ReactionCountsDropsAndStallsAsBroken) {
  std::vector<OfferedItem> items;
  add_items(items, 0, 12, 50);
  items.push_back({10.5, -1});   // one drop in [10,11)
  add_items(items, 13, 20, 50);  // nothing at all offered in [12,13): a stall
  const auto reaction = reaction_time_s(items, {10, 0, 2, kInf}, 100);
  ASSERT_TRUE(reaction);
  EXPECT_NEAR(*reaction, 1.0, 1e-9) << "met again in [11,12)";
  // Only the stall: broken from 12 to 13.
  items.erase(std::remove_if(items.begin(), items.end(), [](const OfferedItem& i) { return i.e2e_ms < 0; }),
              items.end());
  EXPECT_NEAR(*reaction_time_s(items, {10, 0, 2, kInf}, 100), 3.0, 1e-9);
}

TEST(StressFigures, ReactionIsNeverWhenTheLoadChangesFirst) {
  std::vector<OfferedItem> items;
  add_items(items, 0, 10, 50);
  add_items(items, 10, 15, 300);
  add_items(items, 15, 20, 50);  // met again, but only once the load fell at 15 s
  EXPECT_FALSE(reaction_time_s(items, {10, 0, 2, 15}, 100));
  EXPECT_NEAR(*reaction_time_s(items, {10, 0, 2, kInf}, 100), 5.0, 1e-9);
  // Broken until the end of the run: never.
  std::vector<OfferedItem> overloaded;
  add_items(overloaded, 0, 20, 300);
  EXPECT_FALSE(reaction_time_s(overloaded, {10, 0, 2, kInf}, 100));
}

TEST(StressFigures, ReactionMergesStreamsInAnyOrder) {
  std::vector<OfferedItem> a, b;
  add_items(a, 0, 20, 50);
  add_items(b, 0, 11, 50);
  add_items(b, 11, 12, 250);  // the second stream breaks it for one window
  add_items(b, 12, 20, 50);
  std::vector<OfferedItem> merged = b;
  merged.insert(merged.end(), a.begin(), a.end());
  EXPECT_NEAR(*reaction_time_s(merged, {10, 0, 2, kInf}, 100), 2.0, 1e-9);
}

TEST(StressFigures, PooledAttainmentIsOverEveryItemNotAMeanOfStreams) {
  StreamFigures small, large;
  small.processed = small.offered = small.within_slo = 10;  // 1.0 over 10 items
  large.processed = 80;
  large.dropped = 20;
  large.offered = 100;
  large.within_slo = 50;  // 0.5 over 100 items
  small.accuracy = 0.5;
  large.accuracy = 0.3;
  small.accuracy_metric = large.accuracy_metric = "mAP50-95";
  small.switches = 1;
  large.switches = 2;
  const PooledFigures pooled = pool_streams({small, large});
  EXPECT_EQ(pooled.offered, 110);
  EXPECT_EQ(pooled.dropped, 20);
  EXPECT_EQ(pooled.switches, 3);
  EXPECT_NEAR(*pooled.attainment, 60.0 / 110.0, 1e-12);
  EXPECT_NEAR(*pooled.accuracy, (0.5 * 10 + 0.3 * 80) / 90.0, 1e-12) << "weighted by answered items";
  EXPECT_EQ(pooled.accuracy_metric, "mAP50-95");

  large.accuracy_metric = "agreement-mAP50";
  EXPECT_EQ(pool_streams({small, large}).accuracy_metric, "mixed");
  large.accuracy.reset();
  EXPECT_FALSE(pool_streams({small, large}).accuracy) << "a partial figure would mislead";
  EXPECT_FALSE(pool_streams({}).attainment);
}

PooledFigures figures(double attainment, std::optional<double> accuracy) {
  PooledFigures f;
  f.attainment = attainment;
  f.accuracy = accuracy;
  f.accuracy_metric = "mAP50";
  return f;
}

TEST(StressFigures, VerdictSaysWhetherAdaptiveGotBothEnds) {
  const auto heavy = figures(0.6, 0.45), light = figures(0.995, 0.30);
  const std::string good = adaptive_verdict(heavy, light, figures(0.99, 0.43));
  EXPECT_NE(good.find("got the attainment of the lightest (0.990 vs 0.995)"), std::string::npos) << good;
  EXPECT_NE(good.find(" and kept an accuracy close to the heaviest's (0.430 vs 0.450"), std::string::npos) << good;
  const std::string slow = adaptive_verdict(heavy, light, figures(0.9, 0.44));
  EXPECT_NE(slow.find("did not get the attainment"), std::string::npos) << slow;
  EXPECT_NE(slow.find(" but kept"), std::string::npos) << slow;
  const std::string inaccurate = adaptive_verdict(heavy, light, figures(0.995, 0.35));
  EXPECT_NE(inaccurate.find("got the attainment of the lightest"), std::string::npos) << inaccurate;
  EXPECT_NE(inaccurate.find(" but did not keep"), std::string::npos) << inaccurate;
  EXPECT_NE(adaptive_verdict(heavy, light, figures(0.99, std::nullopt)).find("cannot be judged"), std::string::npos);
  EXPECT_EQ(adaptive_verdict(heavy, light, std::nullopt).rfind("Not judged", 0), 0u);
}

TEST(StressFigures, QuarterGrowthComparesMedians) {
  EXPECT_FALSE(quarter_growth({100, 100, 100}));
  const auto rss = quarter_growth({90, 100, 100, 101, 102, 104, 105, 200});
  ASSERT_TRUE(rss);
  EXPECT_DOUBLE_EQ(rss->first, 95);    // median of {90, 100}
  EXPECT_DOUBLE_EQ(rss->last, 152.5);  // median of {105, 200}
  EXPECT_NEAR(*rss->pct, (152.5 - 95) / 95 * 100, 1e-9);
  const auto fds = quarter_growth({0, 0, 0, 0});
  ASSERT_TRUE(fds);
  EXPECT_FALSE(fds->pct) << "no percentage of zero";
}

StressConfig valid_config() {
  StressConfig config;
  config.model = "heavy.onnx";
  config.light = "light.onnx";
  config.sources = {"clip.avi"};
  config.slo_ms = 100;
  config.load = "0s:0,10s:2";
  config.duration_s = 30;
  config.modes = {"static-heavy", "static-light"};
  return config;
}

void expect_error(const StressConfig& config, const std::string& message) {
  try {
    validate_stress_config(config);
    ADD_FAILURE() << "no error; expected: " << message;
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), message);
  }
}

TEST(StressOptions, BadValuesNameTheOption) {
  EXPECT_NO_THROW(validate_stress_config(valid_config()));
  auto config = valid_config();
  config.duration_s = 0;
  expect_error(config, "--duration 0: must be > 0");
  config = valid_config();
  config.duration_s = std::nan("");
  expect_error(config, "--duration nan: must be > 0");
  config = valid_config();
  config.slo_ms = 0;
  expect_error(config, "--slo-ms: required (the end-to-end objective in ms)");
  config = valid_config();
  config.streams = 0;
  expect_error(config, "--streams 0: must be >= 1");
  config = valid_config();
  config.load = "0s:0,5s:x";
  expect_error(config, "--load '5s:x': 'x' is not a number of busy cores");
  config = valid_config();
  config.load.clear();
  expect_error(config, "--load: required, the injected load over time (e.g. 0s:0,20s:2,50s:0)");
  config = valid_config();
  config.modes = {"static-heavy", "fast"};
  expect_error(config, "--modes 'fast': not a mode (static-heavy, static-light, adaptive)");
  config.modes = {"static-heavy", "static-heavy"};
  expect_error(config, "--modes 'static-heavy': given twice");
  // Neither --profile nor --light is required: this host's cached profile supplies them.
  config = valid_config();
  config.modes.clear();
  config.light.clear();
  EXPECT_NO_THROW(validate_stress_config(config));
  config = valid_config();
  config.soak = true;
  config.modes.clear();
  config.load.clear();
  config.slo_ms = 0;  // a static soak needs neither
  EXPECT_NO_THROW(validate_stress_config(config));
  config.sample_s = 0;
  expect_error(config, "--sample-s 0: must be > 0");
}

TEST(StressOptions, TheCommandPrintsOneLineAndExitsTwo) {
  const auto result = testing::run_process({testing::cli_path(), "stress", "--model", "m.onnx", "--source", "v.avi",
                                            "--slo-ms", "100", "--load", "0s:0", "--duration", "0"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "smartcamrt stress: --duration 0: must be > 0\n");
}

// Tiny constant models (64 and 32 px input) and a 2-s clip at 40 fps.
class StressRun : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("stress");
    const std::vector<float> one{16, 16, 8, 8, 0.9f, 0.9f};
    heavy_ = testing::save_constant_yolo_model(dir_ + "/heavy.onnx", 64, one, 6);
    light_ = testing::save_constant_yolo_model(dir_ + "/light.onnx", 32, one, 6);
    testing::write_test_clip(dir_ + "/clip.avi", 80, 64, 64, 40.0);
  }
  StressConfig config() const {
    StressConfig c;
    c.model = heavy_;
    c.light = light_;
    c.sources = {dir_ + "/clip.avi"};
    c.slo_ms = 100;
    c.load = "0s:0,500ms:1";
    c.duration_s = 1.5;  // 60 frames at 40 fps
    c.threads = 1;
    c.progress = false;
    c.out_dir = dir_ + "/out";
    return c;
  }
  static nlohmann::json read_json(const std::string& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in);
  }
  std::string dir_, heavy_, light_;
};

TEST_F(StressRun, StaticModesWriteTheComparisonAndTheirRunFolders) {
  StressConfig c = config();
  c.modes = {"static-heavy", "static-light"};
  c.streams = 2;
  const StressReport report = run_stress(c);
  EXPECT_FALSE(report.interrupted);
  ASSERT_TRUE(fs::is_regular_file(report.markdown_path));
  const nlohmann::json doc = read_json(report.json_path);
  EXPECT_EQ(doc["tool"], "smartcamrt stress");
  EXPECT_FALSE(doc["host"]["cpu_model"].get<std::string>().empty());
  EXPECT_TRUE(doc["host"]["isa"].is_array());
  ASSERT_EQ(doc["schedule"].size(), 2u);
  EXPECT_DOUBLE_EQ(doc["schedule"][1]["at_s"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(doc["schedule"][1]["busy_cores"].get<double>(), 1.0);
  ASSERT_EQ(doc["modes"].size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const nlohmann::json& mode = doc["modes"][i];
    EXPECT_EQ(mode["mode"], c.modes[i]);
    EXPECT_EQ(mode["folder"], c.modes[i]);
    EXPECT_EQ(mode["model"], i == 0 ? heavy_ : light_);
    ASSERT_EQ(mode["stream_folders"].size(), 2u);
    for (const auto& folder : mode["stream_folders"]) {
      EXPECT_TRUE(fs::is_regular_file(fs::path(c.out_dir) / folder.get<std::string>() / "frames.csv")) << folder;
      EXPECT_TRUE(fs::is_regular_file(fs::path(c.out_dir) / folder.get<std::string>() / "summary.json")) << folder;
    }
    EXPECT_EQ(mode["offered"], 120) << "60 frames x 2 streams, each answered or dropped";
    EXPECT_EQ(mode["processed"].get<int64_t>() + mode["dropped"].get<int64_t>(), 120);
    EXPECT_TRUE(mode["slo_attainment"].is_number());
    EXPECT_TRUE(mode["e2e_ms"]["p95"].is_number());
    EXPECT_EQ(mode["lost_to_switching"], 0);
    EXPECT_EQ(mode["switches"], 0);
    ASSERT_EQ(mode["reaction"].size(), 1u) << "one rise, at 0.5 s";
    EXPECT_DOUBLE_EQ(mode["reaction"][0]["at_s"].get<double>(), 0.5);
    EXPECT_TRUE(mode["effective_accuracy"].is_null()) << "the tiny models record no accuracy";
  }
  EXPECT_EQ(doc["verdict"].get<std::string>().rfind("Not judged", 0), 0u);
  const std::string md = report.markdown;
  EXPECT_NE(md.find("| static-heavy | ort/heavy.onnx |"), std::string::npos) << md;
  EXPECT_NE(md.find("| static-light | ort/light.onnx |"), std::string::npos) << md;
  EXPECT_NE(md.find(doc["host"]["cpu_model"].get<std::string>()), std::string::npos) << md;
}

TEST_F(StressRun, SoakSamplesRssAndFds) {
  StressConfig c = config();
  c.soak = true;
  c.load.clear();
  c.sample_s = 0.1;
  const StressReport report = run_stress(c);
  const auto lines = testing::read_lines(c.out_dir + "/soak.csv");
  ASSERT_GE(lines.size(), 5u);
  EXPECT_EQ(lines[0], "t_s,rss_mb,open_fds,pass,heap_mb");
  const auto first = testing::split_csv(lines[1]);
  ASSERT_EQ(first.size(), 5u);
  EXPECT_GT(std::stod(first[1]), 0) << "VmRSS read";
  EXPECT_GT(std::stod(first[4]), 0) << "malloc's bytes in use read (glibc)";
  EXPECT_GT(std::stod(first[2]), 2) << "stdin, stdout, stderr at least";
  const nlohmann::json doc = read_json(report.json_path);
  EXPECT_EQ(doc["samples"], lines.size() - 1);
  EXPECT_TRUE(doc["rss_mb"]["growth_pct"].is_number());
  EXPECT_TRUE(doc["open_fds"]["last_quarter_median"].is_number());
  ASSERT_GE(doc["passes"].size(), 1u);
  EXPECT_TRUE(fs::is_regular_file(fs::path(c.out_dir) / doc["passes"][0].get<std::string>() / "frames.csv"));
  EXPECT_TRUE(fs::is_regular_file(report.markdown_path));
}

}  // namespace
}  // namespace smartcamrt
