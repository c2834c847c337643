// The pure figures of a stress run (stress.hpp): timelines, frames lost, reaction, pooled streams,
// the verdict and soak growth. No I/O here, so the tests script every case.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "smartcamrt/core/stats.hpp"
#include "smartcamrt/pipeline/stress.hpp"

namespace smartcamrt {
namespace {

std::string fixed(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return percentile_sorted(values, 0.5);
}

}  // namespace

std::vector<OfferedItem> offered_items(const std::vector<FrameRow>& rows) {
  std::vector<OfferedItem> items;
  int64_t dropped_before = 0;
  for (const FrameRow& row : rows) {
    const double t_s = row.ts_ms / 1000.0;
    for (int64_t i = dropped_before; i < row.dropped; ++i) items.push_back({t_s, -1.0});
    dropped_before = std::max(dropped_before, row.dropped);
    items.push_back({t_s, row.e2e_ms});
  }
  return items;
}

// A row's `dropped` is read after its frame was processed, so it may already count frames dropped
// after it (the queue drops while the engine works): a gap right after such a row looks unexplained
// though it is not. Hence no gap-by-gap test but a running balance: before row i, frame_i frame
// numbers were offered, `seen` of them have rows, and every other one must be among the drops
// counted by then. Drops of earlier frames are always counted by the time a later frame is
// processed, so the balance never overstates a loss; a frame lost for good raises it from its row on.
int64_t frames_lost(const std::vector<FrameRow>& rows) {
  int64_t lost = 0, seen = 0, next = 0;  // next: the frame after the highest seen
  for (const FrameRow& row : rows) {
    if (row.frame < next) continue;  // a repeat is not a loss
    lost = std::max(lost, row.frame - seen - row.dropped);
    ++seen;
    next = row.frame + 1;
  }
  return lost;
}

std::vector<LoadRise> load_rises(const LoadSchedule& schedule) {
  std::vector<LoadRise> rises;
  const auto& steps = schedule.steps();
  for (size_t i = 1; i < steps.size(); ++i) {
    if (steps[i].busy_cores <= steps[i - 1].busy_cores) continue;
    const double until = i + 1 < steps.size() ? steps[i + 1].at_s : std::numeric_limits<double>::infinity();
    rises.push_back({steps[i].at_s, steps[i - 1].busy_cores, steps[i].busy_cores, until});
  }
  return rises;
}

std::optional<double> reaction_time_s(std::vector<OfferedItem> items, const LoadRise& rise, double slo_ms,
                                      double window_s) {
  std::sort(items.begin(), items.end(), [](const OfferedItem& a, const OfferedItem& b) { return a.t_s < b.t_s; });
  double last_s = rise.at_s;
  for (const OfferedItem& item : items) last_s = std::max(last_s, item.t_s);
  bool broken = false;
  auto next = std::lower_bound(items.begin(), items.end(), rise.at_s,
                               [](const OfferedItem& item, double t) { return item.t_s < t; });
  // Windows are counted from the rise, not added up, so no rounding drifts over a long phase.
  for (int64_t k = 0;; ++k) {
    const double start = rise.at_s + static_cast<double>(k) * window_s;
    if (start >= rise.until_s || start > last_s) break;
    const double stop = std::min(start + window_s, rise.until_s);
    std::vector<double> answered;
    bool dropped = false;
    for (; next != items.end() && next->t_s < stop; ++next) {
      if (next->e2e_ms < 0) {
        dropped = true;
      } else {
        answered.push_back(next->e2e_ms);
      }
    }
    std::sort(answered.begin(), answered.end());
    const bool met = !dropped && !answered.empty() && percentile_sorted(answered, 0.95) <= slo_ms;
    if (!met) {
      broken = true;
    } else if (broken) {
      return start - rise.at_s;
    }
  }
  return broken ? std::nullopt : std::optional<double>(0.0);
}

PooledFigures pool_streams(const std::vector<StreamFigures>& streams) {
  PooledFigures pooled;
  double weighted = 0;
  bool every_accuracy = !streams.empty();
  for (const StreamFigures& s : streams) {
    pooled.processed += s.processed;
    pooled.dropped += s.dropped;
    pooled.offered += s.offered;
    pooled.within_slo += s.within_slo;
    pooled.switches += s.switches;
    if (!s.accuracy) {
      every_accuracy = false;
      continue;
    }
    weighted += *s.accuracy * static_cast<double>(s.processed);
    if (pooled.accuracy_metric.empty()) {
      pooled.accuracy_metric = s.accuracy_metric;
    } else if (pooled.accuracy_metric != s.accuracy_metric) {
      pooled.accuracy_metric = "mixed";
    }
  }
  if (pooled.offered > 0) {
    pooled.attainment = static_cast<double>(pooled.within_slo) / static_cast<double>(pooled.offered);
  }
  if (every_accuracy && pooled.processed > 0) {
    pooled.accuracy = weighted / static_cast<double>(pooled.processed);
  } else {
    pooled.accuracy_metric.clear();
  }
  return pooled;
}

std::string adaptive_verdict(const std::optional<PooledFigures>& heavy, const std::optional<PooledFigures>& light,
                             const std::optional<PooledFigures>& adaptive, double attainment_slack,
                             double accuracy_slack) {
  if (!adaptive || !light || !heavy) {
    return "Not judged: the comparison needs all three modes (static-heavy, static-light, adaptive).";
  }
  if (!adaptive->attainment || !light->attainment) return "Not judged: a run offered no item.";
  const double a = *adaptive->attainment, l = *light->attainment;
  const bool attains = a >= l - attainment_slack;
  std::string sentence = "The adaptive run " + std::string(attains ? "got" : "did not get") +
                         " the attainment of the lightest (" + fixed(a, 3) + " vs " + fixed(l, 3) + ")";
  if (!adaptive->accuracy || !heavy->accuracy) {
    return sentence + "; its accuracy cannot be judged, since a configuration used has no recorded accuracy.";
  }
  const double acc = *adaptive->accuracy, top = *heavy->accuracy;
  const bool close = acc >= top - accuracy_slack;
  return sentence + (attains == close ? " and " : " but ") + (close ? "kept" : "did not keep") +
         " an accuracy close to the heaviest's (" + fixed(acc, 3) + " vs " + fixed(top, 3) + " " +
         heavy->accuracy_metric + ", within " + fixed(accuracy_slack, 2) + ").";
}

std::optional<Growth> quarter_growth(const std::vector<double>& samples) {
  if (samples.size() < 4) return std::nullopt;
  const size_t quarter = samples.size() / 4;
  Growth growth;
  growth.first = median(std::vector<double>(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(quarter)));
  growth.last = median(std::vector<double>(samples.end() - static_cast<std::ptrdiff_t>(quarter), samples.end()));
  if (growth.first != 0) growth.pct = (growth.last - growth.first) / growth.first * 100.0;
  return growth;
}

}  // namespace smartcamrt
