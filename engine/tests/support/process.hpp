#pragma once
// Runs the smartcamrt binary as a user would, capturing its output and exit status.
#include <functional>
#include <string>
#include <vector>

namespace smartcamrt::testing {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal number when killed by a signal
  std::string out, err;
};

// Runs `args` (args[0] is the program). `while_running`, if given, is called with the child's pid
// right after it starts (to send it a signal, say).
ProcessResult run_process(const std::vector<std::string>& args, const std::function<void(int pid)>& while_running = {});

// The built smartcamrt binary.
std::string cli_path();
// $SMARTCAMRT_ASSETS (the shared real data) and $SMARTCAMRT_TEST_MODEL (the exported YOLOv5n);
// both throw with a message saying how to set them, since the end-to-end tests cannot run without.
std::string assets_dir();
std::string test_model();
// $SMARTCAMRT_TEST_MODEL_SMALL: the same network exported at 320 (the lighter fallback).
std::string test_model_small();
// $SMARTCAMRT_TEST_TEXT_PTE_DIR: the tiny ExecuTorch text programs (ExecuTorch programs cannot be
// written from C++; scripts/text/make_tiny_text_pte.py writes them, scripts/test.sh runs it).
std::string test_text_pte_dir();

// A command that refused bad input: exit 2, one line on stderr holding `needle`, and no sign of a crash.
void expect_one_line_error(const ProcessResult& result, const std::string& needle);

std::vector<std::string> read_lines(const std::string& path);
std::vector<std::string> split_csv(const std::string& line);

}  // namespace smartcamrt::testing
