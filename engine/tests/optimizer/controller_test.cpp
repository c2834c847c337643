// The controller against scripted streams: it turns the policy's decisions into switch requests to
// every stream (one shared budget), waits for them to take effect, and records each decision.
#include "smartcamrt/optimizer/controller.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "../support/tiny_onnx.hpp"
#include "profile_fixtures.hpp"
#include "smartcamrt/core/error.hpp"
#include "smartcamrt/optimizer/profile.hpp"

namespace smartcamrt {
namespace {

// A stream whose experience the test scripts: every observation returns `e2e_ms` and `failed`.
class ScriptedStream : public AdaptableStream {
 public:
  StreamObservation observe_since(double) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    StreamObservation obs;
    obs.e2e_ms = e2e_ms;
    obs.finished_s.assign(e2e_ms.size(), 0.0);  // all within the window
    obs.offered = static_cast<int64_t>(e2e_ms.size());
    obs.failed = failed;
    obs.generation = generation;
    return obs;
  }
  void request_switch(const SwitchRequest& request) override {
    std::lock_guard<std::mutex> lock(mutex_);
    requests.push_back(request);
  }
  void prepare_standby(const SwitchRequest& request) override {
    std::lock_guard<std::mutex> lock(mutex_);
    standby_requests.push_back(request);
    if (loads_at_once) warm_models.push_back(request.model_path);
  }
  bool holds_warm(const SwitchRequest& request) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::find(warm_models.begin(), warm_models.end(), request.model_path) != warm_models.end();
  }
  // The stream swapped in what was asked: its window starts afresh.
  void complete_switch(std::vector<double> new_e2e) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++generation;
    failed = false;
    e2e_ms = std::move(new_e2e);
  }

  std::vector<double> e2e_ms;
  bool failed = false;
  uint64_t generation = 0;
  std::vector<SwitchRequest> requests;
  std::vector<SwitchRequest> standby_requests;
  std::vector<std::string> warm_models;  // what holds_warm() says yes to
  bool loads_at_once = false;            // a standby asked for is warm at once

 private:
  mutable std::mutex mutex_;
};

LadderStep step(const std::string& id, double p50_ms, double p95_ms, double accuracy) {
  LadderStep s;
  s.rung.id = id;
  s.rung.p50_ms = p50_ms;
  s.rung.p95_ms = p95_ms;
  s.rung.accuracy = accuracy;
  s.model_path = "/models/" + id + ".onnx";
  s.runtime = "ort";
  s.threads = 2;
  return s;
}

std::vector<LadderStep> two_rungs() { return {step("heavy", 30, 40, 0.9), step("light", 10, 14, 0.7)}; }

PolicyParams params_for_test() {
  PolicyParams params;
  params.slo_ms = 50;
  params.cooldown_s = 0;  // the test's ticks are milliseconds apart
  return params;
}

}  // namespace

TEST(AdaptiveController, StartsOnTheRungOfTheGivenModel) {
  AdaptiveController controller(two_rungs(), params_for_test(), "/models/light.onnx", "ort", 2);
  EXPECT_EQ(controller.rung(), 1u);
}

TEST(AdaptiveController, OverloadStepsEveryStreamDownAndTheSwitchTakesEffect) {
  AdaptiveController controller(two_rungs(), params_for_test(), "/models/heavy.onnx", "ort", 2);
  ScriptedStream a, b;
  a.e2e_ms = std::vector<double>(30, 120.0);  // far over the 50 ms SLO
  b.e2e_ms = std::vector<double>(30, 110.0);
  controller.begin({&a, &b}, Clock::now(), nullptr);
  controller.tick();
  ASSERT_EQ(a.requests.size(), 1u);
  ASSERT_EQ(b.requests.size(), 1u) << "one budget: every stream moves together";
  EXPECT_EQ(a.requests[0].model_path, "/models/light.onnx");
  EXPECT_EQ(a.requests[0].threads, 2);
  EXPECT_EQ(a.requests[0].reason.rfind("adapt:down", 0), 0u) << a.requests[0].reason;
  EXPECT_EQ(controller.rung(), 0u) << "the rung changes only when the switch has taken effect";
  controller.tick();
  EXPECT_EQ(a.requests.size(), 1u) << "no new decision while a switch is under way";
  a.complete_switch(std::vector<double>(30, 12.0));
  controller.tick();
  EXPECT_EQ(controller.rung(), 0u) << "stream b has not switched yet";
  b.complete_switch(std::vector<double>(30, 12.0));
  controller.tick();
  EXPECT_EQ(controller.rung(), 1u);
  ASSERT_EQ(controller.decisions().size(), 1u);
  EXPECT_EQ(controller.decisions()[0].action, "down");
  EXPECT_EQ(controller.decisions()[0].to, 1u);
}

