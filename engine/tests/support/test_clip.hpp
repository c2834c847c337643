#pragma once
// A small MJPEG clip for pipeline tests: frame i is a flat grey of value i (mod 256), so frames differ
// and a test can tell them apart when it needs to.
#include <string>

namespace smartcamrt::testing {

// Writes `frames` frames of `width` x `height` at `fps` to `path` and returns `path`.
std::string write_test_clip(const std::string& path, int frames, int width, int height, double fps);

}  // namespace smartcamrt::testing
