// Fallback on failure: a session that starts throwing mid-stream (here a backend that fails on
// purpose after a number of runs) moves the stream to the next rung without stopping it; the run
// records why, and no item is lost beyond the ones the broken session could not answer.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>

#include <nlohmann/json.hpp>

#include "../optimizer/profile_fixtures.hpp"
#include "../support/backend_coverage.hpp"
#include "../support/process.hpp"
#include "../support/test_clip.hpp"
#include "../support/tiny_onnx.hpp"
#include "smartcamrt/backends/backend.hpp"
#include "smartcamrt/core/error.hpp"
#include "smartcamrt/optimizer/profile.hpp"
#include "smartcamrt/pipeline/pipeline.hpp"

SMARTCAMRT_BACKEND_TESTED(flaky);

namespace smartcamrt {
namespace {

// ONNX Runtime underneath; every session fails for good after `kGoodRuns` runs, as a runtime whose
// accelerator vanished would.
constexpr int kGoodRuns = 12;

class FlakySession : public Session {
 public:
  explicit FlakySession(std::unique_ptr<Session> inner) : inner_(std::move(inner)) {}
  const std::vector<TensorSpec>& inputs() const override { return inner_->inputs(); }
  const std::vector<TensorSpec>& outputs() const override { return inner_->outputs(); }
  std::vector<Tensor> run(const std::vector<TensorView>& inputs) override {
    if (++runs_ > kGoodRuns) throw Error("flaky: the device went away");
    return inner_->run(inputs);
  }

 private:
  std::unique_ptr<Session> inner_;
  int runs_ = 0;
};

class FlakyBackend : public Backend {
 public:
  std::string name() const override { return "flaky"; }
  std::string description() const override { return "test backend: ONNX Runtime that fails after a few runs"; }
  std::vector<std::string> file_suffixes() const override { return {".flaky"}; }
  Availability availability() const override { return {true, "test", ""}; }
  std::unique_ptr<Session> open(const std::string& path, const SessionOptions& options) const override {
    return std::make_unique<FlakySession>(BackendRegistry::instance().require("ort").open(path, options));
  }
};

void register_flaky_backend() {
  static std::atomic<bool> done{false};
  if (!done.exchange(true)) BackendRegistry::instance().add(std::make_unique<FlakyBackend>());
}

ProfiledConfiguration configuration(const std::string& id, const std::string& model, const std::string& runtime,
                                    double accuracy, double p95_ms) {
  return testing::profiled_configuration(id, model, runtime, 1, accuracy, p95_ms, "mAP50");
}

}  // namespace

TEST(Fallback, AFailingSessionMovesTheStreamToTheNextRungWithoutStopping) {
  if (!BackendRegistry::instance().require("ort").availability().available) GTEST_SKIP() << "needs ONNX Runtime";
  register_flaky_backend();
  const std::string dir = testing::make_temp_dir("fallback");
  const std::vector<float> one{16, 16, 8, 8, 0.9f, 0.9f};
  const std::vector<float> two{16, 16, 8, 8, 0.9f, 0.9f, 48, 48, 8, 8, 0.8f, 0.9f};
  const std::string heavy = testing::save_constant_yolo_model(dir + "/heavy.flaky", 64, one, 6);
  const std::string light = testing::save_constant_yolo_model(dir + "/light.onnx", 64, two, 6);
  testing::write_test_clip(dir + "/clip.avi", 80, 64, 64, 40.0);
  DeviceProfile profile;
  profile.host = read_profile_host();
  profile.fingerprint = profile_fingerprint(profile.host, {});
  profile.configurations = {configuration("heavy flaky t1", heavy, "flaky", 0.9, 20),
                            configuration("light ort t1", light, "ort", 0.5, 10)};
  save_profile(profile, dir + "/profile.json");

  RunConfig config;
  config.task.model_path = heavy;
  config.task.session.threads = 1;
  config.sources = {dir + "/clip.avi"};
  config.out_dir = dir + "/run";
  config.realtime = true;  // 2 s at 40 fps
  config.save_annotated = false;
  config.adapt.enabled = true;
  config.adapt.slo_ms = 1000;  // latency is not the point here
  config.adapt.profile_path = dir + "/profile.json";
  const RunReport report = run_pipeline(config);

  EXPECT_EQ(report.switches, 1);
  ASSERT_EQ(report.decisions.size(), 1u);
  EXPECT_EQ(report.decisions[0].action, "fallback");
  EXPECT_NE(report.decisions[0].reason.find("heavy flaky t1"), std::string::npos) << report.decisions[0].reason;
  const auto lines = testing::read_lines(config.out_dir + "/frames.csv");
  ASSERT_GT(lines.size(), 40u) << "the stream went on after the failure";
  bool failure_event = false, switched = false;
  for (size_t i = 1; i < lines.size(); ++i) {
    const auto fields = testing::split_csv(lines[i]);
    if (fields[21].rfind("failure:flaky: the device went away;fallback:", 0) == 0) {
      failure_event = switched = true;  // the failure and the fallback it caused, on the first row after
    }
    EXPECT_EQ(fields[4], switched ? "light.onnx" : "heavy.flaky") << lines[i];
  }
  EXPECT_TRUE(failure_event) << "the failure and the fallback are events of the first row answered after them";
  std::ifstream in(config.out_dir + "/summary.json");
  const auto summary = nlohmann::json::parse(in);
  const int64_t offered = summary["adaptation"]["offered"];
  EXPECT_EQ(offered, summary["frames"]["captured"].get<int64_t>()) << "every captured frame is processed or counted";
  EXPECT_GE(summary["frames"]["dropped"].get<int64_t>(), 1) << "the item the broken session failed on is a miss";
}

}  // namespace smartcamrt
