// Switching a text stream's model while it runs (as the detector's hot switch): the next model, with
// its own tokenizer, is prepared in the background and takes over between two texts; no text is lost.
// The source is a named pipe, read as it comes like standard input.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "../../support/process.hpp"
#include "../../support/tiny_onnx.hpp"
#include "../../support/tiny_text_models.hpp"
#include "smartcamrt/pipeline/pipeline.hpp"

namespace smartcamrt {
namespace {

size_t lines_in(const std::string& path) { return testing::read_lines(path).size(); }

bool wait_for_lines(const std::string& path, size_t count) {
  for (int i = 0; i < 2000; ++i) {
    if (lines_in(path) >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

TEST(TextSwitch, AWordPieceModelGivesWayToAWordModelBetweenTwoTexts) {
  const std::string dir = testing::make_temp_dir("text-switch");
  const std::string a = testing::save_tiny_text_model(dir);
  const std::string words_dir = testing::make_temp_dir("text-switch-words");
  testing::TinyTextOptions words;
  words.kind = "words";
  words.mask = false;
  words.file = "words.onnx";
  const std::string b = testing::save_tiny_text_model(words_dir, words);
  const std::string fifo = dir + "/texts.txt";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);

  RunConfig config;
  config.task.model_path = a;
  config.task.session.threads = 1;
  config.sources = {fifo};
  config.out_dir = dir + "/run";
  config.telemetry = false;
  config.control = std::make_shared<RunControl>();
  const std::string predictions = config.out_dir + "/predictions.jsonl";
  std::thread writer([&] {
    const int fd = open(fifo.c_str(), O_WRONLY);  // waits for the run to open its end
    ASSERT_GE(fd, 0);
    const auto send = [&](const std::string& text) {
      ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    };
    for (int i = 0; i < 10; ++i) send(i % 2 ? "good movie\n" : "bad movie\n");
    EXPECT_TRUE(wait_for_lines(predictions, 10));
    config.control->request_switch({b, "", 0, ""});
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // prepared and swapped in while idle
    for (int i = 0; i < 10; ++i) send(i % 2 ? "it's great!\n" : "awful.\n");
    close(fd);
  });
  const RunReport report = run_pipeline(config);
  writer.join();

  EXPECT_EQ(report.switches, 1);
  EXPECT_EQ(report.processed, 20);
  std::vector<nlohmann::json> answers;
  for (const std::string& line : testing::read_lines(predictions)) answers.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(answers.size(), 20u);
  for (size_t i = 0; i < answers.size(); ++i) {
    EXPECT_EQ(answers[i]["index"], i);
    EXPECT_EQ(answers[i]["label_name"], i % 2 ? "positive" : "negative") << i;
  }
  EXPECT_EQ(answers[9]["tokens"], 4);   // [CLS] good movie [SEP]
  EXPECT_EQ(answers[11]["tokens"], 3);  // it's great ! (words: no special tokens)
  const auto csv = testing::read_lines(config.out_dir + "/frames.csv");
  ASSERT_EQ(csv.size(), 21u);
  const auto header = testing::split_csv(csv[0]);
  const auto field = [&](size_t row, const std::string& name) {
    const size_t column = std::find(header.begin(), header.end(), name) - header.begin();
    return column < header.size() ? testing::split_csv(csv[row]).at(column) : "no column " + name;
  };
  EXPECT_EQ(field(10, "model"), "tiny.onnx");
  EXPECT_EQ(field(11, "model"), "words.onnx");
  EXPECT_EQ(field(11, "event"), "switch:ort/tiny.onnx->ort/words.onnx");
}

}  // namespace
}  // namespace smartcamrt
