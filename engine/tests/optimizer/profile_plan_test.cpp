// Which configurations a profile measures: candidate discovery on a folder of tiny prepared models.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "smartcamrt/backends/backend.hpp"
#include "smartcamrt/core/error.hpp"
#include "smartcamrt/optimizer/profile.hpp"

#include "profile_fixtures.hpp"

namespace smartcamrt {
namespace {

using testing::save_tiny_prepared_model;
using testing::TinyManifest;

std::vector<std::string> ids(const ProfilePlan& plan) {
  std::vector<std::string> out;
  for (const auto& c : plan.candidates) out.push_back(c.id());
  return out;
}

std::string reason_for(const ProfilePlan& plan, const std::string& file) {
  for (const auto& s : plan.skeleton.skipped) {
    if (std::filesystem::path(s.path).filename() == file) return s.reason;
  }
  return "(not skipped)";
}

}  // namespace

class ProfilePlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("profile-plan");
    frames_ = testing::save_frames(testing::make_temp_dir("profile-plan-frames"), 1);
    TinyManifest ground_truth;
    ground_truth.map50_95 = 0.28;
    save_tiny_prepared_model(dir_ + "/a.onnx", 32, ground_truth, 1.f);
    TinyManifest agreement;
    agreement.agreement = 0.97;
    save_tiny_prepared_model(dir_ + "/b.onnx", 16, agreement, 2.f);
    TinyManifest failed;
    failed.parity_passed = false;
    save_tiny_prepared_model(dir_ + "/c-failed.onnx", 32, failed, 3.f);
    save_tiny_prepared_model(dir_ + "/d-bare.onnx", 32, std::nullopt, 4.f);
    TinyManifest text;
    text.task = "text-classification";
    save_tiny_prepared_model(dir_ + "/e-text.onnx", 32, text, 5.f);
    TinyManifest stale;
    stale.sha256 = std::string(64, '0');
    save_tiny_prepared_model(dir_ + "/f-replaced.onnx", 32, stale, 6.f);
    std::ofstream(dir_ + "/.yolov5n-640-onnx.path") << "a record, not a model";
    std::ofstream(dir_ + "/notes.txt") << "not a model";
  }

  ProfileOptions options() const {
    ProfileOptions o;
    o.models = {dir_};
    o.runtimes = {"ort"};
    o.threads = {2, 1, 2};
    o.source = frames_;
    o.ladder_sizes = {64, 32, 16};
    return o;
  }

  std::string dir_, frames_;
};

TEST_F(ProfilePlanTest, AFolderGivesItsProvenDetectorsTimesRuntimesTimesThreads) {
  const ProfilePlan plan = plan_profile(options());
  EXPECT_EQ(ids(plan), (std::vector<std::string>{"a.onnx ort t1", "a.onnx ort t2", "b.onnx ort t1", "b.onnx ort t2"}));
  EXPECT_EQ(plan.skeleton.settings.threads, (std::vector<int>{1, 2}));
  ASSERT_TRUE(plan.candidates[0].accuracy.has_value());
  EXPECT_EQ(plan.candidates[0].accuracy->metric, "mAP50-95");
  EXPECT_EQ(plan.candidates[2].accuracy->metric, "agreement-mAP50");
  EXPECT_EQ(plan.candidates[0].model_sha256, sha256_file(dir_ + "/a.onnx"));

  EXPECT_EQ(reason_for(plan, "c-failed.onnx"), "its manifest records a failed parity check");
  EXPECT_EQ(reason_for(plan, "d-bare.onnx"), "no manifest (name the file with --models to profile it as unproven)");
  EXPECT_EQ(reason_for(plan, "e-text.onnx"), "a text-classification model, not detection");
  EXPECT_NE(reason_for(plan, "f-replaced.onnx").find("sha256 differs from its manifest's"), std::string::npos);
  EXPECT_EQ(plan.skeleton.skipped.size(), 4u) << "records and text files are not models";

  // Only the files measured key the profile, each with its manifest (a newly recorded accuracy
  // re-ranks the ladder, so it must invalidate a cached profile).
  ASSERT_EQ(plan.skeleton.model_files.size(), 4u);
  EXPECT_EQ(plan.skeleton.model_files[0].path, dir_ + "/a.onnx");
  EXPECT_EQ(plan.skeleton.model_files[1].path, dir_ + "/a.onnx.json");
  EXPECT_EQ(plan.skeleton.model_files[1].sha256, sha256_file(dir_ + "/a.onnx.json"));
  EXPECT_EQ(plan.skeleton.fingerprint, profile_fingerprint(plan.skeleton.host, plan.skeleton.model_files));

  // a is the 32 fp32 ONNX variant and b the 16: only 64 is missing, with the command that makes it.
  ASSERT_EQ(plan.skeleton.missing.size(), 1u);
  EXPECT_EQ(plan.skeleton.missing[0].variant, "yolov5n-64 onnx");
  EXPECT_EQ(plan.skeleton.missing[0].command,
            "smartcamrt export --weights yolov5n.pt --format onnx --imgsz 64 --out " + dir_);
}

