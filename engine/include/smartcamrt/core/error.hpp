#pragma once
// One error type for every set-up failure (bad model, bad source, bad option). Its message is one
// line that names the thing at fault and what is wrong with it; the CLI prints it and exits non-zero.
#include <stdexcept>
#include <string>

namespace smartcamrt {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Keeps only the first line of a third-party message (ORT and OpenCV messages can span many).
std::string first_line(const std::string& text);

}  // namespace smartcamrt
