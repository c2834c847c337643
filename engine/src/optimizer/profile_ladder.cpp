// The optimizer's ladder from a device profile: pure functions, no I/O.
#include <algorithm>
#include <limits>
#include <map>

#include "smartcamrt/optimizer/profile.hpp"

namespace smartcamrt {
namespace {

// Ground truth before agreement with the source model: on a tie in count, the better evidence wins.
int metric_rank(const std::string& metric) {
  if (metric == "mAP50-95") return 0;
  if (metric == "mAP50") return 1;
  if (metric == "accuracy") return 2;
  return 3;
}

bool rankable(const ProfiledConfiguration& c) { return c.accuracy && c.accuracy_metric && c.warning.empty(); }

std::string metric_of(const std::vector<const ProfiledConfiguration*>& configurations) {
  std::map<std::string, size_t> counts;
  for (const ProfiledConfiguration* c : configurations) {
    if (rankable(*c)) ++counts[*c->accuracy_metric];
  }
  std::string best;
  for (const auto& [metric, count] : counts) {
    if (best.empty() || count > counts.at(best) ||
        (count == counts.at(best) && metric_rank(metric) < metric_rank(best))) {
      best = metric;
    }
  }
  return best;
}

bool selected(const ProfiledConfiguration& c, const LadderOptions& options) {
  if (options.threads > 0 && c.threads != options.threads) return false;
  if (!options.runtimes.empty() &&
      std::find(options.runtimes.begin(), options.runtimes.end(), c.runtime) == options.runtimes.end()) {
    return false;
  }
  return true;
}

}  // namespace

std::string ladder_metric(const DeviceProfile& profile) {
  std::vector<const ProfiledConfiguration*> all;
  for (const ProfiledConfiguration& c : profile.configurations) all.push_back(&c);
  return metric_of(all);
}

std::vector<ProfiledConfiguration> ladder(const DeviceProfile& profile, const LadderOptions& options) {
  std::vector<const ProfiledConfiguration*> pool;
  for (const ProfiledConfiguration& c : profile.configurations) {
    if (selected(c, options)) pool.push_back(&c);
  }
  const std::string metric = options.metric.empty() ? metric_of(pool) : options.metric;
  std::vector<const ProfiledConfiguration*> ranked;
  for (const ProfiledConfiguration* c : pool) {
    if (rankable(*c) && *c->accuracy_metric == metric) ranked.push_back(c);
  }
  // The id breaks exact ties so that the ladder does not depend on the order of the profile.
  std::sort(ranked.begin(), ranked.end(), [](const ProfiledConfiguration* a, const ProfiledConfiguration* b) {
    if (*a->accuracy != *b->accuracy) return *a->accuracy > *b->accuracy;
    if (a->e2e_p95_ms != b->e2e_p95_ms) return a->e2e_p95_ms < b->e2e_p95_ms;
    return a->id < b->id;
  });
  // Every configuration before this one is at least as accurate, so it earns its place only by being
  // strictly faster than all of them.
  std::vector<ProfiledConfiguration> rungs;
  double fastest_above = std::numeric_limits<double>::infinity();
  for (const ProfiledConfiguration* c : ranked) {
    if (c->e2e_p95_ms < fastest_above) {
      rungs.push_back(*c);
      fastest_above = c->e2e_p95_ms;
    }
  }
  return rungs;
}

}  // namespace smartcamrt
