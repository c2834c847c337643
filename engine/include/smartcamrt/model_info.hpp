#pragma once
// What the engine knows about a prepared model: read from the manifest written beside it
// (`<model file>.json`), completed from the model's own metadata and input spec.
#include <optional>
#include <string>
#include <vector>

namespace smartcamrt {

struct ParityRecord {
  bool passed = false;
  std::string summary;  // e.g. "max_abs_diff=0.0021 atol=0.05 vs pytorch"
};

struct ModelManifest {
  std::string format;
  std::string precision;
  std::vector<std::string> labels;
  std::optional<ParityRecord> parity;
};

// Reads `<model_path>.json` if it exists; std::nullopt when there is none. Throws Error when the
// file exists but is not a valid manifest.
std::optional<ModelManifest> read_manifest(const std::string& model_path);

// Parses the labels a model stores in its metadata: a JSON list of names, or YOLOv5's
// Python-dict text "{0: 'person', 1: 'bicycle'}". Empty when the text is neither.
std::vector<std::string> parse_label_metadata(const std::string& text);

}  // namespace smartcamrt
