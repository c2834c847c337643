// The text-classification task on tiny models built in code (their answers follow from their
// tables): every runtime that can run them (ONNX Runtime, OpenVINO on the same ONNX, LiteRT on a
// float-ids TFLite model), dynamic and fixed lengths, and bad input.
#include "smartcamrt/tasks/text/text_classification_task.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <opencv2/core.hpp>

#include "../../support/process.hpp"
#include "../../support/tiny_onnx.hpp"
#include "../../support/tiny_text_models.hpp"
#include "smartcamrt/core/error.hpp"

namespace smartcamrt {
namespace {

std::unique_ptr<Task> open_task(const std::string& model, const std::string& runtime = "") {
  TaskConfig config;
  config.model_path = model;
  config.runtime = runtime;
  config.session.threads = 1;
  return create_task(config);
}

std::string create_error(const std::string& model) {
  try {
    open_task(model);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

Frame text_item(const std::string& text, int64_t index = 0) {
  Frame frame;
  frame.text = text;
  frame.index = index;
  return frame;
}

testing::TinyTextOptions named(const std::string& file, bool manifest = true, const std::string& extra = "") {
  testing::TinyTextOptions options;
  options.file = file;
  options.write_manifest = manifest;
  options.extra_manifest = extra;
  return options;
}

const TextClassificationResult& as_text(const TaskResult& result) {
  return dynamic_cast<const TextClassificationResult&>(result);
}

// Expected probabilities of the tiny ONNX model for these tokens (by vocabulary position).
std::vector<float> expected_probs(const std::vector<std::string>& vocab, const std::vector<int64_t>& ids) {
  const std::vector<float> logits = testing::tiny_expected_logits(vocab, ids);
  return softmax(logits.data(), logits.size());
}

void expect_probs(const Prediction& prediction, const std::vector<float>& expected) {
  ASSERT_EQ(prediction.probs.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(prediction.probs[i], expected[i], 1e-5f) << i;
  EXPECT_FLOAT_EQ(prediction.score, prediction.probs[static_cast<size_t>(prediction.label)]);
}

TEST(TextClassificationTask, IsCreatedFromTheManifestAndAnswersEachText) {
  const std::string dir = testing::make_temp_dir("text-task");
  const std::string model = testing::save_tiny_text_model(dir);
  std::unique_ptr<Task> task = open_task(model);
  EXPECT_EQ(task->info().task, "text-classification");
  EXPECT_EQ(task->info().runtime, "ort");
  EXPECT_EQ(task->info().input, "seq16");
  EXPECT_EQ(task->info().labels, (std::vector<std::string>{"negative", "positive"}));
  EXPECT_FALSE(task->takes_images());
  task->warm_up(SourceInfo{}, 1);

  StageTimes times;
  const auto good = task->process(text_item("A GOOD movie!"), times);
  const auto& g = as_text(*good);
  EXPECT_EQ(g.count(), 1);
  EXPECT_EQ(g.tokens, 6u);  // [CLS] a->[UNK] good movie ! [SEP]
  EXPECT_EQ(g.input(), "seq6");
  EXPECT_FALSE(g.truncated);
  EXPECT_EQ(g.prediction.label, 1);
  EXPECT_EQ(g.prediction.label_name, "positive");
  const auto& vocab = testing::tiny_wordpiece_vocab();
  expect_probs(g.prediction, expected_probs(vocab, {2, 1, 4, 6, 11, 3}));
  EXPECT_GT(times.pre_ms, 0.0);
  EXPECT_GT(times.infer_ms, 0.0);
  EXPECT_GT(times.post_ms, 0.0);

  const auto bad = task->process(text_item("awful, bad movies."), times);
  EXPECT_EQ(as_text(*bad).prediction.label_name, "negative");
  // [CLS] awful , bad movie ##s . [SEP]: "," is not in the tiny vocabulary
  expect_probs(as_text(*bad).prediction, expected_probs(vocab, {2, 8, 1, 5, 6, 10, 12, 3}));
}

TEST(TextClassificationTask, ALongTextIsTruncatedAndAnsweredAnEmptyOneToo) {
  const std::string dir = testing::make_temp_dir("text-task-long");
  std::unique_ptr<Task> task = open_task(testing::save_tiny_text_model(dir));
  std::string text;
  for (int i = 0; i < 10000; ++i) text += i % 2 ? "great " : "movie ";
  StageTimes times;
  const auto result = task->process(text_item(text), times);
  EXPECT_EQ(as_text(*result).tokens, 16u);
  EXPECT_TRUE(as_text(*result).truncated);
  EXPECT_EQ(as_text(*result).prediction.label_name, "positive");
  const auto empty = task->process(text_item(""), times);
  EXPECT_EQ(as_text(*empty).tokens, 2u);
  expect_probs(as_text(*empty).prediction, expected_probs(testing::tiny_wordpiece_vocab(), {2, 3}));
}

TEST(TextClassificationTask, FixedLengthInt32AndMasklessWordModelsGiveTheSameAnswers) {
  const std::string dir = testing::make_temp_dir("text-task-variants");
  testing::TinyTextOptions fixed;
  fixed.length = 12;
  fixed.file = "fixed.onnx";
  std::unique_ptr<Task> padded = open_task(testing::save_tiny_text_model(dir, fixed));
  EXPECT_EQ(padded->info().input, "seq12");
  StageTimes times;
  const auto result = padded->process(text_item("good movie"), times);
  EXPECT_EQ(as_text(*result).tokens, 12u);  // padded to the model's length, masked there
  expect_probs(as_text(*result).prediction, expected_probs(testing::tiny_wordpiece_vocab(), {2, 4, 6, 3}));

  testing::TinyTextOptions int32;
  int32.id_type = 6;
  int32.file = "int32.onnx";
  const auto r32 = open_task(testing::save_tiny_text_model(dir, int32))->process(text_item("good movie"), times);
  expect_probs(as_text(*r32).prediction, expected_probs(testing::tiny_wordpiece_vocab(), {2, 4, 6, 3}));

  const std::string words_dir = testing::make_temp_dir("text-task-words");
  testing::TinyTextOptions words;
  words.kind = "words";
  words.mask = false;
  std::unique_ptr<Task> lstm_like = open_task(testing::save_tiny_text_model(words_dir, words));
  const auto w = lstm_like->process(text_item("It's a GREAT movie!"), times);
  EXPECT_EQ(as_text(*w).tokens, 5u);  // it's <unk> great movie !
  expect_probs(as_text(*w).prediction, expected_probs(testing::tiny_words_vocab(), {11, 1, 5, 4, 8}));
}

TEST(TextClassificationTask, OpenVinoRunsTheSameOnnxModel) {
  const std::string dir = testing::make_temp_dir("text-task-openvino");
  const std::string model = testing::save_tiny_text_model(dir);
  std::unique_ptr<Task> ort = open_task(model);
  std::unique_ptr<Task> openvino = open_task(model, "openvino");
  EXPECT_EQ(openvino->info().runtime, "openvino");
  StageTimes times;
  for (const char* text : {"good movie", "bad bad movie .", "the great awful movies !"}) {
    const auto a = ort->process(text_item(text), times);
    const auto b = openvino->process(text_item(text), times);
    EXPECT_EQ(as_text(*a).prediction.label, as_text(*b).prediction.label) << text;
    expect_probs(as_text(*b).prediction, as_text(*a).prediction.probs);
  }
}

TEST(TextClassificationTask, LiteRtRunsAFloatIdsModelMakerModel) {
  const std::string dir = testing::make_temp_dir("text-task-litert");
  const int length = 6;
  // logits[0] = sum of the ids, logits[1] = 2 x the id at position 1, plus the bias.
  std::vector<float> weights(2 * length, 0.f);
  for (int p = 0; p < length; ++p) weights[static_cast<size_t>(p)] = 1.f;
  weights[static_cast<size_t>(length + 1)] = 2.f;
  const std::string model = testing::save_tiny_tflite_text_model(dir, length, weights, {0.5f, 0.f});
  std::unique_ptr<Task> task = open_task(model);
  EXPECT_EQ(task->info().runtime, "litert");
  EXPECT_EQ(task->info().input, "seq6");
  StageTimes times;
  // <START> good movie -> ids 1 3 5 0 0 0: logits (0.5 + 9, 6)
  const auto result = task->process(text_item("Good movie"), times);
  EXPECT_EQ(as_text(*result).tokens, 6u);
  const std::vector<float> logits{9.5f, 6.f};
  expect_probs(as_text(*result).prediction, softmax(logits.data(), 2));
  // <START> it's bad <UNKNOWN> -> 1 6 4 2 0 0: logits (13.5, 12)
  const auto second = task->process(text_item("it's bad, weirdly"), times);
  const std::vector<float> logits2{13.5f, 12.f};
  expect_probs(as_text(*second).prediction, softmax(logits2.data(), 2));
}

TEST(TextClassificationTask, BadModelsAndManifestsAreOneLineErrors) {
  const std::string dir = testing::make_temp_dir("text-task-bad");
  testing::TinyTextOptions no_vocab;
  no_vocab.write_vocab = false;
  const std::string model = testing::save_tiny_text_model(dir, no_vocab);
  EXPECT_EQ(create_error(model), "model '" + model + "': its vocabulary 'vocab.txt' is missing (no file " + dir +
                                     "/vocab.txt); a text model needs it beside the model file");

  const std::string no_tokenizer = testing::save_tiny_text_model(dir, named("nt.onnx", false));
  std::ofstream(no_tokenizer + ".json") << R"({"task": "text-classification", "labels": ["a", "b"]})";
  EXPECT_EQ(create_error(no_tokenizer), "manifest '" + no_tokenizer +
                                            ".json': no 'tokenizer' object (kind, vocab, max_length, ...), which a "
                                            "text model needs");

  const std::string three = testing::save_tiny_text_model(dir, named("three.onnx", false));
  std::ofstream(three + ".json") << R"({"task": "text-classification", "labels": ["a", "b", "c"],
      "tokenizer": {"kind": "wordpiece", "vocab": "vocab.txt"}})";
  EXPECT_EQ(create_error(three), "model '" + three + "': gives 2 classes, its manifest names 3 labels");

  const std::string unknown = testing::save_tiny_text_model(dir, named("unk.onnx", false));
  std::ofstream(unknown + ".json") << R"({"task": "text-classification",
      "tokenizer": {"kind": "bpe", "vocab": "vocab.txt"}})";
  EXPECT_EQ(create_error(unknown),
            "manifest '" + unknown + ".json': tokenizer kind 'bpe' is unknown (known: model-maker, wordpiece, words)");

