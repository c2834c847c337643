#pragma once
// Every backend test file declares the backend it covers; a guard test fails when a registered
// backend has no test (like Optimum's test_all_models_tested).
#include <set>
#include <string>

namespace smartcamrt::testing {

std::set<std::string>& tested_backends();

struct BackendTestDeclaration {
  explicit BackendTestDeclaration(const char* name) { tested_backends().insert(name); }
};

}  // namespace smartcamrt::testing

#define SMARTCAMRT_BACKEND_TESTED(name) \
  static const ::smartcamrt::testing::BackendTestDeclaration smartcamrt_backend_tested_##name { #name }
