// Text sources: .txt (a text per line), .tsv (the `sentence` column), and standard input as an
// interactive stream (here a pipe): indices, skipped lines, one-line errors and warnings.
#include "smartcamrt/sources/text_source.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "../support/tiny_onnx.hpp"
#include "smartcamrt/core/error.hpp"

namespace smartcamrt {
namespace {

struct Read {
  std::vector<std::string> texts;
  std::vector<int64_t> indices;
  std::vector<std::string> warnings;
};

Read read_all(const std::string& path) {
  Read read;
  auto source = open_text_source(path, [&](const std::string& line) { read.warnings.push_back(line); });
  EXPECT_EQ(source->info().kind, SourceKind::kText);
  Frame frame;
  while (source->read(frame)) {
    EXPECT_TRUE(frame.image.empty());
    read.texts.push_back(frame.text);
    read.indices.push_back(frame.index);
  }
  return read;
}

std::string open_error(const std::string& spec) {
  try {
    open_source(spec);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(TextSource, TxtGivesOneTextPerLineAndSkipsBlankAndInvalidLines) {
  const std::string dir = testing::make_temp_dir("text-txt");
  const std::string path = dir + "/texts.txt";
  std::ofstream(path, std::ios::binary) << "\xEF\xBB\xBF"
                                           "first line\r\n"
                                        << "\n"
                                        << "  \t \n"
                                        << "bad \xFF byte\n"
                                        << "caf\xC3\xA9 ok\n"
                                        << "last line without newline";
  const Read read = read_all(path);
  EXPECT_EQ(read.texts, (std::vector<std::string>{"first line", "caf\xC3\xA9 ok", "last line without newline"}));
  EXPECT_EQ(read.indices, (std::vector<int64_t>{0, 4, 5}));  // positions in the file: skipped lines leave gaps
  ASSERT_EQ(read.warnings.size(), 1u);
  EXPECT_EQ(read.warnings[0],
            "source '" + path + "': text 3 (line 4) is not valid UTF-8 (byte 0xff at offset 4); skipped");
  auto source = open_source(path);
  EXPECT_EQ(source->info().kind, SourceKind::kText);
  EXPECT_EQ(source->info().frame_count, 3);
  EXPECT_STREQ(source_kind_name(SourceKind::kText), "text");
}

TEST(TextSource, TsvGivesTheSentenceColumnAndNamesBadRows) {
  const std::string dir = testing::make_temp_dir("text-tsv");
  const std::string path = dir + "/dev.TSV";
  std::ofstream(path) << "label\tsentence\n"
                      << "1\tit 's a charming journey . \n"
                      << "0\n"
                      << "0\t\n"
                      << "1\tthe end\textra\n";
  const Read read = read_all(path);
  EXPECT_EQ(read.texts, (std::vector<std::string>{"it 's a charming journey . ", "the end"}));
  EXPECT_EQ(read.indices, (std::vector<int64_t>{0, 3}));  // data rows, header not counted
  ASSERT_EQ(read.warnings.size(), 1u);
  EXPECT_EQ(read.warnings[0], "source '" + path + "': text 1 (line 3) has 1 fields, no 'sentence' (column 2); skipped");

  const std::string headless = dir + "/no-column.tsv";
  std::ofstream(headless) << "label\ttext\n1\thello\n";
  EXPECT_EQ(open_error(headless), "source '" + headless +
                                      "': a .tsv needs a 'sentence' column in its header row (GLUE format); its "
                                      "header has: label, text");
}

TEST(TextSource, TheRealSst2DevFileHas872Sentences) {
  const char* assets = std::getenv("SMARTCAMRT_ASSETS");
  if (!assets) GTEST_SKIP() << "SMARTCAMRT_ASSETS not set";
  const Read read = read_all(std::string(assets) + "/text/sst2/dev.tsv");
  ASSERT_EQ(read.texts.size(), 872u);
  EXPECT_EQ(read.texts[0], "it 's a charming and often affecting journey . ");
  EXPECT_EQ(read.indices.back(), 871);
  EXPECT_TRUE(read.warnings.empty());
}

TEST(TextSource, FilesWithoutTextAreRefusedInOneLine) {
  const std::string dir = testing::make_temp_dir("text-empty");
  std::ofstream(dir + "/blank.txt") << "\n  \n\t\n";
  EXPECT_EQ(open_error(dir + "/blank.txt"),
            "source '" + dir + "/blank.txt': holds no text (every line is blank or unreadable)");
  std::ofstream(dir + "/empty.txt") << "";
  EXPECT_EQ(open_error(dir + "/empty.txt"), "source '" + dir + "/empty.txt': file is empty");
  std::ofstream(dir + "/header-only.tsv") << "sentence\tlabel\n";
  EXPECT_EQ(open_error(dir + "/header-only.tsv"),
            "source '" + dir + "/header-only.tsv': holds no text (no data row with a sentence)");
  EXPECT_EQ(open_error(dir + "/absent.txt"), "source '" + dir + "/absent.txt': no such file or folder");
}

TEST(TextSource, AVeryLongLineIsOneText) {
  const std::string dir = testing::make_temp_dir("text-long");
  std::string words;
  for (int i = 0; i < 10000; ++i) words += "word ";
  std::ofstream(dir + "/long.txt") << words << "\nshort\n";
  const Read read = read_all(dir + "/long.txt");
  ASSERT_EQ(read.texts.size(), 2u);
  EXPECT_EQ(read.texts[0].size(), words.size());
}

// Standard input is read as it comes: each line is handed on when it ends, not at the end of input.
TEST(TextSource, AStreamHandsOnEachLineAsItArrives) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  auto source = open_text_fd(fds[0], "-");
  EXPECT_EQ(source->info().kind, SourceKind::kText);
  EXPECT_EQ(source->info().frame_count, -1);
  ASSERT_EQ(write(fds[1], "first\n", 6), 6);
  Frame frame;
  ASSERT_TRUE(source->read(frame));  // the writer is still open: an interactive stream
  EXPECT_EQ(frame.text, "first");
  EXPECT_EQ(frame.index, 0);
  ASSERT_EQ(write(fds[1], "\nsec", 4), 4);
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(write(fds[1], "ond\r\nthird", 10), 10);
    close(fds[1]);
  });
  ASSERT_TRUE(source->read(frame));
  EXPECT_EQ(frame.text, "second");
  EXPECT_EQ(frame.index, 2);
  ASSERT_TRUE(source->read(frame));
  EXPECT_EQ(frame.text, "third");
  EXPECT_FALSE(source->read(frame));
  writer.join();
  close(fds[0]);
}

TEST(TextSource, InterruptEndsAReadWaitingForInput) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  auto source = open_text_fd(fds[0], "-");
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    source->interrupt();
  });
  Frame frame;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(source->read(frame));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  stopper.join();
  close(fds[0]);
  close(fds[1]);
}

TEST(TextSource, OpenSourceTakesTxtTsvAndDash) {
  EXPECT_TRUE(is_text_file("a/b.txt"));
  EXPECT_TRUE(is_text_file("B.TSV"));
  EXPECT_FALSE(is_text_file("x.csv"));
  EXPECT_FALSE(is_text_file("video.mp4"));
  auto stdin_source = open_source("-");
  EXPECT_EQ(stdin_source->info().kind, SourceKind::kText);
  EXPECT_EQ(stdin_source->info().spec, "-");
}

}  // namespace
}  // namespace smartcamrt
