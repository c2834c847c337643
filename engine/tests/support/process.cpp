#include "process.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace smartcamrt::testing {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string env_or_throw(const char* name, const char* hint) {
  const char* value = std::getenv(name);
  if (!value || !*value) throw std::runtime_error(std::string(name) + " is not set: " + hint);
  return value;
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& args, const std::function<void(int)>& while_running) {
  char out_template[] = "/tmp/smartcamrt-out-XXXXXX";
  char err_template[] = "/tmp/smartcamrt-err-XXXXXX";
  const int out_fd = mkstemp(out_template);
  const int err_fd = mkstemp(err_template);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    const int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, STDIN_FILENO);
    std::vector<char*> argv;
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  if (while_running) while_running(pid);
  int status = 0;
  waitpid(pid, &status, 0);
  close(out_fd);
  close(err_fd);
  ProcessResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = slurp(out_template);
  result.err = slurp(err_template);
  unlink(out_template);
  unlink(err_template);
  return result;
}

std::string cli_path() { return SMARTCAMRT_CLI_PATH; }

std::string assets_dir() {
  return env_or_throw("SMARTCAMRT_ASSETS", "point it at the shared assets folder (scripts/test.sh does)");
}

std::string test_model() {
  return env_or_throw("SMARTCAMRT_TEST_MODEL", "export yolov5n to ONNX first (scripts/test.sh does)");
}

std::string test_model_small() {
  return env_or_throw("SMARTCAMRT_TEST_MODEL_SMALL", "export yolov5n at 320 first (scripts/test.sh does)");
}

std::string test_text_pte_dir() {
  return env_or_throw("SMARTCAMRT_TEST_TEXT_PTE_DIR",
                      "write the tiny text programs with scripts/text/make_tiny_text_pte.py --out DIR first "
                      "(scripts/test.sh does)");
}

void expect_one_line_error(const ProcessResult& result, const std::string& needle) {
  EXPECT_EQ(result.exit_code, 2) << result.err;
  ASSERT_FALSE(result.err.empty());
  EXPECT_EQ(result.err.find('\n'), result.err.size() - 1) << "more than one line:\n" << result.err;
  EXPECT_NE(result.err.find(needle), std::string::npos) << result.err;
  for (const char* crash : {"terminate called", "Aborted", "Segmentation", "what():"}) {
    EXPECT_EQ(result.err.find(crash), std::string::npos) << result.err;
  }
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream stream(line);
  for (std::string field; std::getline(stream, field, ',');) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}

}  // namespace smartcamrt::testing
