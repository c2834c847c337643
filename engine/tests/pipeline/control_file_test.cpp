#include "control_file.hpp"

#include <gtest/gtest.h>

#include "smartcamrt/core/error.hpp"

namespace smartcamrt {

TEST(ControlCommand, ParsesSwitchAndStop) {
  const auto both = parse_control_command("model=/m/x.tflite runtime=litert\n");
  ASSERT_TRUE(both.switch_request.has_value());
  EXPECT_EQ(both.switch_request->model_path, "/m/x.tflite");
  EXPECT_EQ(both.switch_request->runtime, "litert");
  EXPECT_FALSE(both.stop);
  const auto runtime_only = parse_control_command("runtime=ort");
  EXPECT_TRUE(runtime_only.switch_request->model_path.empty());
  EXPECT_TRUE(parse_control_command("stop").stop);
  EXPECT_FALSE(parse_control_command("  \n").switch_request.has_value());
  EXPECT_THROW(parse_control_command("model="), Error);
  EXPECT_THROW(parse_control_command("switch now"), Error);
}

}  // namespace smartcamrt