  const std::string failed = testing::save_tiny_text_model(
      dir, named("failed.onnx", true, R"("parity": {"passed": false, "max_abs_diff": 0.5})"));
  EXPECT_NE(create_error(failed).find("its manifest records a failed parity check"), std::string::npos);

  // An image model with a text manifest: its input is not token ids.
  const std::string image = testing::save_constant_yolo_model(dir + "/image.onnx", 32, std::vector<float>(6, 0.f), 6);
  std::ofstream(image + ".json") << R"({"task": "text-classification",
      "tokenizer": {"kind": "wordpiece", "vocab": "vocab.txt"}})";
  EXPECT_EQ(create_error(image), "model '" + image +
                                     "': input 'images' is float32 [1,3,32,32], not token ids int64, int32 or "
                                     "float32 [1, length]");
}

TEST(TextClassificationTask, BadItemsAreOneLineErrorsNamingTheItem) {
  const std::string dir = testing::make_temp_dir("text-task-items");
  std::unique_ptr<Task> task = open_task(testing::save_tiny_text_model(dir));
  StageTimes times;
  try {
    task->process(text_item("good \xE2\x82 movie", 7), times);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "text 7: not valid UTF-8: byte 0xe2 at offset 5");
  }
  Frame image;
  image.image = cv::Mat(8, 8, CV_8UC3, cv::Scalar(0, 0, 0));
  EXPECT_THROW(task->process(image, times), Error);
  // The task still answers afterwards.
  EXPECT_EQ(as_text(*task->process(text_item("great"), times)).prediction.label, 1);
}

