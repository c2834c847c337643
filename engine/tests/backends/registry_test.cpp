#include <gtest/gtest.h>

#include "../support/backend_coverage.hpp"
#include "smartcamrt/backends/backend.hpp"
#include "smartcamrt/core/error.hpp"

namespace smartcamrt {

// Guard: a backend added to the registry without a test file declaring it fails here.
TEST(BackendRegistry, EveryRegisteredBackendHasATest) {
  const auto& tested = testing::tested_backends();
  ASSERT_FALSE(BackendRegistry::instance().list().empty());
  for (const Backend* backend : BackendRegistry::instance().list()) {
    EXPECT_TRUE(tested.count(backend->name()))
        << "backend '" << backend->name() << "' has no test: add one declaring SMARTCAMRT_BACKEND_TESTED";
  }
}

TEST(BackendRegistry, UnavailableBackendsSayWhy) {
  for (const Backend* backend : BackendRegistry::instance().list()) {
    const Availability availability = backend->availability();
    if (!availability.available) {
      EXPECT_FALSE(availability.reason.empty()) << backend->name();
    }
  }
}

TEST(BackendRegistry, UnknownNamesAndSuffixesAreOneLineErrors) {
  const BackendRegistry& registry = BackendRegistry::instance();
  EXPECT_EQ(registry.find("nosuch"), nullptr);
  try {
    registry.require("nosuch");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("known: "), std::string::npos);
  }
  EXPECT_THROW(registry.for_model("model.bin"), Error);
}

}  // namespace smartcamrt
