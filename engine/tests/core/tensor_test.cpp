#include "smartcamrt/core/tensor.hpp"

#include <gtest/gtest.h>

namespace smartcamrt {

TEST(Tensor, CopyOwnsItsMemory) {
  std::vector<float> values{1.f, 2.f, 3.f, 4.f, 5.f, 6.f};
  const Tensor tensor = Tensor::copy_of(DType::kFloat32, {2, 3}, values.data());
  values[0] = 100.f;  // the copy must not see this
  EXPECT_EQ(tensor.data_as<float>()[0], 1.f);
  EXPECT_EQ(tensor.data_as<float>()[5], 6.f);
  EXPECT_EQ(tensor.byte_size(), 24u);
}

TEST(Tensor, ShapeHelpersTreatDynamicDimsAsOne) {
  EXPECT_EQ(element_count({1, 3, 640, 640}), 1228800);
  EXPECT_EQ(element_count({-1, 3, 2}), 6);
  EXPECT_EQ(shape_to_string({1, -1, 85}), "[1,?,85]");
}

}  // namespace smartcamrt
