// `smartcamrt run` with a text model, through the real binary: predictions.jsonl in input order,
// frames.csv one row per text, standard input answered line by line, and the mismatches (a text
// file given to a detector, an image given to a text model) refused in one line.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "../../support/process.hpp"
#include "../../support/text_stream.hpp"
#include "../../support/tiny_onnx.hpp"
#include "../../support/tiny_text_models.hpp"

namespace smartcamrt {
namespace {

using testing::expect_one_line_error;
using testing::run_process;

class TextRun : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("text-run");
    model_ = testing::save_tiny_text_model(dir_);
  }
  testing::ProcessResult run(std::vector<std::string> args) {
    args.insert(args.begin(), testing::cli_path());
    return run_process(args);
  }
  std::string dir_, model_;
};

TEST_F(TextRun, ATsvIsAnsweredInOrderWithOneFramesRowPerText) {
  const std::string source = dir_ + "/dev.tsv";
  std::string long_text;
  for (int i = 0; i < 10000; ++i) long_text += "bad ";
  std::ofstream(source) << "sentence\tlabel\n"
                        << "a good movie !\t1\n"
                        << "\t0\n"  // a blank sentence: skipped
                        << "awful , bad\t0\n"
                        << "bad \xFF bytes\t0\n"  // not UTF-8: skipped, named on stderr
                        << long_text << "\t0\n"
                        << "great\t1\n";
  const std::string out = dir_ + "/run";
  const auto result = run({"run", "--model", model_, "--source", source, "--out", out, "--threads", "1", "--quiet"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("text 3 (line 5) is not valid UTF-8 (byte 0xff at offset 4); skipped"), std::string::npos)
      << result.err;
  const auto lines = testing::read_predictions(out);
  ASSERT_EQ(lines.size(), 4u);
  const std::vector<int64_t> indices{0, 2, 4, 5};
  const std::vector<std::string> labels{"positive", "negative", "negative", "positive"};
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i]["index"], indices[i]);
    EXPECT_EQ(lines[i]["label_name"], labels[i]);
    EXPECT_EQ(lines[i]["label"], labels[i] == "positive" ? 1 : 0);
    ASSERT_EQ(lines[i]["probs"].size(), 2u);
    EXPECT_NEAR(lines[i]["probs"][0].get<double>() + lines[i]["probs"][1].get<double>(), 1.0, 1e-5);
    EXPECT_DOUBLE_EQ(lines[i]["score"].get<double>(), lines[i]["probs"][lines[i]["label"].get<size_t>()].get<double>());
  }
  EXPECT_EQ(lines[2]["tokens"], 16);
  EXPECT_EQ(lines[2]["truncated"], true);

  const auto csv = testing::read_lines(out + "/frames.csv");
  ASSERT_EQ(csv.size(), 5u);
  const auto header = testing::split_csv(csv[0]);
  const auto column = [&](const std::string& name) {
    return static_cast<size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  const std::vector<std::string> inputs{"seq6", "seq5", "seq16", "seq3"};  // [CLS] a good movie ! [SEP] ...
  for (size_t i = 1; i < csv.size(); ++i) {
    const auto row = testing::split_csv(csv[i]);
    EXPECT_EQ(row[column("frame")], std::to_string(indices[i - 1]));
    EXPECT_EQ(row[column("input")], inputs[i - 1]);
    EXPECT_EQ(row[column("detections")], "1");
    EXPECT_EQ(row[column("dropped")], "0");
    EXPECT_FALSE(row[column("pre_ms")].empty());
    EXPECT_FALSE(row[column("infer_ms")].empty());
  }
  std::ifstream summary_file(out + "/summary.json");
  const auto summary = nlohmann::json::parse(summary_file);
  EXPECT_EQ(summary["source"]["kind"], "text");
}

TEST_F(TextRun, RealTimeDropsNoText) {
  const std::string source = dir_ + "/many.txt";
  {
    std::ofstream out(source);
    for (int i = 0; i < 200; ++i) out << (i % 2 ? "good movie" : "bad movie") << "\n";
  }
  const std::string out = dir_ + "/rt";
  const auto result = run({"run", "--model", model_, "--source", source, "--out", out, "--realtime", "--quiet"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(testing::read_predictions(out).size(), 200u);
}

TEST_F(TextRun, StandardInputIsAnsweredLineByLineOnStdout) {
  const std::string out = dir_ + "/stdin";
  const std::string command = "printf 'good movie\\n\\nbad movie\\n' | '" + testing::cli_path() + "' run --model '" +
                              model_ + "' --source - --out '" + out + "' --quiet";
  const auto result = run_process({"/bin/sh", "-c", command});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto lines = testing::read_predictions(out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["label_name"], "positive");
  EXPECT_EQ(lines[1]["label_name"], "negative");
  EXPECT_EQ(lines[1]["index"], 2);
  // Each answer is echoed on stdout as its line is answered (before the closing summary).
  const size_t first = result.out.find(lines[0].dump());
  const size_t second = result.out.find(lines[1].dump());
  ASSERT_NE(first, std::string::npos) << result.out;
  ASSERT_NE(second, std::string::npos) << result.out;
  EXPECT_LT(first, second);
}

TEST_F(TextRun, ATextFileToADetectorAndAnImageToATextModelAreOneLineErrors) {
  const std::string texts = dir_ + "/texts.txt";
  std::ofstream(texts) << "good movie\n";
  const std::string detector =
      testing::save_constant_yolo_model(dir_ + "/detector.onnx", 32, std::vector<float>(6, 0.f), 6);
  expect_one_line_error(run({"run", "--model", detector, "--source", texts, "--out", dir_ + "/o1"}),
                        "--source '" + texts +
                            "': model 'detector.onnx' is a detection model and takes frames (video, images, camera, "
                            "stream), not texts");
  const std::string image = dir_ + "/image.png";
  cv::imwrite(image, cv::Mat(16, 16, CV_8UC3, cv::Scalar(1, 2, 3)));
  expect_one_line_error(run({"run", "--model", model_, "--source", image, "--out", dir_ + "/o2"}),
                        "--source '" + image +
                            "': model 'tiny.onnx' is a text-classification model and takes texts (.txt, .tsv, or - "
                            "for standard input), not frames");
}

TEST_F(TextRun, ATextModelWithoutItsVocabularyIsAOneLineError) {
  std::filesystem::remove(dir_ + "/vocab.txt");
  const std::string texts = dir_ + "/texts.txt";
  std::ofstream(texts) << "good movie\n";
  expect_one_line_error(run({"run", "--model", model_, "--source", texts, "--out", dir_ + "/o"}),
                        "its vocabulary 'vocab.txt' is missing");
}

}  // namespace
}  // namespace smartcamrt
