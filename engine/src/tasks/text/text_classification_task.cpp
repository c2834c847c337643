#include "smartcamrt/tasks/text/text_classification_task.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "smartcamrt/core/clock.hpp"
#include "smartcamrt/core/error.hpp"

namespace fs = std::filesystem;

namespace smartcamrt {
namespace {

constexpr const char* kWarmUpText = "a short sentence to warm the model up .";

std::string model_error(const std::string& path, const std::string& what) { return "model '" + path + "': " + what; }

nlohmann::json read_manifest_json(const std::string& model_path) {
  const std::string path = model_path + ".json";
  std::ifstream in(path);
  if (!in) {
    throw Error(model_error(model_path,
                            "a text-classification model needs its manifest '" + path + "' (task, tokenizer, labels)"));
  }
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) throw Error("manifest '" + path + "': not a JSON object");
  return doc;
}

std::string string_field(const nlohmann::json& object, const char* key, const std::string& fallback,
                         const std::string& where) {
  if (!object.contains(key) || object[key].is_null()) return fallback;
  if (!object[key].is_string()) throw Error(where + ": '" + key + "' must be a string");
  return object[key].get<std::string>();
}

// The manifest's "tokenizer" object; the vocabulary is a file name beside the model.
TokenizerConfig tokenizer_config(const std::string& model_path, const nlohmann::json& doc) {
  const std::string where = "manifest '" + model_path + ".json'";
  if (!doc.contains("tokenizer") || !doc["tokenizer"].is_object()) {
    throw Error(where + ": no 'tokenizer' object (kind, vocab, max_length, ...), which a text model needs");
  }
  const nlohmann::json& t = doc["tokenizer"];
  TokenizerConfig config;
  config.kind = string_field(t, "kind", "", where + " tokenizer");
  const auto kinds = tokenizer_kinds();
  if (std::find(kinds.begin(), kinds.end(), config.kind) == kinds.end()) {
    std::string known;
    for (const std::string& kind : kinds) known += (known.empty() ? "" : ", ") + kind;
    throw Error(where + ": tokenizer kind '" + config.kind + "' is unknown (known: " + known + ")");
  }
  const bool words = config.kind != "wordpiece";
  if (words) {  // the word vocabularies' conventional names
    config.unk_token = config.kind == "words" ? "<unk>" : "<UNKNOWN>";
    config.pad_token = config.kind == "words" ? "<pad>" : "<PAD>";
  }
  const std::string vocab = string_field(t, "vocab", "", where + " tokenizer");
  if (vocab.empty()) throw Error(where + ": the tokenizer names no 'vocab' file");
  config.vocab_path = (fs::path(model_path).parent_path() / vocab).string();
  std::error_code ec;
  if (!fs::is_regular_file(config.vocab_path, ec)) {
    throw Error(model_error(model_path, "its vocabulary '" + vocab + "' is missing (no file " + config.vocab_path +
                                            "); a text model needs it beside the model file"));
  }
  if (t.contains("lower_case")) {
    if (!t["lower_case"].is_boolean()) throw Error(where + ": tokenizer 'lower_case' must be true or false");
    config.lower_case = t["lower_case"].get<bool>();
  }
  if (t.contains("max_length")) {
    if (!t["max_length"].is_number_integer() || t["max_length"].get<int64_t>() < 1 ||
        t["max_length"].get<int64_t>() > 1000000) {
      throw Error(where + ": tokenizer 'max_length' must be a positive integer");
    }
    config.max_length = t["max_length"].get<int>();
  }
  const std::string tokens_where = where + " tokenizer";
  config.cls_token = string_field(t, "cls_token", config.cls_token, tokens_where);
  config.sep_token = string_field(t, "sep_token", config.sep_token, tokens_where);
  config.unk_token = string_field(t, "unk_token", config.unk_token, tokens_where);
  config.pad_token = string_field(t, "pad_token", config.pad_token, tokens_where);
  config.start_token = string_field(t, "start_token", config.start_token, tokens_where);
  if (t.contains("max_chars_per_word") && !t["max_chars_per_word"].is_null()) {
    if (!t["max_chars_per_word"].is_number_integer() || t["max_chars_per_word"].get<int64_t>() < 1) {
      throw Error(where + ": tokenizer 'max_chars_per_word' must be a positive integer");
    }
    config.max_chars_per_word = t["max_chars_per_word"].get<int>();
  }
  // Settings the engine's tokenizers implement one way only: refuse a manifest asking for another.
  if (t.contains("strip_accents") && t["strip_accents"].is_boolean() &&
      t["strip_accents"].get<bool>() != config.lower_case) {
    throw Error(where + ": tokenizer 'strip_accents' " + (config.lower_case ? "false" : "true") + " with lower_case " +
                (config.lower_case ? "true" : "false") + " is not implemented (uncased BERT strips accents)");
  }
  static const char* const kWordsPattern = "[a-z0-9']+|[^\\sa-z0-9']";
  const std::string pattern = string_field(t, "pattern", config.kind == "words" ? kWordsPattern : "", tokens_where);
  if (config.kind == "words" && pattern != kWordsPattern) {
    throw Error(where + ": tokenizer pattern '" + pattern + "' is not the one the engine implements (" + kWordsPattern +
                ")");
  }
  return config;
}

std::vector<std::string> read_labels(const std::string& model_path, const nlohmann::json& doc,
                                     const std::optional<ModelManifest>& manifest) {
  if (manifest && !manifest->labels.empty()) return manifest->labels;
  const std::string file = string_field(doc, "labels_file", "", "manifest '" + model_path + ".json'");
  if (file.empty()) return {};
  const std::string path = (fs::path(model_path).parent_path() / file).string();
  std::ifstream in(path);
  if (!in) throw Error(model_error(model_path, "its labels file '" + file + "' is missing (no file " + path + ")"));
  std::vector<std::string> labels;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) labels.push_back(line);
  }
  return labels;
}

