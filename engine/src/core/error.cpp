#include "smartcamrt/core/error.hpp"

namespace smartcamrt {

std::string first_line(const std::string& text) {
  const size_t end = text.find_first_of("\r\n");
  return end == std::string::npos ? text : text.substr(0, end);
}

}  // namespace smartcamrt
