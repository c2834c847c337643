#pragma once
// Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe: commands
// on fd 3, answers on fd 4, each a JSON text ended by a NUL). Plain --screenshot/--dump-dom act at
// the load event, which an MJPEG <img> fires at its first part; a live page has to be watched over
// time: open it, wait, evaluate script and take screenshots within the same page.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace smartcamrt::testing {

class ChromiumPipe {
 public:
  // Starts `binary` headless with a fresh profile in `profile_dir`; ok() tells whether it answers.
  ChromiumPipe(const std::string& binary, const std::string& profile_dir, int width, int height)
      : width_(width), height_(height) {
    // Everything the child needs is made before fork(): other threads run, so the child may only
    // call async-signal-safe functions until exec.
    const std::string size = "--window-size=" + std::to_string(width) + "," + std::to_string(height);
    const std::string profile = "--user-data-dir=" + profile_dir;
    int to_browser[2], from_browser[2];
    if (pipe(to_browser) != 0 || pipe(from_browser) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(to_browser[0], 3);
      dup2(from_browser[1], 4);
      const int null = open("/dev/null", O_WRONLY);
      dup2(null, 1);
      dup2(null, 2);
      // --no-sandbox: root in a container has no user namespace for the sandbox.
      execl(binary.c_str(), binary.c_str(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--remote-debugging-pipe", size.c_str(), profile.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(to_browser[0]);
    close(from_browser[1]);
    out_ = to_browser[1];
    in_ = from_browser[0];
    signal(SIGPIPE, SIG_IGN);  // a browser that died must fail a write, not kill the test
  }
  ~ChromiumPipe() {
    if (pid_ > 0) {
      command("Browser.close", nlohmann::json::object(), "", std::chrono::seconds(5));
      close(out_);
      close(in_);
      for (int i = 0; i < 50 && waitpid(pid_, nullptr, WNOHANG) == 0; ++i) usleep(100000);
      if (waitpid(pid_, nullptr, WNOHANG) == 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
      }
    }
  }
  ChromiumPipe(const ChromiumPipe&) = delete;
  ChromiumPipe& operator=(const ChromiumPipe&) = delete;

  // Opens `url` in a new page; returns the session to address it (empty on failure).
  std::string open_page(const std::string& url) {
    const auto target = command("Target.createTarget", {{"url", url}});
    if (!target.contains("targetId")) return "";
    const auto attached = command("Target.attachToTarget", {{"targetId", target["targetId"]}, {"flatten", true}});
    const std::string session = attached.value("sessionId", "");
    if (!session.empty()) {  // the page's viewport, whatever the window's default
      command("Emulation.setDeviceMetricsOverride",
              {{"width", width_}, {"height", height_}, {"deviceScaleFactor", 1}, {"mobile", false}}, session);
    }
    return session;
  }
  // The value of a JavaScript expression in the page (null on failure).
  nlohmann::json evaluate(const std::string& session, const std::string& expression) {
    const auto result = command("Runtime.evaluate", {{"expression", expression}, {"returnByValue", true}}, session);
    return result.contains("result") ? result["result"].value("value", nlohmann::json()) : nlohmann::json();
  }
  // A PNG of the page as it is now (empty on failure).
  std::string screenshot(const std::string& session) {
    const auto result = command("Page.captureScreenshot", {{"format", "png"}}, session);
    return result.contains("data") ? base64_decode(result["data"].get<std::string>()) : "";
  }

  // Sends a command and waits for its answer's `result` (an empty object on error or timeout).
  nlohmann::json command(const std::string& method, const nlohmann::json& params, const std::string& session = "",
                         std::chrono::seconds timeout = std::chrono::seconds(30)) {
    if (pid_ <= 0) return nlohmann::json::object();
    nlohmann::json message{{"id", ++id_}, {"method", method}, {"params", params}};
    if (!session.empty()) message["sessionId"] = session;
    const std::string text = message.dump() + std::string(1, '\0');
    if (write(out_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) return nlohmann::json::object();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      for (size_t end; (end = buffer_.find('\0')) != std::string::npos;) {
        const auto answer = nlohmann::json::parse(buffer_.substr(0, end), nullptr, false);
        buffer_.erase(0, end + 1);
        if (answer.is_object() && answer.value("id", -1) == id_) {
          return answer.contains("result") ? answer["result"] : nlohmann::json::object();
        }
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      pollfd ready{in_, POLLIN, 0};
      if (left <= 0 || poll(&ready, 1, static_cast<int>(left)) <= 0) return nlohmann::json::object();
      char chunk[65536];
      const ssize_t n = read(in_, chunk, sizeof(chunk));
      if (n <= 0) return nlohmann::json::object();
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

  static std::string base64_decode(const std::string& text) {
    std::string out;
    uint32_t bits = 0;
    int count = 0;
    for (char c : text) {
      int value;
      if (c >= 'A' && c <= 'Z')
        value = c - 'A';
      else if (c >= 'a' && c <= 'z')
        value = c - 'a' + 26;
      else if (c >= '0' && c <= '9')
        value = c - '0' + 52;
      else if (c == '+')
        value = 62;
      else if (c == '/')
        value = 63;
      else
        continue;  // padding, line breaks
      bits = (bits << 6) | static_cast<uint32_t>(value);
      count += 6;
      if (count >= 8) {
        count -= 8;
        out += static_cast<char>((bits >> count) & 0xFF);
      }
    }
    return out;
  }

 private:
  int width_, height_;
  pid_t pid_ = -1;
  int out_ = -1, in_ = -1;
  int id_ = 0;
  std::string buffer_;
};

}  // namespace smartcamrt::testing