bool name_matches(const std::string& session_name, const std::string& role_name) {
  return session_name == role_name || session_name.find(role_name) != std::string::npos;
}

const char* role_name(int role) {
  static const char* const names[] = {"input_ids", "attention_mask", "token_type_ids"};
  return names[role];
}

double round6(double value) { return std::round(value * 1e6) / 1e6; }

// predictions.jsonl; and, for standard input (an interactive stream), each line on stdout as it comes.
class PredictionSink : public ResultSink {
 public:
  explicit PredictionSink(const SinkOptions& options) : echo_(options.source.spec == "-") {
    const std::string path = (fs::path(options.out_dir) / "predictions.jsonl").string();
    file_ = std::fopen(path.c_str(), "w");
    if (!file_) throw Error("cannot create '" + path + "': " + std::strerror(errno));
  }
  ~PredictionSink() override { close(); }

  void write(const FrameRecord& record, Frame&, const TaskResult& result) override {
    const auto& text = static_cast<const TextClassificationResult&>(result);
    const std::string line = prediction_json_line(record.frame, text.prediction, text.tokens, text.truncated);
    std::fprintf(file_, "%s\n", line.c_str());
    std::fflush(file_);  // a killed run keeps every line written so far
    if (echo_) {
      std::fprintf(stdout, "%s\n", line.c_str());
      std::fflush(stdout);
    }
  }

  void close() override {
    if (file_) std::fclose(file_);
    file_ = nullptr;
  }

  std::vector<std::string> files() const override { return {"predictions.jsonl"}; }

 private:
  bool echo_;
  std::FILE* file_ = nullptr;
};

const TaskRegistration kRegistration("text-classification", TextClassificationTask::Create);

}  // namespace

std::vector<float> softmax(const float* logits, size_t count) {
  std::vector<float> probs(count);
  if (count == 0) return probs;
  const float top = *std::max_element(logits, logits + count);
  double sum = 0;
  for (size_t i = 0; i < count; ++i) {
    const double e = std::exp(static_cast<double>(logits[i] - top));
    probs[i] = static_cast<float>(e);
    sum += e;
  }
  for (float& p : probs) p = static_cast<float>(p / sum);
  return probs;
}

std::string prediction_json_line(int64_t index, const Prediction& prediction, size_t tokens, bool truncated) {
  nlohmann::json line;
  line["index"] = index;
  line["label"] = prediction.label;
  line["label_name"] = prediction.label_name;
  line["score"] = round6(prediction.score);
  auto& probs = line["probs"] = nlohmann::json::array();
  for (const float p : prediction.probs) probs.push_back(round6(p));
  line["tokens"] = tokens;
  if (truncated) line["truncated"] = true;
  return line.dump();
}

