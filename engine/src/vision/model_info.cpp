#include "smartcamrt/model_info.hpp"

#include <filesystem>
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "smartcamrt/error.hpp"

namespace smartcamrt {

std::optional<ModelManifest> read_manifest(const std::string& model_path) {
  const std::string path = model_path + ".json";
  if (!std::filesystem::exists(path)) return std::nullopt;
  std::ifstream in(path);
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) throw Error("manifest '" + path + "': not a JSON object");
  ModelManifest manifest;
  manifest.format = doc.value("format", "");
  manifest.precision = doc.value("precision", "");
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
  return manifest;
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
