#include "text_stream.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

#include "process.hpp"

namespace smartcamrt::testing {
namespace {

bool wait_for_lines(const std::string& path, size_t count) {
  for (int i = 0; i < 2000; ++i) {
    if (read_lines(path).size() >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

}  // namespace

std::vector<nlohmann::json> read_predictions(const std::string& run_dir) {
  std::vector<nlohmann::json> lines;
  for (const std::string& line : read_lines(run_dir + "/predictions.jsonl"))
    lines.push_back(nlohmann::json::parse(line));
  return lines;
}

std::vector<std::string> frames_column(const std::string& path, const std::string& column) {
  const auto csv = read_lines(path);
  EXPECT_FALSE(csv.empty()) << path;
  if (csv.empty()) return {};
  const auto header = split_csv(csv[0]);
  const size_t index = std::find(header.begin(), header.end(), column) - header.begin();
  EXPECT_LT(index, header.size()) << "no column " << column;
  std::vector<std::string> values;
  for (size_t i = 1; i < csv.size() && index < header.size(); ++i) values.push_back(split_csv(csv[i]).at(index));
  return values;
}

TextSwitchRun run_text_switch(const std::string& dir, const std::string& model, const std::string& target,
                              const std::vector<std::string>& before, const std::vector<std::string>& during,
                              const std::vector<std::string>& after) {
  const std::string fifo = dir + "/texts.txt";
  EXPECT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  RunConfig config;
  config.task.model_path = model;
  config.task.session.threads = 1;
  config.sources = {fifo};
  config.out_dir = dir + "/run";
  config.telemetry = false;
  config.control = std::make_shared<RunControl>();
  const std::string predictions = config.out_dir + "/predictions.jsonl";
  std::thread writer([&] {
    const int fd = open(fifo.c_str(), O_WRONLY);  // waits for the run to open its end
    ASSERT_GE(fd, 0);
    const auto send = [&](const std::vector<std::string>& texts) {
      for (const std::string& text : texts) {
        const std::string line = text + "\n";
        ASSERT_EQ(write(fd, line.data(), line.size()), static_cast<ssize_t>(line.size()));
      }
    };
    send(before);
    EXPECT_TRUE(wait_for_lines(predictions, before.size()));
    config.control->request_switch({target, "", 0, ""});
    send(during);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    send(after);
    close(fd);
  });
  TextSwitchRun run;
  run.report = run_pipeline(config);
  writer.join();
  run.answers = read_predictions(config.out_dir);
  run.models = frames_column(config.out_dir + "/frames.csv", "model");
  run.events = frames_column(config.out_dir + "/frames.csv", "event");
  return run;
}

void expect_alternating_answers(const TextSwitchRun& run, size_t count) {
  EXPECT_EQ(run.report.processed, static_cast<int64_t>(count));
  ASSERT_EQ(run.answers.size(), count);
  for (size_t i = 0; i < run.answers.size(); ++i) {
    EXPECT_EQ(run.answers[i]["index"], i);
    EXPECT_EQ(run.answers[i]["label_name"], i % 2 ? "positive" : "negative") << i;
  }
}

}  // namespace smartcamrt::testing