std::unique_ptr<TextClassificationTask> TextClassificationTask::Open(const TaskConfig& config) {
  const std::string& path = config.model_path;
  check_model_file(path);
  const nlohmann::json doc = read_manifest_json(path);
  const std::optional<ModelManifest> manifest = read_manifest(path);

  TextModelInfo info;
  info.path = path;
  info.name = fs::path(path).filename().string();
  info.task = "text-classification";
  info.manifest = manifest;
  info.precision = manifest && !manifest->precision.empty() ? manifest->precision : "fp32";
  if (manifest && manifest->parity) {
    info.parity = (manifest->parity->passed ? "passed: " : "FAILED: ") + manifest->parity->summary;
    if (!manifest->parity->passed && !config.force) {
      throw Error(model_error(path, "its manifest records a failed parity check (" + manifest->parity->summary +
                                        "); pass --force to run it anyway"));
    }
  }
  info.tokenizer = tokenizer_config(path, doc);
  info.labels = read_labels(path, doc, manifest);
  const std::string activation = string_field(doc, "output_activation", "none", "manifest '" + path + ".json'");
  if (activation != "none" && activation != "softmax") {
    throw Error("manifest '" + path + ".json': 'output_activation' is '" + activation + "', not none or softmax");
  }
  info.softmax_output = activation == "softmax";
  std::vector<std::string> declared;  // the manifest's input names, in the model's order
  if (doc.contains("inputs") && doc["inputs"].is_array()) {
    for (const auto& name : doc["inputs"]) {
      if (!name.is_string()) throw Error("manifest '" + path + ".json': 'inputs' must list input names");
      declared.push_back(name.get<std::string>());
    }
  }
  std::optional<bool> declared_dynamic;
  if (doc.contains("dynamic_length") && doc["dynamic_length"].is_boolean()) {
    declared_dynamic = doc["dynamic_length"].get<bool>();
  }

  std::shared_ptr<const Tokenizer> tokenizer;
  try {
    tokenizer = load_tokenizer(info.tokenizer);
  } catch (const Error& e) {
    throw Error(model_error(path, e.what()));
  }

  const BackendRegistry& registry = BackendRegistry::instance();
  const Backend& backend = config.runtime.empty() ? registry.for_model(path) : registry.require(config.runtime);
  std::unique_ptr<Session> session = backend.open(path, config.session);
  info.runtime = backend.name();

  // Inputs: roles by name where the model keeps names, else by the manifest's order.
  const std::vector<TensorSpec>& specs = session->inputs();
  if (specs.empty() || specs.size() > 3) {
    throw Error(model_error(path, "takes " + std::to_string(specs.size()) +
                                      " inputs; a text classifier takes input_ids [, attention_mask [, "
                                      "token_type_ids]]"));
  }
  if (!declared.empty() && declared.size() != specs.size()) {
    std::string names;
    for (const std::string& name : declared) names += (names.empty() ? "" : ", ") + name;
    throw Error(model_error(path, "takes " + std::to_string(specs.size()) + " inputs, its manifest names " +
                                      std::to_string(declared.size()) + " (" + names + ")"));
  }
  std::vector<Input> inputs;
  bool dynamic = true;
  int64_t fixed = 0;
  for (size_t i = 0; i < specs.size(); ++i) {
    const TensorSpec& spec = specs[i];
    int role = -1;
    for (int r = 0; r < 3 && role < 0; ++r) {
      if (name_matches(spec.name, role_name(r))) role = r;
    }
    if (role < 0) {
      const std::string by_position = declared.empty() ? role_name(static_cast<int>(i)) : declared[i];
      for (int r = 0; r < 3 && role < 0; ++r) {
        if (by_position == role_name(r)) role = r;
      }
      if (role < 0) {
        throw Error(model_error(path, "input " + std::to_string(i) + " is '" + by_position +
                                          "', not input_ids, attention_mask or token_type_ids"));
      }
    }
    const bool type_ok = spec.dtype == DType::kInt64 || spec.dtype == DType::kInt32 || spec.dtype == DType::kFloat32;
    const bool shape_ok = spec.shape.size() == 2 && (spec.shape[0] == 1 || spec.shape[0] < 0);
    if (!type_ok || !shape_ok) {
      throw Error(model_error(path, "input '" + spec.name + "' is " + dtype_name(spec.dtype) + " " +
                                        shape_to_string(spec.shape) +
                                        ", not token ids int64, int32 or float32 [1, length]"));
    }
    const int64_t length = spec.shape[1];
    // ONNX/OpenVINO show a dynamic length as -1; LiteRT as 1 until the input is resized.
    if (length > 1) {
      dynamic = false;
      fixed = fixed == 0 ? length : std::min(fixed, length);
    }
    inputs.push_back({static_cast<Role>(role), spec.dtype, 0});
  }
  if (std::none_of(inputs.begin(), inputs.end(), [](const Input& in) { return in.role == Role::kIds; })) {
    throw Error(model_error(path, "none of its inputs is input_ids"));
  }

  const std::vector<TensorSpec>& outputs = session->outputs();
  if (outputs.empty()) throw Error(model_error(path, "has no outputs"));
  const TensorSpec& out = outputs[0];
  const bool out_shape_ok = (out.shape.size() == 2 && (out.shape[0] == 1 || out.shape[0] < 0)) || out.shape.size() == 1;
  if (out.dtype != DType::kFloat32 || !out_shape_ok) {
    throw Error(model_error(path, "output '" + out.name + "' is " + dtype_name(out.dtype) + " " +
                                      shape_to_string(out.shape) + ", not float32 logits [1, classes]"));
  }
  const int64_t classes = out.shape.back();
  if (classes > 0 && !info.labels.empty() && static_cast<int64_t>(info.labels.size()) != classes) {
    throw Error(model_error(path, "gives " + std::to_string(classes) + " classes, its manifest names " +
                                      std::to_string(info.labels.size()) + " labels"));
  }
  for (int64_t i = static_cast<int64_t>(info.labels.size()); i < classes; ++i) {
    info.labels.push_back("class" + std::to_string(i));
  }

  info.max_tokens = info.tokenizer.max_length;
  info.dynamic_length = dynamic;
  if (!dynamic) info.max_tokens = static_cast<int>(std::min<int64_t>(info.max_tokens, fixed));
  if (declared_dynamic) info.dynamic_length = *declared_dynamic;
  if (!info.dynamic_length) {
    for (Input& input : inputs) input.fixed_length = fixed > 0 ? fixed : info.max_tokens;
  }
  info.input = "seq" + std::to_string(info.dynamic_length ? info.max_tokens : inputs.front().fixed_length);

  auto task = std::unique_ptr<TextClassificationTask>(
      new TextClassificationTask(std::move(session), std::move(tokenizer), std::move(info), std::move(inputs)));

  // An ExecuTorch program reports its length bound, not whether the length may vary: a shorter run
  // that succeeds says it may (a dynamic-bound export); one that fails, that the length is fixed.
  if (!declared_dynamic && !task->info_.dynamic_length && backend.name() == "executorch" && fixed > 2) {
    for (Input& input : task->inputs_) input.fixed_length = 0;
    task->info_.dynamic_length = true;
    try {
      task->classify("");  // 1 or 2 tokens, shorter than the bound
    } catch (const Error&) {
      for (Input& input : task->inputs_) input.fixed_length = fixed;
      task->info_.dynamic_length = false;
    }
    task->info_.input = "seq" + std::to_string(task->info_.max_tokens);
  }
  return task;
}

