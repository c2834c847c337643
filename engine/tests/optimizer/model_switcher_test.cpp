#include "smartcamrt/optimizer/model_switcher.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "smartcamrt/tasks/task.hpp"

#include "../support/tiny_onnx.hpp"

namespace smartcamrt {
namespace {

std::unique_ptr<Task> wait_ready(ModelSwitcher& switcher, std::string* failure) {
  for (int i = 0; i < 500; ++i) {
    if (auto task = switcher.take_ready(failure)) return task;
    if (!failure->empty()) return nullptr;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return nullptr;
}

// Two tiny detectors in a fresh folder (a: 32 px, b: 64 px), a configuration on a, and a 64x48 source.
struct TwoModels {
  std::string a, b;
  TaskConfig base;
  SourceInfo source;
};

TwoModels two_models(const std::string& folder, const std::string& runtime) {
  const std::string dir = testing::make_temp_dir(folder);
  TwoModels m;
  m.a = testing::save_constant_yolo_model(dir + "/a.onnx", 32, std::vector<float>(8, 0.f), 8);
  m.b = testing::save_constant_yolo_model(dir + "/b.onnx", 64, std::vector<float>(7, 0.f), 7);
  m.base.model_path = m.a;
  m.base.runtime = runtime;
  m.base.session.threads = 1;
  m.source.width = 64;
  m.source.height = 48;
  return m;
}

}  // namespace

TEST(ModelSwitcher, PreparesTheRequestedModelInTheBackground) {
  const TwoModels m = two_models("switcher", "");
  const std::string &a = m.a, &b = m.b;
  const TaskConfig& base = m.base;
  ModelSwitcher switcher(base, m.source);
  std::string failure;
  EXPECT_EQ(switcher.take_ready(&failure), nullptr);  // nothing requested
  ASSERT_TRUE(switcher.request({b, "", 0, ""}));
  EXPECT_FALSE(switcher.request({a, "", 0, ""})) << "a second request while one is being prepared is refused";
  auto detector = wait_ready(switcher, &failure);
  ASSERT_NE(detector, nullptr) << failure;
  EXPECT_EQ(detector->info().name, "b.onnx");
  EXPECT_EQ(detector->info().input, "64x64");
  EXPECT_FALSE(switcher.busy());
  ASSERT_TRUE(switcher.request({a, "ort", 0, ""}));  // free again
  detector = wait_ready(switcher, &failure);
  ASSERT_NE(detector, nullptr);
  EXPECT_EQ(detector->info().name, "a.onnx");
}

// A revert from a probe must not wait for a load: the task replaced last comes back as it was.
TEST(ModelSwitcher, ARequestForTheTaskReplacedLastGetsItBackWarmAtOnce) {
  const TwoModels m = two_models("switcher-back", "ort");
  const std::string &a = m.a, &b = m.b;
  const TaskConfig& base = m.base;
  ModelSwitcher switcher(base, m.source);
  std::unique_ptr<Task> running = create_task(base);
  Task* const original = running.get();
  std::string failure;
  ASSERT_TRUE(switcher.request({b, "ort", 1, ""}));
  std::unique_ptr<Task> next = wait_ready(switcher, &failure);
  ASSERT_NE(next, nullptr) << failure;
  switcher.retire(std::move(running));  // the stream swapped b in
  running = std::move(next);

  ASSERT_TRUE(switcher.request({a, "ort", 1, ""}));
  std::unique_ptr<Task> back = switcher.take_ready(&failure);  // no wait: ready at once
  ASSERT_NE(back, nullptr) << failure;
  EXPECT_EQ(back.get(), original) << "the same task object, not a new load";
  EXPECT_EQ(back->info().name, "a.onnx");
  Task* const retired_b = running.get();
  switcher.retire(std::move(running));
  running = std::move(back);

  // Taken back warm, the task swapped out is b on one thread (not a's configuration again).
  ASSERT_TRUE(switcher.request({b, "ort", 1, ""}));
  std::unique_ptr<Task> again = switcher.take_ready(&failure);
  ASSERT_NE(again, nullptr) << failure;
  EXPECT_EQ(again.get(), retired_b);
  EXPECT_EQ(again->info().name, "b.onnx");
  switcher.retire(std::move(running));
  running = std::move(again);
  ASSERT_TRUE(switcher.request({a, "ort", 1, ""}));
  std::unique_ptr<Task> a_again = switcher.take_ready(&failure);
  ASSERT_NE(a_again, nullptr) << failure;
  EXPECT_EQ(a_again.get(), original);
  switcher.retire(std::move(running));  // b, one thread

  ASSERT_TRUE(switcher.request({b, "ort", 2, ""}));  // another thread count: a new load
  std::unique_ptr<Task> fresh = wait_ready(switcher, &failure);
  ASSERT_NE(fresh, nullptr) << failure;
  EXPECT_NE(fresh.get(), retired_b) << "not the retired task, which ran on one thread";
  EXPECT_EQ(fresh->info().name, "b.onnx");
}

bool wait_warm(const ModelSwitcher& switcher, const SwitchRequest& request) {
  for (int i = 0; i < 500 && !switcher.holds_warm(request); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return switcher.holds_warm(request);
}

// A step down under load must not wait for a load under that load: the standby is that rung, warm.
TEST(ModelSwitcher, AStandbyIsLoadedBesideTheRunningTaskAndARequestForItTakesEffectAtOnce) {
  const TwoModels m = two_models("switcher-standby", "ort");
  const std::string &a = m.a, &b = m.b;
  const TaskConfig& base = m.base;
  ModelSwitcher switcher(base, m.source);
  const SwitchRequest to_b{b, "ort", 1, "down"};
  EXPECT_FALSE(switcher.holds_warm(to_b));
  switcher.prepare_standby(to_b);
  switcher.prepare_standby(to_b);  // the same standby again: nothing new starts
  ASSERT_TRUE(wait_warm(switcher, to_b));
  EXPECT_FALSE(switcher.busy()) << "a standby is not a switch";
  std::string failure;
  EXPECT_EQ(switcher.take_ready(&failure), nullptr) << "nothing is swapped in until asked";
  EXPECT_FALSE(switcher.holds_warm({b, "ort", 2, ""})) << "another thread count is another configuration";

  ASSERT_TRUE(switcher.request(to_b));
  SwitchRequest served;
  std::unique_ptr<Task> next = switcher.take_ready(&failure, &served);  // no wait
  ASSERT_NE(next, nullptr) << failure;
  EXPECT_EQ(next->info().name, "b.onnx");
  EXPECT_EQ(served.reason, "down");
  EXPECT_FALSE(switcher.holds_warm(to_b)) << "the standby was used up";
  switcher.retire(create_task(base));
  EXPECT_TRUE(switcher.holds_warm({a, "ort", 1, ""})) << "the task replaced is held for a revert";
  switcher.prepare_standby({a, "ort", 1, ""});  // warm already: nothing to load
  EXPECT_TRUE(switcher.holds_warm({a, "ort", 1, ""}));
}

TEST(ModelSwitcher, ARequestForAStandbyStillLoadingIsServedWhenItsLoadEnds) {
  const std::string dir = testing::make_temp_dir("switcher-standby-loading");
  const std::string a = testing::save_constant_yolo_model(dir + "/a.onnx", 32, std::vector<float>(8, 0.f), 8);
  const std::string b = testing::save_constant_yolo_model(dir + "/b.onnx", 64, std::vector<float>(7, 0.f), 7);
  TaskConfig base;
  base.model_path = a;
  base.session.threads = 1;
  ModelSwitcher switcher(base, SourceInfo{});
  switcher.prepare_standby({b, "ort", 1, ""});
  ASSERT_TRUE(switcher.request({b, "ort", 1, "now"}));  // the same configuration, at once after
  std::string failure;
  std::unique_ptr<Task> next = wait_ready(switcher, &failure);
  ASSERT_NE(next, nullptr) << failure;
  EXPECT_EQ(next->info().name, "b.onnx");
  EXPECT_FALSE(switcher.busy());
}

// The controller asks for the rungs a step down, and a second one, would take: both load, one after
// the other, and stay; beyond kWarmPool the task used least recently goes.
TEST(ModelSwitcher, StandbysLoadOneAfterAnotherAndThePoolKeepsTheMostRecentlyUsed) {
  const std::string dir = testing::make_temp_dir("switcher-pool");
  TaskConfig base;
  base.model_path = testing::save_constant_yolo_model(dir + "/run.onnx", 32, std::vector<float>(8, 0.f), 8);
  base.runtime = "ort";
  base.session.threads = 1;
  ModelSwitcher switcher(base, SourceInfo{});
  std::vector<SwitchRequest> models;
  for (const char* name : {"m1", "m2", "m3", "m4"}) {
    const std::string path =
        testing::save_constant_yolo_model(dir + "/" + name + ".onnx", 32, std::vector<float>(8, 0.f), 8);
    models.push_back({path, "ort", 1, name});
  }
  switcher.prepare_standby(models[0]);
  switcher.prepare_standby(models[1]);
  ASSERT_TRUE(wait_warm(switcher, models[0]));
  ASSERT_TRUE(wait_warm(switcher, models[1]));
  switcher.prepare_standby(models[2]);
  ASSERT_TRUE(wait_warm(switcher, models[2]));
  static_assert(ModelSwitcher::kWarmPool == 3, "the counts below assume a pool of three");
  switcher.prepare_standby(models[3]);  // a fourth: m1, held longest, goes
  ASSERT_TRUE(wait_warm(switcher, models[3]));
  EXPECT_FALSE(switcher.holds_warm(models[0]));
  for (size_t i = 1; i < 4; ++i) EXPECT_TRUE(switcher.holds_warm(models[i])) << models[i].reason;
}

TEST(ModelSwitcher, AStandbyThatFailsToLoadIsReportedOnceAndNotHeld) {
  const std::string dir = testing::make_temp_dir("switcher-standby-bad");
  TaskConfig base;
  base.model_path = testing::save_constant_yolo_model(dir + "/a.onnx", 32, std::vector<float>(8, 0.f), 8);
  ModelSwitcher switcher(base, SourceInfo{});
  const SwitchRequest missing{dir + "/missing.onnx", "ort", 1, ""};
  switcher.prepare_standby(missing);
  std::string failure;
  for (int i = 0; i < 500 && failure.empty(); ++i) {
    failure = switcher.standby_failure();
    if (failure.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(failure, "model '" + dir + "/missing.onnx': no such file");
  EXPECT_EQ(switcher.standby_failure(), "") << "reported once";
  EXPECT_FALSE(switcher.holds_warm(missing));
  EXPECT_FALSE(switcher.busy());
}

TEST(ModelSwitcher, AFailedPreparationIsReportedOnceAndLeavesNothing) {
  const std::string dir = testing::make_temp_dir("switcher-bad");
  TaskConfig base;
  base.model_path = testing::save_constant_yolo_model(dir + "/a.onnx", 32, std::vector<float>(8, 0.f), 8);
  ModelSwitcher switcher(base, SourceInfo{});
  ASSERT_TRUE(switcher.request({dir + "/missing.onnx", "", 0, ""}));
  std::string failure;
  EXPECT_EQ(wait_ready(switcher, &failure), nullptr);
  EXPECT_EQ(failure, "model '" + dir + "/missing.onnx': no such file");
  std::string again;
  EXPECT_EQ(switcher.take_ready(&again), nullptr);
  EXPECT_TRUE(again.empty());
  EXPECT_FALSE(switcher.busy());
}

}  // namespace smartcamrt

namespace smartcamrt {

// A request naming only a runtime applies to the model in use, not the one the run started with.
TEST(ModelSwitcher, ARuntimeAloneAppliesToTheCurrentModel) {
  const std::string dir = testing::make_temp_dir("switcher-runtime");
  const std::string a = testing::save_constant_yolo_model(dir + "/a.onnx", 32, std::vector<float>(6, 0.f), 6);
  const std::string b = testing::save_constant_yolo_model(dir + "/b.onnx", 32, std::vector<float>(6, 0.f), 6);
  TaskConfig base;
  base.model_path = a;
  base.session.threads = 1;
  ModelSwitcher switcher(base, SourceInfo{});
  std::string failure;
  ASSERT_TRUE(switcher.request({b, "", 0, ""}));
  ASSERT_NE(wait_ready(switcher, &failure), nullptr) << failure;
  ASSERT_TRUE(switcher.request({"", "ort", 0, ""}));
  auto task = wait_ready(switcher, &failure);
  ASSERT_NE(task, nullptr) << failure;
  EXPECT_EQ(task->info().name, "b.onnx") << "runtime= alone must keep the current model (b), not the start model (a)";
  EXPECT_EQ(task->info().runtime, "ort");
}

}  // namespace smartcamrt
