#pragma once
// Opening a bad model file must fail with smartcamrt::Error: this returns its message, or records a
// test failure and returns "" when opening succeeded.
#include <string>

namespace smartcamrt::testing {

std::string load_error(const std::string& backend, const std::string& path);

}  // namespace smartcamrt::testing