TEST_F(ProfilePlanTest, AChangedModelChangesTheFingerprint) {
  const std::string before = plan_profile(options()).skeleton.fingerprint;
  EXPECT_EQ(plan_profile(options()).skeleton.fingerprint, before);
  TinyManifest agreement;
  agreement.agreement = 0.97;
  save_tiny_prepared_model(dir_ + "/b.onnx", 16, agreement, 9.f);  // re-exported: other weights
  EXPECT_NE(plan_profile(options()).skeleton.fingerprint, before);
}

TEST_F(ProfilePlanTest, AFileNamedDirectlyMayLackAManifest) {
  ProfileOptions o = options();
  o.models = {dir_ + "/d-bare.onnx", dir_ + "/a.onnx"};
  o.threads = {1};
  const ProfilePlan plan = plan_profile(o);
  EXPECT_EQ(ids(plan), (std::vector<std::string>{"d-bare.onnx ort t1", "a.onnx ort t1"}));
  EXPECT_FALSE(plan.candidates[0].accuracy.has_value()) << "no manifest: unproven";
  EXPECT_TRUE(plan.skeleton.missing.empty()) << "files named directly are not a cache to complete";
}

TEST_F(ProfilePlanTest, OpenVinoIsOfferedOnnxFilesWhenAvailable) {
  const Backend* openvino = BackendRegistry::instance().find("openvino");
  if (!openvino || !openvino->availability().available) GTEST_SKIP() << "OpenVINO is not available in this build";
  ProfileOptions o = options();
  o.runtimes = {};
  o.threads = {1};
  const std::vector<std::string> planned = ids(plan_profile(o));
  EXPECT_NE(std::find(planned.begin(), planned.end(), "a.onnx openvino t1"), planned.end());
  EXPECT_NE(std::find(planned.begin(), planned.end(), "a.onnx ort t1"), planned.end());
}

TEST_F(ProfilePlanTest, BadOptionsAndFilesAreNamed) {
  const auto error_of = [](const ProfileOptions& o) {
    try {
      plan_profile(o);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  ProfileOptions o = options();
  o.models = {dir_ + "/c-failed.onnx"};
  EXPECT_EQ(error_of(o), "--models '" + dir_ + "/c-failed.onnx': its manifest records a failed parity check");
  o.models = {dir_ + "/absent"};
  EXPECT_EQ(error_of(o), "--models '" + dir_ + "/absent': no such file or folder");
  o.models = {dir_ + "/notes.txt"};
  EXPECT_EQ(error_of(o), "--models '" + dir_ + "/notes.txt': no runtime handles '.txt' files");
  o = options();
  o.runtimes = {"tensorflow"};
  EXPECT_EQ(error_of(o).rfind("--runtimes 'tensorflow': unknown runtime (known: ", 0), 0u) << error_of(o);
  o = options();
  o.threads = {0};
  EXPECT_EQ(error_of(o), "--threads 0: must be 1..256");
  o = options();
  o.runs = 0;
  EXPECT_EQ(error_of(o), "--runs 0: must be >= 1");
  const std::string empty = testing::make_temp_dir("profile-plan-empty");
  o = options();
  o.models = {empty};
  EXPECT_EQ(error_of(o), "no model to profile in '" + empty +
                             "'; make one with: smartcamrt export --weights yolov5n.pt "
                             "--format onnx --imgsz 64 --out " +
                             empty);
}

}  // namespace smartcamrt
