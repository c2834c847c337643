#include <gtest/gtest.h>

#include "../support/backend_coverage.hpp"
#include "../support/load_error.hpp"
#include "../support/tiny_onnx.hpp"
#include "smartcamrt/backends/backend.hpp"
#include "smartcamrt/core/error.hpp"

SMARTCAMRT_BACKEND_TESTED(ort);

namespace smartcamrt {

TEST(OrtBackend, IsRegisteredAndAvailable) {
  const Backend* backend = BackendRegistry::instance().find("ort");
  ASSERT_NE(backend, nullptr);
  const Availability availability = backend->availability();
  ASSERT_TRUE(availability.available) << availability.reason;
  EXPECT_FALSE(availability.version.empty());
  EXPECT_EQ(&BackendRegistry::instance().for_model("/x/model.ONNX"), backend);
}

TEST(OrtBackend, RunsATinyAddModelAndReportsSpecsAndMetadata) {
  const std::string dir = testing::make_temp_dir("ort");
  const std::string path = testing::TinyOnnxModel()
                               .input("x", {1, 4})
                               .output("y", {1, 4})
                               .initializer("bias", {1, 4}, {1.f, 2.f, 3.f, 4.f})
                               .node("Add", {"x", "bias"}, {"y"})
                               .metadata("purpose", "test")
                               .save(dir + "/add.onnx");
  SessionOptions options;
  options.threads = 1;
  auto session = BackendRegistry::instance().require("ort").open(path, options);
  ASSERT_EQ(session->inputs().size(), 1u);
  EXPECT_EQ(session->inputs()[0].name, "x");
  EXPECT_EQ(session->inputs()[0].dtype, DType::kFloat32);
  EXPECT_EQ(session->inputs()[0].shape, (Shape{1, 4}));
  EXPECT_EQ(session->outputs()[0].name, "y");
  EXPECT_EQ(session->metadata().at("purpose"), "test");

  const std::vector<float> x{10.f, 20.f, 30.f, 40.f};
  const auto outputs = session->run({TensorView{DType::kFloat32, {1, 4}, x.data()}});
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_EQ(outputs[0].shape(), (Shape{1, 4}));
  const float* y = outputs[0].data_as<float>();
  EXPECT_FLOAT_EQ(y[0], 11.f);
  EXPECT_FLOAT_EQ(y[3], 44.f);
  EXPECT_THROW(session->run({}), Error);
}

TEST(OrtBackend, OpenOnAGarbageFileThrowsOneLine) {
  const std::string dir = testing::make_temp_dir("ort-bad");
  const std::string path = dir + "/bad.onnx";
  testing::TinyOnnxModel().save(path);  // a model with no graph content is invalid
  const std::string message = testing::load_error("ort", path);
  EXPECT_EQ(message.rfind("model '" + path + "': ONNX Runtime cannot load it: ", 0), 0u) << message;
}

}  // namespace smartcamrt