TEST(TextClassificationTask, TasksOfOneModelShareTheTokenizer) {
  const std::string dir = testing::make_temp_dir("text-task-shared");
  const std::string model = testing::save_tiny_text_model(dir);
  TaskConfig config;
  config.model_path = model;
  auto a = TextClassificationTask::Open(config);
  auto b = TextClassificationTask::Open(config);
  EXPECT_EQ(&a->tokenizer(), &b->tokenizer());
}

TEST(TextClassificationTask, PredictionLinesAndSoftmax) {
  Prediction p;
  p.label = 1;
  p.label_name = "positive";
  p.score = 0.75f;
  p.probs = {0.25f, 0.75f};
  EXPECT_EQ(prediction_json_line(3, p, 12, false),
            R"({"index":3,"label":1,"label_name":"positive","probs":[0.25,0.75],"score":0.75,"tokens":12})");
  EXPECT_EQ(prediction_json_line(4, p, 128, true),
            R"({"index":4,"label":1,"label_name":"positive","probs":[0.25,0.75],"score":0.75,"tokens":128,)"
            R"("truncated":true})");
  const float big[] = {1000.f, 1001.f};
  const std::vector<float> probs = softmax(big, 2);
  EXPECT_NEAR(probs[1], 1.f / (1.f + std::exp(-1.f)), 1e-6f);
  EXPECT_NEAR(probs[0] + probs[1], 1.f, 1e-6f);
}

}  // namespace
}  // namespace smartcamrt

