#include "load_error.hpp"

#include <gtest/gtest.h>

#include "smartcamrt/backends/backend.hpp"
#include "smartcamrt/core/error.hpp"

namespace smartcamrt::testing {

std::string load_error(const std::string& backend, const std::string& path) {
  try {
    BackendRegistry::instance().require(backend).open(path, SessionOptions{});
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << backend << ": expected an error opening " << path;
  return "";
}

}  // namespace smartcamrt::testing
