#pragma once
#include <string>

namespace smartcamrt {

// Versions, host, backend registry (availability and reasons), GPU monitor status.
std::string describe_system();
// The same as JSON: {"smartcamrt", "host", "opencv", "gpu", "backends": [{name, available, version,
// reason, description, suffixes}]}, for tools that pick runtimes.
std::string describe_system_json();

}  // namespace smartcamrt
