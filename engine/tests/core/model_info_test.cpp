#include "smartcamrt/core/model_info.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "../support/tiny_onnx.hpp"
#include "smartcamrt/core/error.hpp"

namespace smartcamrt {

TEST(LabelMetadata, JsonListAndYoloDictText) {
  EXPECT_EQ(parse_label_metadata(R"(["person", "bicycle"])"), (std::vector<std::string>{"person", "bicycle"}));
  EXPECT_EQ(parse_label_metadata("{0: 'person', 1: 'bicycle', 2: 'car'}"),
            (std::vector<std::string>{"person", "bicycle", "car"}));
  EXPECT_TRUE(parse_label_metadata("{1: 'a', 0: 'b'}").empty());  // not dense and ordered
  EXPECT_TRUE(parse_label_metadata("not labels").empty());
}

TEST(Manifest, ReadsLabelsPrecisionAndParity) {
  const std::string dir = testing::make_temp_dir("manifest");
  const std::string model = dir + "/m.onnx";
  std::ofstream(model + ".json") << R"({"format": "onnx", "precision": "fp16", "labels": ["a", "b"],
    "parity": {"passed": false, "max_abs_diff": 0.5, "atol": 0.01, "reference": "pytorch"}})";
  const auto manifest = read_manifest(model);
  ASSERT_TRUE(manifest.has_value());
  EXPECT_EQ(manifest->precision, "fp16");
  EXPECT_EQ(manifest->labels, (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(manifest->parity.has_value());
  EXPECT_FALSE(manifest->parity->passed);
  EXPECT_NE(manifest->parity->summary.find("vs pytorch"), std::string::npos);
}

TEST(Manifest, AbsentIsNulloptAndBrokenIsAnError) {
  const std::string dir = testing::make_temp_dir("manifest-bad");
  EXPECT_FALSE(read_manifest(dir + "/none.onnx").has_value());
  std::ofstream(dir + "/bad.onnx.json") << "{not json";
  EXPECT_THROW(read_manifest(dir + "/bad.onnx"), Error);
}

}  // namespace smartcamrt