TextClassificationTask::TextClassificationTask(std::unique_ptr<Session> session,
                                               std::shared_ptr<const Tokenizer> tokenizer, TextModelInfo info,
                                               std::vector<Input> inputs)
    : session_(std::move(session)),
      tokenizer_(std::move(tokenizer)),
      info_(std::move(info)),
      inputs_(std::move(inputs)),
      i64_(inputs_.size()),
      i32_(inputs_.size()),
      f32_(inputs_.size()) {}

void TextClassificationTask::fill(const Encoding& encoding, size_t length) {
  length_ = length;
  const size_t count = std::min(encoding.length(), length);
  for (size_t i = 0; i < inputs_.size(); ++i) {
    const Input& input = inputs_[i];
    std::vector<int64_t>& values = i64_[i];
    values.assign(length, input.role == Role::kIds ? tokenizer_->pad_id() : 0);
    for (size_t k = 0; k < count; ++k) {
      values[k] = input.role == Role::kIds    ? encoding.ids[k]
                  : input.role == Role::kMask ? encoding.attention_mask[k]
                                              : 0;
    }
    if (input.dtype == DType::kInt32) {
      i32_[i].assign(values.begin(), values.end());
    } else if (input.dtype == DType::kFloat32) {
      f32_[i].assign(values.begin(), values.end());
    }
  }
}

