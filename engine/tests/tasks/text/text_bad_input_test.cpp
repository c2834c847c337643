// Bad input around text runs that the other text tests leave out (issue 10, item 7): a switch while
// running to a model that cannot take the stream (a detector for texts, a text model for frames, a
// text model without its vocabulary) is refused in one line and the stream goes on with its model,
// every item answered; invalid UTF-8 on standard input costs that line only; a video given to a text
// model and standard input given to a detector are one-line errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "../../support/process.hpp"
#include "../../support/test_clip.hpp"
#include "../../support/text_stream.hpp"
#include "../../support/tiny_onnx.hpp"
#include "../../support/tiny_text_models.hpp"
#include "smartcamrt/pipeline/pipeline.hpp"

namespace smartcamrt {
namespace {

// "bad movie", "good movie", ... from position `first` to `last` (exclusive): the answer at each
// position is known (negative at even ones).
std::vector<std::string> alternating(int first, int last) {
  std::vector<std::string> texts;
  for (int i = first; i < last; ++i) texts.push_back(i % 2 ? "good movie" : "bad movie");
  return texts;
}

// A tiny text model reads 10 texts from a named pipe (as standard input), is asked to switch to
// `target`, and reads 10 more; the first of them comes at once (the request is taken between two texts,
// the failure shows on a later one), the rest after the request has had time to be prepared.
testing::TextSwitchRun switch_text_stream_to(const std::string& dir, const std::string& text_model,
                                             const std::string& target) {
  return testing::run_text_switch(dir, text_model, target, alternating(0, 10), alternating(10, 11),
                                  alternating(11, 20));
}

// Every text answered by the first model, in order, and exactly one row names the refused switch.
void expect_stayed_on_tiny_model(const testing::TextSwitchRun& outcome, const std::string& failure) {
  EXPECT_EQ(outcome.report.switches, 0);
  testing::expect_alternating_answers(outcome, 20);
  EXPECT_EQ(std::count(outcome.models.begin(), outcome.models.end(), "tiny.onnx"), 20);
  std::vector<std::string> failures;
  for (const std::string& event : outcome.events)
    if (!event.empty()) failures.push_back(event);
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(failures[0], "switch-failed:" + failure);
}

TEST(TextBadInput, SwitchingATextStreamToADetectorIsRefusedAndNoTextIsLost) {
  const std::string dir = testing::make_temp_dir("text-to-detector");
  const std::string text_model = testing::save_tiny_text_model(dir);
  const std::string detector =
      testing::save_constant_yolo_model(dir + "/detector.onnx", 32, std::vector<float>(6, 0.f), 6);
  expect_stayed_on_tiny_model(
      switch_text_stream_to(dir, text_model, detector),
      "model '" + detector + "' is a detection model and takes frames but this stream reads texts");
}

TEST(TextBadInput, SwitchingToATextModelWithoutItsVocabularyKeepsTheCurrentModel) {
  const std::string dir = testing::make_temp_dir("text-no-vocab-switch");
  const std::string text_model = testing::save_tiny_text_model(dir);
  const std::string other_dir = testing::make_temp_dir("text-no-vocab-target");
  testing::TinyTextOptions options;
  options.file = "other.onnx";
  options.write_vocab = false;
  const std::string target = testing::save_tiny_text_model(other_dir, options);
  expect_stayed_on_tiny_model(switch_text_stream_to(dir, text_model, target),
                              "model '" + target + "': its vocabulary 'vocab.txt' is missing (no file " + other_dir +
                                  "/vocab.txt); a text model needs it beside the model file");
}

TEST(TextBadInput, SwitchingAVideoStreamToATextModelIsRefusedAndTheVideoGoesOn) {
  const std::string dir = testing::make_temp_dir("video-to-text");
  const std::string detector =
      testing::save_constant_yolo_model(dir + "/detector.onnx", 32, std::vector<float>(6, 0.f), 6);
  const std::string text_model = testing::save_tiny_text_model(dir);
  RunConfig config;
  config.task.model_path = detector;
  config.task.session.threads = 1;
  // Paced at 20 fps (2 s): the refused switch is prepared and reported long before the clip ends.
  config.sources = {testing::write_test_clip(dir + "/clip.avi", 40, 32, 32, 20.0)};
  config.realtime = true;
  config.save_annotated = false;
  config.out_dir = dir + "/run";
  config.telemetry = false;
  config.control = std::make_shared<RunControl>();
  config.control->request_switch({text_model, "", 0, ""});
  const RunReport report = run_pipeline(config);
  EXPECT_EQ(report.switches, 0);
  EXPECT_EQ(report.processed + report.dropped, 40);
  const auto models = testing::frames_column(config.out_dir + "/frames.csv", "model");
  EXPECT_EQ(static_cast<int64_t>(std::count(models.begin(), models.end(), "detector.onnx")), report.processed);
  const auto events = testing::frames_column(config.out_dir + "/frames.csv", "event");
  EXPECT_EQ(std::count(events.begin(), events.end(),
                       "switch-failed:model '" + text_model +
                           "' is a text-classification model and takes texts but this stream reads frames"),
            1);
}

void expect_exact_run_error(const testing::ProcessResult& result, const std::string& expected) {
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_EQ(result.err, "smartcamrt run: " + expected + "\n");
}

TEST(TextBadInput, InvalidUtf8OnStandardInputCostsThatLineOnly) {
  const std::string dir = testing::make_temp_dir("text-stdin-bad");
  const std::string model = testing::save_tiny_text_model(dir);
  const std::string out = dir + "/run";
  const std::string command = "printf 'good movie\\n\\nbad \\377 bytes\\nbad movie\\n' | '" + testing::cli_path() +
                              "' run --model '" + model + "' --source - --out '" + out + "' --quiet";
  const auto result = testing::run_process({"/bin/sh", "-c", command});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "source '-': text 2 (line 3) is not valid UTF-8 (byte 0xff at offset 4); skipped\n");
  const auto answers = testing::read_predictions(out);
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0]["index"], 0);
  EXPECT_EQ(answers[0]["label_name"], "positive");
  EXPECT_EQ(answers[1]["index"], 3);
  EXPECT_EQ(answers[1]["label_name"], "negative");
}

