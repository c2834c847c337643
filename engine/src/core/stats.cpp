#include "smartcamrt/core/stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace smartcamrt {

double percentile_sorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double rank = std::clamp(q, 0.0, 1.0) * static_cast<double>(sorted.size() - 1);
  const size_t lower = static_cast<size_t>(std::floor(rank));
  const size_t upper = std::min(lower + 1, sorted.size() - 1);
  const double fraction = rank - static_cast<double>(lower);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction;
}

Stats summarize(std::vector<double> values) {
  Stats stats;
  if (values.empty()) return stats;
  std::sort(values.begin(), values.end());
  stats.count = values.size();
  stats.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  stats.min = values.front();
  stats.max = values.back();
  stats.p50 = percentile_sorted(values, 0.50);
  stats.p90 = percentile_sorted(values, 0.90);
  stats.p95 = percentile_sorted(values, 0.95);
  stats.p99 = percentile_sorted(values, 0.99);
  return stats;
}

}  // namespace smartcamrt
