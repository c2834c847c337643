#pragma once
// A text stream switched while it runs, for the text-task tests: texts go in through a named pipe (read
// as it comes, like standard input), a switch is requested once the first ones are answered, and the run
// folder is read back.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "smartcamrt/pipeline/pipeline.hpp"

namespace smartcamrt::testing {

struct TextSwitchRun {
  RunReport report;
  std::vector<nlohmann::json> answers;  // predictions.jsonl, in order
  std::vector<std::string> models;      // frames.csv's `model` per row
  std::vector<std::string> events;      // frames.csv's `event` per row
};

// Runs `model` on a pipe in `dir`: writes `before`, waits until they are answered, requests a switch to
// `target`, writes `during` at once, waits 300 ms (time to prepare the target and take it between two
// texts), writes `after`, and ends the stream.
TextSwitchRun run_text_switch(const std::string& dir, const std::string& model, const std::string& target,
                              const std::vector<std::string>& before, const std::vector<std::string>& during,
                              const std::vector<std::string>& after);

// `count` texts processed and answered once each, in input order, each labelled as written: the inputs
// alternate a negative (even index) and a positive (odd index) sentence.
void expect_alternating_answers(const TextSwitchRun& run, size_t count);

// RUN/predictions.jsonl, a JSON value per line, in order.
std::vector<nlohmann::json> read_predictions(const std::string& run_dir);

// The `column` field of every data row of a frames.csv (fails the test when there is no such column).
std::vector<std::string> frames_column(const std::string& path, const std::string& column);

}  // namespace smartcamrt::testing