TEST(TextBadInput, AVideoToATextModelAndStandardInputToADetectorAreOneLineErrors) {
  const std::string dir = testing::make_temp_dir("text-kind-mismatch");
  const std::string model = testing::save_tiny_text_model(dir);
  const std::string clip = testing::write_test_clip(dir + "/clip.avi", 3, 32, 32, 10.0);
  // A refused run leaves what an earlier run wrote in its folder as it was.
  const std::string out = dir + "/earlier";
  std::filesystem::create_directories(out);
  std::ofstream(out + "/predictions.jsonl") << "{\"index\":0}\n";
  expect_exact_run_error(
      testing::run_process({testing::cli_path(), "run", "--model", model, "--source", clip, "--out", out, "--quiet"}),
      "--source '" + clip +
          "': model 'tiny.onnx' is a text-classification model and takes texts (.txt, .tsv, or - "
          "for standard input), not frames");
  EXPECT_EQ(testing::read_lines(out + "/predictions.jsonl"), std::vector<std::string>{"{\"index\":0}"});
  EXPECT_FALSE(std::filesystem::exists(out + "/frames.csv"));
  const std::string detector =
      testing::save_constant_yolo_model(dir + "/detector.onnx", 32, std::vector<float>(6, 0.f), 6);
  const std::string command = "echo 'good movie' | '" + testing::cli_path() + "' run --model '" + detector +
                              "' --source - --out '" + out + "' --quiet";
  expect_exact_run_error(testing::run_process({"/bin/sh", "-c", command}),
                         "--source '-': model 'detector.onnx' is a detection model and takes frames (video, images, "
                         "camera, stream), not texts");
  EXPECT_EQ(testing::read_lines(out + "/predictions.jsonl"), std::vector<std::string>{"{\"index\":0}"});
}

}  // namespace
}  // namespace smartcamrt
