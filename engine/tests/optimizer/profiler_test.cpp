// Measuring through the profiler for real (tiny models, ONNX Runtime, an image-folder source) and the
// cache in front of it. No timing thresholds: only that the figures exist and are consistent.
#include "smartcamrt/optimizer/profiler.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "smartcamrt/core/error.hpp"

#include "profile_fixtures.hpp"

namespace smartcamrt {
namespace {

using testing::save_tiny_prepared_model;
using testing::TinyManifest;

}  // namespace

class ProfilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    models_ = testing::make_temp_dir("profiler-models");
    TinyManifest ground_truth;
    ground_truth.map50_95 = 0.28;
    save_tiny_prepared_model(models_ + "/big.onnx", 64, ground_truth, 1.f);
    TinyManifest agreement;
    agreement.agreement = 0.97;
    save_tiny_prepared_model(models_ + "/small.onnx", 32, agreement, 2.f);
    out_ = testing::make_temp_dir("profiler-out") + "/profile.json";
    frames_ = testing::save_frames(testing::make_temp_dir("profiler-frames"), 3);
  }

  ProfileOptions options() const {
    ProfileOptions o;
    o.models = {models_};
    o.runtimes = {"ort"};
    o.threads = {1};
    o.source = frames_;
    o.frames = 3;
    o.runs = 7;
    o.warmup = 1;
    o.out = out_;
    return o;
  }

  std::string models_, out_, frames_;
};

TEST_F(ProfilerTest, MeasuresEachConfigurationOnTheFrames) {
  std::vector<ProfileProgress> steps;
  const DeviceProfile p = build_profile(options(), [&](const ProfileProgress& step) { steps.push_back(step); });
  ASSERT_EQ(p.configurations.size(), 2u);
  EXPECT_TRUE(p.failed.empty());
  for (const ProfiledConfiguration& c : p.configurations) {
    SCOPED_TRACE(c.id);
    EXPECT_GT(c.init_ms, 0);
    EXPECT_GT(c.first_run_ms, 0);
    EXPECT_GT(c.infer_p50_ms, 0);
    EXPECT_LE(c.infer_p50_ms, c.infer_p95_ms);
    EXPECT_GT(c.e2e_p50_ms, 0);
    EXPECT_LE(c.e2e_p50_ms, c.e2e_p95_ms);
    // Every frame's whole task contains its inference, so the order statistics keep that order.
    EXPECT_LE(c.infer_p50_ms, c.e2e_p50_ms);
    EXPECT_LE(c.infer_p95_ms, c.e2e_p95_ms);
    EXPECT_GE(c.cpu_pct, 0);
    EXPECT_GE(c.rss_mb, 0);
    EXPECT_EQ(c.runtime, "ort");
    EXPECT_EQ(c.threads, 1);
    EXPECT_EQ(c.precision, "fp32");
    EXPECT_EQ(c.task, "detection");
    EXPECT_TRUE(c.warning.empty());
  }
  EXPECT_EQ(p.configurations[0].id, "big.onnx ort t1");
  EXPECT_EQ(p.configurations[0].input, "64x64");
  EXPECT_EQ(p.configurations[0].accuracy_metric, "mAP50-95");
  EXPECT_DOUBLE_EQ(*p.configurations[0].accuracy, 0.28);
  EXPECT_EQ(p.configurations[1].input, "32x32");
  EXPECT_EQ(p.configurations[1].accuracy_metric, "agreement-mAP50");
  EXPECT_FALSE(p.created.empty());

  // Progress: each configuration loads, counts its runs up to 7, and finishes, placed among the two.
  ASSERT_FALSE(steps.empty());
  EXPECT_EQ(steps.front().phase, "load");
  EXPECT_EQ(steps.front().index, 1u);
  EXPECT_EQ(steps.front().total, 2u);
  EXPECT_EQ(steps.back().phase, "done");
  EXPECT_EQ(steps.back().index, 2u);
  const auto runs = std::count_if(steps.begin(), steps.end(), [](const auto& s) { return s.phase == "run"; });
  EXPECT_EQ(runs, 14);
}

TEST_F(ProfilerTest, AConfigurationThatFailsIsListedAndTheOthersGoOn) {
  ProfilePlan plan = plan_profile(options());
  ProfileCandidate broken = plan.candidates[0];
  broken.model = models_ + "/vanished.onnx";  // gone between planning and measuring
  plan.candidates.insert(plan.candidates.begin(), broken);
  const DeviceProfile p = measure_plan(plan);
  EXPECT_EQ(p.configurations.size(), 2u);
  ASSERT_EQ(p.failed.size(), 1u);
  EXPECT_EQ(p.failed[0].id, "vanished.onnx ort t1");
  EXPECT_EQ(p.failed[0].error, "model '" + models_ + "/vanished.onnx': no such file");

  plan.candidates.resize(1);
  try {
    measure_plan(plan);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "profile: no configuration could be measured (vanished.onnx ort t1: model '" +
                                         models_ + "/vanished.onnx': no such file)");
  }
}

TEST_F(ProfilerTest, TheCachedProfileIsReusedUntilAModelChanges) {
  std::vector<std::string> said;
  const auto say = [&](const std::string& note) { said.push_back(note); };
  const ProfileOutcome first = obtain_profile(options(), {}, say);
  EXPECT_FALSE(first.reused);
  EXPECT_EQ(first.path, out_);
  EXPECT_EQ(first.note, "no cached profile at " + out_ + "; measuring");
  EXPECT_EQ(said, std::vector<std::string>{first.note});
  ASSERT_TRUE(std::filesystem::exists(out_));

  const ProfileOutcome second = obtain_profile(options());
  EXPECT_TRUE(second.reused);
  EXPECT_EQ(profile_to_json(second.profile), profile_to_json(first.profile));
  std::string why;
  ASSERT_TRUE(load_cached_profile(options(), &why).has_value()) << why;

  ProfileOptions forced = options();
  forced.force_rebuild = true;
  const ProfileOutcome third = obtain_profile(forced);
  EXPECT_FALSE(third.reused);
  EXPECT_EQ(third.note, "--force-rebuild: measuring");

  TinyManifest agreement;
  agreement.agreement = 0.97;
  save_tiny_prepared_model(models_ + "/small.onnx", 32, agreement, 7.f);  // re-exported
  EXPECT_FALSE(load_cached_profile(options(), &why).has_value());
  EXPECT_EQ(why, "the cached profile " + out_ + " is stale: model file changed: " + models_ + "/small.onnx");
  const ProfileOutcome fourth = obtain_profile(options());
  EXPECT_FALSE(fourth.reused);
  EXPECT_NE(fourth.profile.fingerprint, first.profile.fingerprint);
  EXPECT_EQ(fourth.profile.configurations[1].model_sha256, sha256_file(models_ + "/small.onnx"));
}

TEST_F(ProfilerTest, TooFewFramesIsAnError) {
  ProfileOptions o = options();
  o.frames = 5;
  try {
    build_profile(o);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "--frames 5: '" + o.source + "' has only 3 frames");
  }
}

}  // namespace smartcamrt
