#include "smartcamrt/core/model_info.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "../support/tiny_onnx.hpp"
#include "smartcamrt/core/error.hpp"
#include "smartcamrt/core/host.hpp"

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

namespace smartcamrt {

// An 8-bit model validated on a VNNI CPU and run on an AVX2-only one (or the other way) is flagged;
// float models and a matching CPU are not.
TEST(IsaMismatch, WarnsForEightBitModelsOnAnotherInstructionSetOnly) {
  ModelInfo model;
  model.name = "m.int8.onnx";
  model.precision = "int8";
  model.manifest = ModelManifest{};
  model.manifest->validated_on = ValidatedOn{"AMD EPYC (VNNI)", "x86_64", {"avx2", "avx512_vnni", "avx512f", "fma"}};
  const std::vector<std::string> vnni_host{"avx2", "avx512_vnni", "avx512bw", "avx512f", "fma"};
  const std::vector<std::string> avx2_host{"avx2", "fma"};
  EXPECT_EQ(isa_mismatch_warning(model, vnni_host), "");
  const std::string warning = isa_mismatch_warning(model, avx2_host);
  EXPECT_NE(warning.find("m.int8.onnx"), std::string::npos) << warning;
  EXPECT_NE(warning.find("-vnni"), std::string::npos) << warning;
  EXPECT_NE(warning.find("-avx512f"), std::string::npos) << warning;
  model.precision = "fp32";
  EXPECT_EQ(isa_mismatch_warning(model, avx2_host), "") << "float kernels give the same answers within tolerance";
  model.precision = "uint8";
  model.manifest->validated_on.reset();
  EXPECT_NE(isa_mismatch_warning(model, vnni_host).find("does not say"), std::string::npos);
}

TEST(IsaMismatch, ReadsTheRelevantFlagsFromCpuinfo) {
  const std::string dir = testing::make_temp_dir("cpuinfo");
  std::ofstream(dir + "/cpuinfo") << "processor\t: 0\nmodel name\t: Test CPU\n"
                                  << "flags\t\t: fpu sse2 avx2 fma avx512f avx512_vnni sha_ni\n"
                                  << "processor\t: 1\nflags\t\t: fpu\n";
  EXPECT_EQ(read_isa_flags(dir + "/cpuinfo"), (std::vector<std::string>{"avx2", "avx512_vnni", "avx512f", "fma"}));
  std::ofstream(dir + "/arm") << "processor\t: 0\nFeatures\t: fp asimd asimddp i8mm\n";
  EXPECT_EQ(read_isa_flags(dir + "/arm"), (std::vector<std::string>{"asimd", "asimddp", "i8mm"}));
  EXPECT_TRUE(read_isa_flags(dir + "/missing").empty());
}

}  // namespace smartcamrt
