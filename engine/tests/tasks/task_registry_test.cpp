// The Task layer's registry: a model's manifest names its task; a model without one is a detector;
// an unknown task is refused in one line; and every registered task kind has a test (guard).
#include "smartcamrt/tasks/task.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "../support/tiny_onnx.hpp"
#include "smartcamrt/core/error.hpp"
#include "smartcamrt/tasks/detection/detection_task.hpp"

namespace smartcamrt {

TEST(TaskRegistry, EveryRegisteredTaskKindHasATest) {
  // Each kind listed here has its own tests under engine/tests/tasks/<kind>/; add the kind and its
  // tests together.
  const std::vector<std::string> tested{"detection", "text-classification"};
  EXPECT_EQ(TaskRegistry::instance().names(), tested);
}

TEST(TaskRegistry, AModelWithoutManifestIsADetectorAndItsItemsAreAnswered) {
  const std::string dir = testing::make_temp_dir("task-registry");
  const std::vector<float> two{8, 8, 4, 4, 0.9f, 0.9f, 24, 24, 4, 4, 0.8f, 0.9f};
  TaskConfig config;
  config.model_path = testing::save_constant_yolo_model(dir + "/m.onnx", 32, two, 6);
  config.session.threads = 1;
  std::unique_ptr<Task> task = create_task(config);
  EXPECT_EQ(task->info().task, "detection");
  EXPECT_EQ(task->info().input, "32x32");
  EXPECT_TRUE(task->takes_images());
  Frame frame;
  frame.image = cv::Mat(32, 32, CV_8UC3, cv::Scalar(1, 2, 3));
  StageTimes times;
  const std::unique_ptr<TaskResult> result = task->process(frame, times);
  EXPECT_EQ(result->count(), 2);
  EXPECT_GT(times.infer_ms, 0.0);
  EXPECT_THROW(task->process(Frame{}, times), Error) << "an item without an image is refused";
}

TEST(TaskRegistry, AManifestNamingAnUnknownTaskIsRefusedInOneLine) {
  const std::string dir = testing::make_temp_dir("task-registry-unknown");
  TaskConfig config;
  config.model_path = testing::save_constant_yolo_model(dir + "/m.onnx", 32, std::vector<float>(6, 0.f), 6);
  std::ofstream(config.model_path + ".json") << R"({"format": "onnx", "task": "segmentation"})";
  try {
    create_task(config);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "model '" + config.model_path +
                                         "': its manifest names task 'segmentation', which this engine does not "
                                         "have (it has: detection, text-classification)");
  }
}

}  // namespace smartcamrt
