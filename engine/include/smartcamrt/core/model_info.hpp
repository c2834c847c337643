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

// Where a model was validated: an int8 model can give other answers on another instruction set
// (ONNX Runtime's u8s8 kernels saturate on x86 without VNNI), so the engine compares this with the
// host it runs on.
struct ValidatedOn {
  std::string cpu;
  std::string arch;
  std::vector<std::string> isa;  // relevant /proc/cpuinfo flags, sorted
};

// The accuracy a model's manifest records, for the optimizer's ladder: mAP on ground truth where
// the evaluator ran, else the parity gate's agreement with the source model (marked as such).
struct AccuracyRecord {
  double value = 0;
  std::string metric;  // "mAP50-95", "mAP50", "agreement-mAP50", "accuracy"
};

struct ModelManifest {
  std::string format;
  std::string precision;
  std::string task;  // "detection" when the manifest names none
  std::vector<std::string> labels;
  std::optional<ParityRecord> parity;
  std::optional<ValidatedOn> validated_on;
  std::optional<AccuracyRecord> accuracy;
  // From the export's own check of the written file (quantization.saturates_without_vnni): whether its
  // integer convolutions can saturate on x86 without VNNI. Absent for older and third-party models.
  std::optional<bool> saturates_without_vnni;
};

// Model state: what every task instance of one model shares.
struct ModelInfo {
  std::string path;
  std::string name;                 // file name
  std::string runtime;              // backend name
  std::string task;                 // task kind ("detection", ...)
  std::string precision;            // from the manifest; else "uint8"/"int8" for a quantised model, "fp32"
  std::string input;                // the input size as frames.csv shows it ("640x640", "seq128")
  std::vector<std::string> labels;  // class names; "class<N>" where the model carries none
  std::string parity;               // the manifest's parity summary, empty when none
  std::optional<ModelManifest> manifest;
};

// Throws Error with a one-line message when `path` is not a readable, non-empty file.
void check_model_file(const std::string& path);

// Reads `<model_path>.json` if it exists; std::nullopt when there is none. Throws Error when the
// file exists but is not a valid manifest.
std::optional<ModelManifest> read_manifest(const std::string& model_path);

// Parses the labels a model stores in its metadata: a JSON list of names, or YOLOv5's
// Python-dict text "{0: 'person', 1: 'bicycle'}". Empty when the text is neither.
std::vector<std::string> parse_label_metadata(const std::string& text);

// A warning (one line) when an 8-bit model runs on a host whose instruction-set flags differ from
// those it was validated on; empty when there is nothing to say. Pure: the caller passes the host's
// flags (read_isa_flags()).
std::string isa_mismatch_warning(const ModelInfo& model, const std::vector<std::string>& host_isa);

}  // namespace smartcamrt
