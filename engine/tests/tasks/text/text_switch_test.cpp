// Switching a text stream's model while it runs (as the detector's hot switch): the next model, with
// its own tokenizer, is prepared in the background and takes over between two texts; no text is lost.
// The source is a named pipe, read as it comes like standard input.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../../support/text_stream.hpp"
#include "../../support/tiny_onnx.hpp"
#include "../../support/tiny_text_models.hpp"

namespace smartcamrt {
namespace {

TEST(TextSwitch, AWordPieceModelGivesWayToAWordModelBetweenTwoTexts) {
  const std::string dir = testing::make_temp_dir("text-switch");
  const std::string a = testing::save_tiny_text_model(dir);
  const std::string words_dir = testing::make_temp_dir("text-switch-words");
  testing::TinyTextOptions words;
  words.kind = "words";
  words.mask = false;
  words.file = "words.onnx";
  const std::string b = testing::save_tiny_text_model(words_dir, words);
  std::vector<std::string> before, after;
  for (int i = 0; i < 10; ++i) before.push_back(i % 2 ? "good movie" : "bad movie");
  for (int i = 0; i < 10; ++i) after.push_back(i % 2 ? "it's great!" : "awful.");
  const testing::TextSwitchRun run = testing::run_text_switch(dir, a, b, before, {}, after);

  EXPECT_EQ(run.report.switches, 1);
  testing::expect_alternating_answers(run, 20);
  ASSERT_EQ(run.answers.size(), 20u);
  EXPECT_EQ(run.answers[9]["tokens"], 4);   // [CLS] good movie [SEP]
  EXPECT_EQ(run.answers[11]["tokens"], 3);  // it's great ! (words: no special tokens)
  ASSERT_EQ(run.models.size(), 20u);
  ASSERT_EQ(run.events.size(), 20u);
  EXPECT_EQ(run.models[9], "tiny.onnx");
  EXPECT_EQ(run.models[10], "words.onnx");
  EXPECT_EQ(run.events[10], "switch:ort/tiny.onnx->ort/words.onnx");
}

}  // namespace
}  // namespace smartcamrt
