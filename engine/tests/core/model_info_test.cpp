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

// The export's own check of the file decides where it records one: a model that cannot saturate is
// exact on every CPU; one that can is flagged only on x86 without VNNI.
TEST(IsaMismatch, TheExportsSaturationCheckDecidesWhereItIsRecorded) {
  ModelInfo model;
  model.name = "m.int8.onnx";
  model.precision = "int8";
  model.manifest = ModelManifest{};
  model.manifest->validated_on = ValidatedOn{"Xeon (VNNI)", "x86_64", {"avx2", "avx512_vnni", "avx512f", "fma"}};
  const std::vector<std::string> avx2_host{"avx2", "fma"};
  const std::vector<std::string> vnni_host{"avx2", "avx512_vnni", "avx512f", "fma"};
  const std::vector<std::string> arm_host{"asimd", "asimddp"};
  model.manifest->saturates_without_vnni = false;  // e.g. qdq-u8u8
  EXPECT_EQ(isa_mismatch_warning(model, avx2_host), "");
  model.manifest->saturates_without_vnni = true;  // qdq-u8s8
  EXPECT_NE(isa_mismatch_warning(model, avx2_host).find("saturate on x86 without VNNI"), std::string::npos);
  EXPECT_EQ(isa_mismatch_warning(model, vnni_host), "");
  EXPECT_EQ(isa_mismatch_warning(model, arm_host), "") << "Arm's int8 kernels do not saturate";
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

namespace smartcamrt {

TEST(Manifest, ReadsValidatedOnAccuracyAndTheSaturationCheck) {
  const std::string dir = testing::make_temp_dir("manifest-wave2");
  const std::string model = dir + "/m.int8.onnx";
  std::ofstream(model + ".json") << R"({"format": "onnx-int8", "precision": "int8",
    "validated_on": {"cpu": "Xeon", "arch": "x86_64", "isa": ["fma", "avx2", "avx512_vnni"]},
    "quantization": {"preset": "qdq-u8s8", "saturates_without_vnni": true},
    "parity": {"passed": true, "detection_agreement": {"metric": "mAP50", "value": 0.9}},
    "accuracy": {"mAP50-95": 0.31, "mAP50": 0.52}})";
  const auto manifest = read_manifest(model);
  ASSERT_TRUE(manifest && manifest->validated_on && manifest->accuracy);
  EXPECT_EQ(manifest->task, "detection") << "a manifest without a task is a detector's";
  EXPECT_EQ(manifest->validated_on->isa, (std::vector<std::string>{"avx2", "avx512_vnni", "fma"}));
  EXPECT_EQ(manifest->accuracy->metric, "mAP50-95") << "ground truth before agreement";
  EXPECT_DOUBLE_EQ(manifest->accuracy->value, 0.31);
  EXPECT_EQ(manifest->saturates_without_vnni, true);
  std::ofstream(model + ".json")
      << R"({"parity": {"passed": true, "detection_agreement": {"metric": "mAP50", "value": 0.9}}})";
  EXPECT_EQ(read_manifest(model)->accuracy->metric, "agreement-mAP50") << "no evaluation: the agreement, marked";
}

}  // namespace smartcamrt
