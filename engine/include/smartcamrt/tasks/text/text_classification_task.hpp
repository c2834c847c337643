#pragma once
// The text-classification task: tokenizer -> session -> softmax -> Prediction, and its sink,
// predictions.jsonl (one line per answered text, in input order).
//
// A model is a text classifier when its manifest (`<model>.json`) says "task": "text-classification";
// the manifest also names its tokenizer (kind, vocabulary file beside the model, max_length, special
// tokens: see tokenizer.hpp), its labels ("labels", or "labels_file" beside the model), and optionally
// "inputs" (the model's input names in order: input_ids, attention_mask, token_type_ids) and
// "output_activation": "softmax" for a model whose output already is probabilities.
//
// Inputs are [1, L] int64, int32 or float32 ids (float: TFLite Model Maker models). L is the text's
// own token count when the model takes a dynamic length (ONNX/OpenVINO report it as -1, LiteRT as 1,
// an ExecuTorch program takes any length up to its bound when a shorter run succeeds at load time) or
// "dynamic_length": true in the manifest; otherwise the fixed length, the ids padded with pad_token
// and the mask 0 there. The output is [1, classes] (or [classes]) float32 logits.
//
// Model state (the tokenizer and its vocabulary) is shared by every instance of a model; instance
// state (the session, buffers) is per instance. Thread contract: as Task.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "smartcamrt/tasks/task.hpp"
#include "smartcamrt/tasks/text/tokenizer.hpp"

namespace smartcamrt {

struct Prediction {
  int label = -1;
  std::string label_name;
  float score = 0.f;  // probability of `label`
  std::vector<float> probs;
};

struct TextClassificationResult : TaskResult {
  Prediction prediction;
  size_t tokens = 0;  // the length fed to the model
  bool truncated = false;
  int count() const override { return 1; }
  std::string input() const override { return "seq" + std::to_string(tokens); }
};

// The model facts plus what the text task needs to feed it.
struct TextModelInfo : ModelInfo {
  TokenizerConfig tokenizer;
  bool dynamic_length = true;
  int max_tokens = 0;           // the most tokens a text is given (max_length, or less for a shorter fixed model)
  bool softmax_output = false;  // the model's output already is probabilities
};

class TextClassificationTask : public Task {
 public:
  // Reads the manifest, loads (or shares) the tokenizer, opens the session and checks its tensors;
  // throws Error with a one-line message naming the model (or its vocabulary) and what is wrong.
  static std::unique_ptr<TextClassificationTask> Open(const TaskConfig& config);
  static std::unique_ptr<Task> Create(const TaskConfig& config) { return Open(config); }

  const ModelInfo& info() const override { return info_; }
  const TextModelInfo& text_info() const { return info_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }

  std::unique_ptr<TaskResult> process(const Frame& item, StageTimes& times) override;
  // Runs a short fixed sentence (the source's image facts mean nothing to a text task).
  void warm_up(const SourceInfo& source, int runs) override;
  std::unique_ptr<ResultSink> open_sink(const SinkOptions& options) const override;
  bool takes_images() const override { return false; }

  // The three steps, for callers that time them apart; classify() runs all three.
  // preprocess() throws Error on invalid UTF-8; it returns the length fed to the model.
  size_t preprocess(std::string_view text, bool* truncated = nullptr);
  void infer();
  Prediction postprocess();
  Prediction classify(std::string_view text);

 private:
  enum class Role { kIds, kMask, kTypes };
  struct Input {
    Role role;
    DType dtype;
    int64_t fixed_length;  // 0 when dynamic
  };
  TextClassificationTask(std::unique_ptr<Session> session, std::shared_ptr<const Tokenizer> tokenizer,
                         TextModelInfo info, std::vector<Input> inputs);
  void fill(const Encoding& encoding, size_t length);

  std::unique_ptr<Session> session_;
  std::shared_ptr<const Tokenizer> tokenizer_;
  TextModelInfo info_;
  std::vector<Input> inputs_;
  size_t length_ = 0;                      // of the current item's tensors
  std::vector<std::vector<int64_t>> i64_;  // per input, reused
  std::vector<std::vector<int32_t>> i32_;
  std::vector<std::vector<float>> f32_;
  std::vector<Tensor> outputs_;
};

// One predictions.jsonl line: {"index", "label", "label_name", "score", "probs", "tokens"[, "truncated"]}.
std::string prediction_json_line(int64_t index, const Prediction& prediction, size_t tokens, bool truncated);

// Numerically stable softmax.
std::vector<float> softmax(const float* logits, size_t count);

}  // namespace smartcamrt