std::vector<LadderStep> three_rungs() {
  return {step("heavy", 30, 40, 0.9), step("middle", 15, 18, 0.8), step("light", 6, 8, 0.7)};
}

TEST(AdaptiveController, KeepsTheRungAStepDownWouldTakeWarmAndStepsDownToItOnceWarm) {
  PolicyParams params = params_for_test();
  params.standby_slowdown = 2.5;  // budget 40: middle predicts 45 at x2.5, light 20
  AdaptiveController controller(three_rungs(), params, "/models/heavy.onnx", "ort", 2);
  ScriptedStream stream;
  stream.e2e_ms = std::vector<double>(30, 35.0);  // within the SLO, but no room for a load beside it
  controller.begin({&stream}, Clock::now(), nullptr);
  controller.tick();
  EXPECT_TRUE(stream.standby_requests.empty()) << "p95 35 > half the SLO: a load now would make it late";
  stream.e2e_ms = std::vector<double>(30, 20.0);
  controller.tick();
  ASSERT_EQ(stream.standby_requests.size(), 1u);
  EXPECT_EQ(stream.standby_requests[0].model_path, "/models/light.onnx");
  EXPECT_EQ(stream.standby_requests[0].threads, 2);
  controller.tick();
  EXPECT_EQ(stream.standby_requests.size(), 1u) << "asked once, not at every tick";

  // Overload at x2 (median 60): middle predicts 36 <= 40 and would be chosen, but it must be loaded;
  // light is warm and fits, so the step down takes light.
  stream.warm_models = {"/models/light.onnx"};
  stream.e2e_ms = std::vector<double>(30, 60.0);
  controller.tick();
  ASSERT_EQ(stream.requests.size(), 1u);
  EXPECT_EQ(stream.requests[0].model_path, "/models/light.onnx") << stream.requests[0].reason;
  EXPECT_NE(stream.requests[0].reason.find("warm"), std::string::npos) << stream.requests[0].reason;
  stream.complete_switch(std::vector<double>(30, 8.0));
  controller.tick();
  EXPECT_EQ(controller.rung(), 2u);
  EXPECT_EQ(stream.standby_requests.size(), 1u) << "nothing lighter than the lightest to hold";
}

TEST(AdaptiveController, TheFirstStandbyIsLoadedBeforeTheRunStarts) {
  PolicyParams params = params_for_test();
  params.standby_slowdown = 2.5;
  AdaptiveController controller(three_rungs(), params, "/models/heavy.onnx", "ort", 2);
  ScriptedStream stream;
  stream.loads_at_once = true;
  controller.preload_standby({&stream}, std::chrono::milliseconds(1000));
  ASSERT_EQ(stream.standby_requests.size(), 1u);
  EXPECT_EQ(stream.standby_requests[0].model_path, "/models/light.onnx");
  stream.e2e_ms = std::vector<double>(30, 20.0);
  controller.begin({&stream}, Clock::now(), nullptr);
  controller.tick();
  EXPECT_EQ(stream.standby_requests.size(), 1u) << "not asked again once running";

  AdaptiveController never_warm(three_rungs(), params, "/models/heavy.onnx", "ort", 2);
  ScriptedStream slow;  // its standby never loads: the wait ends at the limit
  const auto begin = Clock::now();
  never_warm.preload_standby({&slow}, std::chrono::milliseconds(100));
  EXPECT_GE(ms_between(begin, Clock::now()), 100.0);
  EXPECT_LT(ms_between(begin, Clock::now()), 2000.0);
}

TEST(AdaptiveController, WithoutAWarmStandbyTheStepDownGoesToTheMostAccurateRungThatFits) {
  PolicyParams params = params_for_test();
  params.standby_slowdown = 2.5;
  AdaptiveController controller(three_rungs(), params, "/models/heavy.onnx", "ort", 2);
  ScriptedStream stream;
  stream.e2e_ms = std::vector<double>(30, 60.0);
  controller.begin({&stream}, Clock::now(), nullptr);
  controller.tick();
  ASSERT_EQ(stream.requests.size(), 1u);
  EXPECT_EQ(stream.requests[0].model_path, "/models/middle.onnx") << stream.requests[0].reason;
}

TEST(AdaptiveController, AFailingSessionFallsBackAtOnce) {
  AdaptiveController controller(two_rungs(), params_for_test(), "/models/heavy.onnx", "ort", 2);
  ScriptedStream stream;
  stream.e2e_ms = std::vector<double>(5, 20.0);
  stream.failed = true;
  controller.begin({&stream}, Clock::now(), nullptr);
  controller.tick();
  ASSERT_EQ(stream.requests.size(), 1u);
  EXPECT_EQ(stream.requests[0].model_path, "/models/light.onnx");
  EXPECT_EQ(stream.requests[0].reason.rfind("fallback:", 0), 0u) << stream.requests[0].reason;
}

