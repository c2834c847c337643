#pragma once
#include <string>

namespace smartcamrt {

// Versions, host, backend registry (availability and reasons), GPU monitor status.
std::string describe_system();

}  // namespace smartcamrt