size_t TextClassificationTask::preprocess(std::string_view text, bool* truncated) {
  Encoding encoding = tokenizer_->encode(text);
  const auto max_tokens = static_cast<size_t>(info_.max_tokens);
  bool cut = encoding.truncated;
  if (encoding.length() > max_tokens) {  // a fixed model shorter than max_length: keep the closing token
    cut = cut || std::count(encoding.attention_mask.begin() + static_cast<std::ptrdiff_t>(max_tokens),
                            encoding.attention_mask.end(), 1) > 0;
    const bool closing = tokenizer_->config().kind == "wordpiece";
    const int64_t last = encoding.ids.back();
    encoding.ids.resize(max_tokens);
    encoding.attention_mask.resize(max_tokens);
    if (closing) encoding.ids.back() = last;
  }
  if (truncated) *truncated = cut;
  const size_t length =
      inputs_.front().fixed_length > 0 ? static_cast<size_t>(inputs_.front().fixed_length) : encoding.length();
  fill(encoding, length);
  return length;
}

void TextClassificationTask::infer() {
  std::vector<TensorView> views;
  views.reserve(inputs_.size());
  const Shape shape{1, static_cast<int64_t>(length_)};
  for (size_t i = 0; i < inputs_.size(); ++i) {
    const DType dtype = inputs_[i].dtype;
    const void* data = dtype == DType::kInt64   ? static_cast<const void*>(i64_[i].data())
                       : dtype == DType::kInt32 ? static_cast<const void*>(i32_[i].data())
                                                : static_cast<const void*>(f32_[i].data());
    views.push_back(TensorView{dtype, shape, data});
  }
  outputs_ = session_->run(views);
}

Prediction TextClassificationTask::postprocess() {
  if (outputs_.empty()) throw Error("text classifier: postprocess called before infer");
  const Tensor& output = outputs_[0];
  const int64_t count = element_count(output.shape());
  if (output.dtype() != DType::kFloat32 || count < 1 || output.shape().empty() || output.shape().back() != count) {
    throw Error(model_error(info_.path, "produced output " + std::string(dtype_name(output.dtype())) + " " +
                                            shape_to_string(output.shape()) + ", not float32 [1, classes]"));
  }
  const float* values = output.data_as<float>();
  Prediction prediction;
  prediction.probs =
      info_.softmax_output ? std::vector<float>(values, values + count) : softmax(values, static_cast<size_t>(count));
  const auto best = std::max_element(prediction.probs.begin(), prediction.probs.end());
  prediction.label = static_cast<int>(best - prediction.probs.begin());
  prediction.score = *best;
  const auto label = static_cast<size_t>(prediction.label);
  prediction.label_name = label < info_.labels.size() ? info_.labels[label] : "class" + std::to_string(label);
  return prediction;
}

Prediction TextClassificationTask::classify(std::string_view text) {
  preprocess(text);
  infer();
  return postprocess();
}

std::unique_ptr<TaskResult> TextClassificationTask::process(const Frame& item, StageTimes& times) {
  if (!item.image.empty() && item.text.empty()) {
    throw Error("text-classification: the item is an image, not a text (an image source given to a text model?)");
  }
  auto result = std::make_unique<TextClassificationResult>();
  const auto t_pre = Clock::now();
  try {
    result->tokens = preprocess(item.text, &result->truncated);
  } catch (const Error& e) {
    throw Error("text " + std::to_string(item.index) + ": " + e.what());
  }
  const auto t_infer = Clock::now();
  infer();
  const auto t_post = Clock::now();
  result->prediction = postprocess();
  const auto t_done = Clock::now();
  times.pre_ms = ms_between(t_pre, t_infer);
  times.infer_ms = ms_between(t_infer, t_post);
  times.post_ms = ms_between(t_post, t_done);
  return result;
}

void TextClassificationTask::warm_up(const SourceInfo&, int runs) {
  for (int i = 0; i < runs; ++i) classify(kWarmUpText);
}

std::unique_ptr<ResultSink> TextClassificationTask::open_sink(const SinkOptions& options) const {
  return std::make_unique<PredictionSink>(options);
}

}  // namespace smartcamrt
