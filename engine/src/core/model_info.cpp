#include "smartcamrt/core/model_info.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "smartcamrt/core/error.hpp"

namespace smartcamrt {

void check_model_file(const std::string& path) {
  std::error_code ec;
  if (path.empty()) throw Error("--model: no model file given");
  if (!std::filesystem::exists(path, ec)) throw Error("model '" + path + "': no such file");
  if (std::filesystem::is_directory(path, ec)) throw Error("model '" + path + "': is a directory, not a model file");
  if (std::filesystem::file_size(path, ec) == 0) throw Error("model '" + path + "': file is empty");
  std::ifstream probe(path, std::ios::binary);
  if (!probe) throw Error("model '" + path + "': cannot be read (permissions?)");
}

std::optional<ModelManifest> read_manifest(const std::string& model_path) {
  const std::string path = model_path + ".json";
  if (!std::filesystem::exists(path)) return std::nullopt;
  std::ifstream in(path);
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) throw Error("manifest '" + path + "': not a JSON object");
  ModelManifest manifest;
  manifest.format = doc.value("format", "");
  manifest.precision = doc.value("precision", "");
  manifest.task = doc.contains("task") && doc["task"].is_string() ? doc["task"].get<std::string>() : "detection";
  if (doc.contains("labels") && doc["labels"].is_array()) {
    for (const auto& label : doc["labels"]) {
      if (label.is_string()) manifest.labels.push_back(label.get<std::string>());
    }
  }
  if (doc.contains("parity") && doc["parity"].is_object()) {
    const auto& parity = doc["parity"];
    ParityRecord record;
    record.passed = parity.value("passed", false);
    std::string summary;
    for (const char* key : {"max_abs_diff", "cosine", "atol"}) {
      if (parity.contains(key) && parity[key].is_number()) {
        summary += std::string(summary.empty() ? "" : " ") + key + "=" + std::to_string(parity[key].get<double>());
      }
    }
    if (parity.contains("reference") && parity["reference"].is_string()) {
      summary += " vs " + parity["reference"].get<std::string>();
    }
    record.summary = summary;
    manifest.parity = record;
  }
  if (doc.contains("validated_on") && doc["validated_on"].is_object()) {
    const auto& where = doc["validated_on"];
    ValidatedOn validated;
    validated.cpu = where.value("cpu", "");
    validated.arch = where.value("arch", "");
    if (where.contains("isa") && where["isa"].is_array()) {
      for (const auto& flag : where["isa"]) {
        if (flag.is_string()) validated.isa.push_back(flag.get<std::string>());
      }
    }
    std::sort(validated.isa.begin(), validated.isa.end());
    manifest.validated_on = validated;
  }
  if (doc.contains("quantization") && doc["quantization"].is_object()) {
    const auto& quantization = doc["quantization"];
    if (quantization.contains("saturates_without_vnni") && quantization["saturates_without_vnni"].is_boolean()) {
      manifest.saturates_without_vnni = quantization["saturates_without_vnni"].get<bool>();
    }
  }
  // Ground truth first (the evaluator's record), else the parity gate's detection agreement.
  if (doc.contains("accuracy") && doc["accuracy"].is_object()) {
    const auto& accuracy = doc["accuracy"];
    for (const char* metric : {"mAP50-95", "mAP50", "accuracy"}) {
      if (accuracy.contains(metric) && accuracy[metric].is_number()) {
        manifest.accuracy = AccuracyRecord{accuracy[metric].get<double>(), metric};
        break;
      }
    }
  }
  if (!manifest.accuracy && doc.contains("parity") && doc["parity"].is_object()) {
    const auto& parity = doc["parity"];
    // {"metric": "mAP50", "value": 0.98, ...}: agreement with the source model, not ground truth.
    if (parity.contains("detection_agreement") && parity["detection_agreement"].is_object()) {
      const auto& agreement = parity["detection_agreement"];
      if (agreement.contains("value") && agreement["value"].is_number()) {
        manifest.accuracy = AccuracyRecord{agreement["value"].get<double>(),
                                           "agreement-" + agreement.value("metric", std::string("mAP50"))};
      }
    }
  }
  return manifest;
}

std::string isa_mismatch_warning(const ModelInfo& model, const std::vector<std::string>& host_isa) {
  const bool eight_bit = model.precision == "int8" || model.precision == "uint8";
  if (!eight_bit) return {};
  const auto has = [](const std::vector<std::string>& flags, const char* flag) {
    return std::find(flags.begin(), flags.end(), flag) != flags.end();
  };
  if (!model.manifest || !model.manifest->validated_on) {
    return "warning: " + model.name +
           " is an 8-bit model whose manifest does not say on which CPU it was validated; "
           "its accuracy on this CPU is unproven";
  }
  const std::vector<std::string>& validated = model.manifest->validated_on->isa;
  // The flags that change what 8-bit kernels compute: VNNI (either encoding) decides whether u8 x s8
  // products can saturate in ONNX Runtime; AVX-512 and AVX2 select other kernels altogether.
  const auto vnni = [&](const std::vector<std::string>& flags) {
    return has(flags, "avx512_vnni") || has(flags, "avx_vnni");
  };
  // Where the export checked the file itself, that answer is exact: a model that cannot saturate
  // (u8 x u8, s8 x s8, 7-bit weights) computes the same integers everywhere; one that can is wrong
  // only on x86 without VNNI.
  if (const auto saturates = model.manifest->saturates_without_vnni) {
    const bool x86_host = has(host_isa, "avx2") || has(host_isa, "avx512f");
    if (!*saturates || !x86_host || vnni(host_isa)) return {};
    return "warning: " + model.name +
           " has 8-bit convolutions that saturate on x86 without VNNI, as this CPU is "
           "(validated on '" +
           model.manifest->validated_on->cpu +
           "'): its answers may be wrong here; re-export "
           "it with --target-isa host or portable";
  }
  std::string differences;
  if (vnni(validated) != vnni(host_isa)) differences += vnni(host_isa) ? " +vnni" : " -vnni";
  for (const char* flag : {"avx512f", "avx2", "asimddp", "i8mm"}) {
    if (has(validated, flag) != has(host_isa, flag))
      differences += std::string(has(host_isa, flag) ? " +" : " -") + flag;
  }
  if (differences.empty()) return {};
  return "warning: " + model.name + " is an 8-bit model validated on '" + model.manifest->validated_on->cpu +
         "'; this CPU differs in" + differences + ", so its answers may differ (re-export or re-validate here)";
}

std::vector<std::string> parse_label_metadata(const std::string& text) {
  std::vector<std::string> labels;
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_discarded() && doc.is_array()) {
    for (const auto& label : doc) {
      if (!label.is_string()) return {};
      labels.push_back(label.get<std::string>());
    }
    return labels;
  }
  // YOLOv5 / Ultralytics exports store str(dict): {0: 'person', 1: 'bicycle', ...}
  static const std::regex entry(R"((\d+)\s*:\s*'([^']*)')");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), entry); it != std::sregex_iterator(); ++it) {
    const size_t index = std::stoul((*it)[1].str());
    if (index != labels.size()) return {};  // only dense, ordered ids make a label list
    labels.push_back((*it)[2].str());
  }
  return labels;
}

}  // namespace smartcamrt
