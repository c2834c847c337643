#pragma once
// A strict little reader of the Prometheus text format for the tests: every non-comment line must
// be `name{labels} value`; returns "name{labels}" -> value.
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

namespace smartcamrt::testing {

inline std::map<std::string, double> parse_prometheus(const std::string& text) {
  std::map<std::string, double> samples;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    if (space == std::string::npos) throw std::runtime_error("bad line: " + line);
    const std::string key = line.substr(0, space);
    if (key.find('{') == std::string::npos || key.back() != '}') throw std::runtime_error("bad series: " + line);
    samples[key] = std::stod(line.substr(space + 1));
  }
  return samples;
}

}  // namespace smartcamrt::testing
