#include "control_file.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "smartcamrt/core/error.hpp"

namespace smartcamrt {
namespace {
constexpr auto kPollInterval = std::chrono::milliseconds(200);

std::filesystem::file_time_type write_time(const std::string& path) {
  std::error_code ec;
  const auto time = std::filesystem::last_write_time(path, ec);
  return ec ? std::filesystem::file_time_type{} : time;
}
}  // namespace

ControlCommand parse_control_command(const std::string& text) {
  ControlCommand command;
  SwitchRequest request;
  bool any_switch = false;
  std::istringstream tokens(text);
  for (std::string token; tokens >> token;) {
    if (token == "stop") {
      command.stop = true;
    } else if (token.rfind("model=", 0) == 0 && token.size() > 6) {
      request.model_path = token.substr(6);
      any_switch = true;
    } else if (token.rfind("runtime=", 0) == 0 && token.size() > 8) {
      request.runtime = token.substr(8);
      any_switch = true;
    } else {
      throw Error("control: unknown command '" + token + "' (expected model=PATH, runtime=NAME or stop)");
    }
  }
  if (any_switch) command.switch_request = request;
  return command;
}

ControlFileWatcher::ControlFileWatcher(std::string path, RunControl& control)
    : path_(std::move(path)), control_(control), last_write_(write_time(path_)) {
  thread_ = std::thread([this] { loop(); });
}

ControlFileWatcher::~ControlFileWatcher() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
}

void ControlFileWatcher::loop() {
  while (!stopping_.load()) {
    std::this_thread::sleep_for(kPollInterval);
    const auto written = write_time(path_);
    if (written == last_write_) continue;
    last_write_ = written;
    std::ifstream in(path_);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    try {
      const ControlCommand command = parse_control_command(text);
      if (command.switch_request) control_.request_switch(*command.switch_request);
      if (command.stop) control_.request_stop();
    } catch (const Error& e) {
      std::fprintf(stderr, "%s (in %s)\n", e.what(), path_.c_str());  // the run goes on unchanged
    }
  }
}

}  // namespace smartcamrt
