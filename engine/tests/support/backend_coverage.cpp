#include "backend_coverage.hpp"

namespace smartcamrt::testing {

std::set<std::string>& tested_backends() {
  static std::set<std::string> names;
  return names;
}

}  // namespace smartcamrt::testing