TEST(AdaptiveController, AStartModelOutsideTheLadderMovesToTheMostAccurateRungAndDecisionsAreWritten) {
  AdaptiveController controller(two_rungs(), params_for_test(), "/elsewhere/other.onnx", "", 0);
  ScriptedStream stream;
  controller.begin({&stream}, Clock::now(), nullptr);
  ASSERT_EQ(stream.requests.size(), 1u);
  EXPECT_EQ(stream.requests[0].model_path, "/models/heavy.onnx");
  const std::string dir = testing::make_temp_dir("controller-decisions");
  controller.write_decisions(dir);
  std::ifstream in(dir + "/decisions.jsonl");
  std::string header, first;
  ASSERT_TRUE(std::getline(in, header));
  ASSERT_TRUE(std::getline(in, first));
  const auto ladder = nlohmann::json::parse(header)["ladder"];
  ASSERT_EQ(ladder.size(), 2u);
  EXPECT_EQ(ladder[1]["id"], "light");
  EXPECT_EQ(nlohmann::json::parse(first)["action"], "start");
}

TEST(AdaptiveController, AStartModelOutsideTheLadderCanBeReplacedBeforeTheStreamsLoad) {
  AdaptiveController controller(two_rungs(), params_for_test(), "/elsewhere/other.onnx", "", 0);
  const LadderStep* start = controller.replace_start();
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->model_path, "/models/heavy.onnx");
  EXPECT_EQ(controller.replace_start(), nullptr) << "once replaced, the start is a rung";
  ScriptedStream stream;
  controller.begin({&stream}, Clock::now(), nullptr);
  EXPECT_TRUE(stream.requests.empty()) << "the streams start on the rung: no switch at start";
  ASSERT_EQ(controller.decisions().size(), 1u);
  EXPECT_EQ(controller.decisions()[0].reason, "adapt:start --model is not in the profile: starting on heavy");

  AdaptiveController in_ladder(two_rungs(), params_for_test(), "/models/light.onnx", "ort", 2);
  EXPECT_EQ(in_ladder.replace_start(), nullptr);
  EXPECT_EQ(in_ladder.rung(), 1u);
}

TEST(AdaptiveController, RefusesABadLadder) {
  std::vector<LadderStep> rising = two_rungs();
  std::swap(rising[0], rising[1]);  // accuracy must not rise down the ladder
  EXPECT_THROW(AdaptiveController(rising, params_for_test(), "/models/heavy.onnx", "ort", 2), Error);
}

}  // namespace smartcamrt

namespace smartcamrt {
namespace {

ProfiledConfiguration rung_at(const std::string& model, int threads, double accuracy, double p95_ms) {
  return testing::profiled_configuration(model + " ort t" + std::to_string(threads), model, "ort", threads, accuracy,
                                         p95_ms, "mAP50-95");
}

// Four streams on two cores: a rung profiled on two threads would ask for eight.
TEST(ControllerCreate, SeveralStreamsTakeOnlyRungsProfiledWithTheirShareOfTheCores) {
  const std::string dir = testing::make_temp_dir("controller-share");
  DeviceProfile profile;
  profile.host = read_profile_host();
  profile.host.cores = 2;
  profile.fingerprint = profile_fingerprint(profile.host, {});
  profile.configurations = {rung_at("big.onnx", 2, 0.4, 20), rung_at("big.onnx", 1, 0.4, 30),
                            rung_at("small.onnx", 2, 0.3, 8), rung_at("small.onnx", 1, 0.3, 12)};
  save_profile(profile, dir + "/profile.json");
  AdaptConfig adapt;
  adapt.enabled = true;
  adapt.slo_ms = 100;
  adapt.profile_path = dir + "/profile.json";

  const auto one = AdaptiveController::Create(adapt, "big.onnx", "ort", 2, 1);
  ASSERT_EQ(one->ladder().size(), 2u);
  EXPECT_EQ(one->ladder()[0].threads, 2) << "one stream: the fastest, on both cores";
  const auto four = AdaptiveController::Create(adapt, "big.onnx", "ort", 1, 4);
  ASSERT_EQ(four->ladder().size(), 2u);
  for (const LadderStep& step : four->ladder()) EXPECT_EQ(step.threads, 1) << step.rung.id;
  EXPECT_DOUBLE_EQ(four->ladder()[0].rung.p95_ms, 30);
}

}  // namespace
}  // namespace smartcamrt
