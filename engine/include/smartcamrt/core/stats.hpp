#pragma once
// Latency statistics. Percentiles interpolate linearly between closest ranks (NumPy's default) so
// figures from the C++ engine and the Python tooling can be compared directly.
#include <cstddef>
#include <vector>

namespace smartcamrt {

struct Stats {
  size_t count = 0;
  double mean = 0, min = 0, max = 0;
  double p50 = 0, p90 = 0, p95 = 0, p99 = 0;
};

// q in [0, 1]; `sorted` must be ascending and non-empty.
double percentile_sorted(const std::vector<double>& sorted, double q);

Stats summarize(std::vector<double> values);

}  // namespace smartcamrt