namespace smartcamrt {
namespace {

// ExecuTorch programs cannot be written from C++: scripts/text/make_tiny_text_pte.py exports the same
// tiny network (into $SMARTCAMRT_TEST_TEXT_PTE_DIR), once with a dynamic length (bound 16) and once
// fixed at 8.
TEST(TextClassificationTask, ExecuTorchRunsDynamicAndFixedLengthPrograms) {
  const std::string fixtures = testing::test_text_pte_dir();
  const std::string dir = testing::make_temp_dir("text-task-executorch");
  testing::TinyTextOptions vocab_only;
  vocab_only.write_manifest = false;
  testing::save_tiny_text_model(dir, vocab_only);  // vocab.txt (and an unused ONNX file)
  const auto& vocab = testing::tiny_wordpiece_vocab();
  for (const std::string name : {"tiny_dynamic.pte", "tiny_static.pte"}) {
    const std::string model = dir + "/" + name;
    std::filesystem::copy_file(fixtures + "/" + name, model);
    std::ofstream(model + ".json") << R"({"format": "executorch", "task": "text-classification",
        "labels": ["negative", "positive"], "inputs": ["input_ids", "attention_mask"],
        "tokenizer": {"kind": "wordpiece", "vocab": "vocab.txt", "max_length": 16}})";
    std::unique_ptr<Task> task = open_task(model);
    EXPECT_EQ(task->info().runtime, "executorch");
    const bool dynamic = name == "tiny_dynamic.pte";
    EXPECT_EQ(task->info().input, dynamic ? "seq16" : "seq8") << name;
    StageTimes times;
    const auto good = task->process(text_item("good movie"), times);
    EXPECT_EQ(as_text(*good).tokens, dynamic ? 4u : 8u) << name;
    expect_probs(as_text(*good).prediction, expected_probs(vocab, {2, 4, 6, 3}));
    const auto bad = task->process(text_item("the awful bad movies ! ."), times);
    EXPECT_EQ(as_text(*bad).tokens, dynamic ? 9u : 8u) << name;
    // Fixed at 8: truncated to [CLS] the awful bad movie ##s ! [SEP].
    expect_probs(as_text(*bad).prediction, dynamic ? expected_probs(vocab, {2, 9, 8, 5, 6, 10, 11, 12, 3})
                                                   : expected_probs(vocab, {2, 9, 8, 5, 6, 10, 11, 3}));
    EXPECT_EQ(as_text(*bad).truncated, !dynamic);
  }
}

}  // namespace
}  // namespace smartcamrt
