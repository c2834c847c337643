#include "smartcamrt/optimizer/policy.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "smartcamrt/core/error.hpp"
#include "smartcamrt/core/stats.hpp"

namespace smartcamrt {
namespace {

// More than this share of the window late or dropped means the whole stream is slow, not a burst.
constexpr double kSystemicMissShare = 0.5;

std::string fixed(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::string rung_name(const std::vector<Rung>& ladder, size_t index) {
  return "rung " + std::to_string(index) + " '" + ladder[index].id + "'";
}

bool usable(const PolicyState& state, size_t rung, double now_s, const PolicyParams& params) {
  const auto failed = state.failed_at_s.find(rung);
  return failed == state.failed_at_s.end() || now_s - failed->second >= params.retry_failed_s;
}

std::optional<size_t> nearest_heavier(const PolicyState& state, size_t from, double now_s, const PolicyParams& params) {
  for (size_t r = from; r-- > 0;) {
    if (usable(state, r, now_s, params)) return r;
  }
  return std::nullopt;
}

std::optional<size_t> nearest_lighter(const std::vector<Rung>& ladder, const PolicyState& state, size_t from,
                                      double now_s, const PolicyParams& params) {
  for (size_t r = from + 1; r < ladder.size(); ++r) {
    if (usable(state, r, now_s, params)) return r;
  }
  return std::nullopt;
}

// The window as the SLO sees it: a dropped frame is a miss, like an answer later than the SLO.
struct Window {
  size_t answered = 0;
  int64_t dropped = 0;
  size_t offered = 0;
  double p50 = 0, p95 = 0;  // of the answered frames
  double drop_rate = 0;     // dropped / offered
  double miss_rate = 0;     // (answers later than the SLO + dropped) / offered
};

Window summarize_window(const Observation& obs, double slo_ms) {
  Window w;
  w.answered = obs.e2e_ms.size();
  w.dropped = std::max<int64_t>(0, obs.dropped);
  w.offered = w.answered + static_cast<size_t>(w.dropped);
  if (w.offered == 0) return w;
  std::vector<double> sorted = obs.e2e_ms;
  std::sort(sorted.begin(), sorted.end());
  if (!sorted.empty()) {
    w.p50 = percentile_sorted(sorted, 0.50);
    w.p95 = percentile_sorted(sorted, 0.95);
  }
  const auto late = std::count_if(sorted.begin(), sorted.end(), [&](double ms) { return ms > slo_ms; });
  w.drop_rate = static_cast<double>(w.dropped) / static_cast<double>(w.offered);
  w.miss_rate = static_cast<double>(late + w.dropped) / static_cast<double>(w.offered);
  return w;
}

// Answers in a row, newest first, later than the SLO.
size_t newest_late_run(const Observation& obs, double slo_ms) {
  size_t run = 0;
  for (auto it = obs.e2e_ms.rbegin(); it != obs.e2e_ms.rend() && *it > slo_ms; ++it) ++run;
  return run;
}

// The window's median lags a load that started within it (it crosses when half the window is slow);
// once the slowness is known to be systemic, the newest half tells its level.
void raise_slowdown_from_newest_half(PolicyState& state, const Observation& obs, const Window& w, const Rung& running) {
  if (w.answered == 0) return;
  std::vector<double> newest(obs.e2e_ms.end() - static_cast<std::ptrdiff_t>((w.answered + 1) / 2), obs.e2e_ms.end());
  std::sort(newest.begin(), newest.end());
  state.slowdown = std::max(state.slowdown, percentile_sorted(newest, 0.50) / running.p50_ms);
  state.peak_slowdown = std::max(state.peak_slowdown, state.slowdown);
}

bool is_warm(const Observation& obs, size_t rung) {
  return std::find(obs.warm.begin(), obs.warm.end(), rung) != obs.warm.end();
}

// Fast attack, slow release: see PolicyState::slowdown.
void update_slowdown(PolicyState& state, double sample, double now_s, const PolicyParams& params) {
  if (!state.slowdown_at_s || sample >= state.slowdown) {
    state.slowdown = sample;
  } else {
    const double dt = std::max(0.0, now_s - *state.slowdown_at_s);
    state.slowdown = sample + (state.slowdown - sample) * std::exp(-dt / params.release_s);
  }
  state.slowdown_at_s = now_s;
  state.peak_slowdown = std::max(state.peak_slowdown, state.slowdown);
}

void back_off(PolicyState& state, const PolicyParams& params) {
  const double ceiling = params.up_hold_s > 0 ? std::max(1.0, params.max_up_hold_s / params.up_hold_s) : 1.0;
  state.hold_scale = std::min(state.hold_scale * 2, ceiling);
  state.backoff_reference = 0;  // measured afresh on the rungs the stream runs on from now
}

void took_effect(PolicyState& state, double now_s, const PolicyParams& params) {
  const PolicyState::Pending pending = *state.pending;
  state.pending.reset();
  state.last_switch_s = now_s;
  ++state.switches;
  state.ready_since_s.reset();
  state.probe_from.reset();
  state.up_entered_s.reset();
  if (pending.action == Decision::Action::kUp) {
    state.probe_from = pending.from;
    state.probe_until_s = now_s + params.probe_s;
    state.up_entered_s = now_s;
  }
}

Decision stay(size_t rung, std::string why) { return {Decision::Action::kStay, rung, "stay:" + std::move(why)}; }

Decision request(PolicyState& state, Decision::Action action, size_t from, size_t to, std::string reason) {
  state.pending = PolicyState::Pending{from, to, action};
  return {action, to, std::move(reason)};
}

}  // namespace

const char* to_string(Decision::Action action) {
  switch (action) {
    case Decision::Action::kStay: return "stay";
    case Decision::Action::kDown: return "down";
    case Decision::Action::kUp: return "up";
    case Decision::Action::kRevert: return "revert";
    case Decision::Action::kFallback: return "fallback";
  }
  return "?";
}

void validate_ladder(const std::vector<Rung>& ladder) {
  if (ladder.empty()) throw Error("ladder: no rung to run");
  for (size_t i = 0; i < ladder.size(); ++i) {
    const Rung& r = ladder[i];
    if (!(r.p50_ms > 0) || !std::isfinite(r.p50_ms)) {
      throw Error("ladder " + rung_name(ladder, i) + ": p50_ms=" + fixed(r.p50_ms, 2) + " must be a positive number");
    }
    if (!(r.p95_ms >= r.p50_ms) || !std::isfinite(r.p95_ms)) {
      throw Error("ladder " + rung_name(ladder, i) + ": p95_ms=" + fixed(r.p95_ms, 2) +
                  " must be finite and >= p50_ms=" + fixed(r.p50_ms, 2));
    }
    if (!std::isfinite(r.accuracy)) throw Error("ladder " + rung_name(ladder, i) + ": accuracy is not a number");
    if (i > 0 && r.accuracy > ladder[i - 1].accuracy) {
      throw Error("ladder " + rung_name(ladder, i) + ": accuracy " + fixed(r.accuracy, 3) + " is above rung " +
                  std::to_string(i - 1) + "'s " + fixed(ladder[i - 1].accuracy, 3) +
                  " (rungs run from the most accurate down)");
    }
  }
}

void validate_policy_params(const PolicyParams& p) {
  const auto bad = [](const std::string& field, double value, const std::string& rule) {
    throw Error("policy: " + field + "=" + fixed(value, 3) + " " + rule);
  };
  if (!(p.slo_ms > 0) || !std::isfinite(p.slo_ms)) bad("slo_ms", p.slo_ms, "must be a positive number of ms");
  if (!(p.headroom > 0 && p.headroom <= 1)) bad("headroom", p.headroom, "must be in (0, 1]");
  if (!(p.cooldown_s >= 0)) bad("cooldown_s", p.cooldown_s, "must be >= 0");
  if (!(p.up_hold_s >= 0)) bad("up_hold_s", p.up_hold_s, "must be >= 0");
  if (!(p.max_up_hold_s >= p.up_hold_s)) bad("max_up_hold_s", p.max_up_hold_s, "must be >= up_hold_s");
  if (!(p.probe_s >= 0)) bad("probe_s", p.probe_s, "must be >= 0");
  if (!(p.release_s > 0)) bad("release_s", p.release_s, "must be > 0");
  if (p.min_window < 1) bad("min_window", 0, "must be >= 1");
  if (p.sustained_late < 1) bad("sustained_late", 0, "must be >= 1");
  if (p.sustained_late_contended < 1) bad("sustained_late_contended", 0, "must be >= 1");
  if (!(p.contended_load >= 0)) bad("contended_load", p.contended_load, "must be >= 0");
  if (!(p.standby_slowdown >= 1)) bad("standby_slowdown", p.standby_slowdown, "must be >= 1");
  if (!(p.jump_max_slowdown >= 1)) bad("jump_max_slowdown", p.jump_max_slowdown, "must be >= 1");
  if (!(p.drop_tolerance >= 0 && p.drop_tolerance < 1)) bad("drop_tolerance", p.drop_tolerance, "must be in [0, 1)");
  if (!(p.retry_failed_s >= 0)) bad("retry_failed_s", p.retry_failed_s, "must be >= 0");
}

double PolicyState::up_hold_s(const PolicyParams& params) const {
  return std::min(params.up_hold_s * hold_scale, std::max(params.up_hold_s, params.max_up_hold_s));
}

Decision decide(const std::vector<Rung>& ladder, const Observation& obs, const PolicyParams& params,
                PolicyState& state) {
  if (obs.rung >= ladder.size()) {
    throw Error("policy: observed rung " + std::to_string(obs.rung) + " is outside the ladder of " +
                std::to_string(ladder.size()));
  }
  const double now = obs.now_s;
  const size_t cur = obs.rung;
  const Rung& running = ladder[cur];

  // 1. A switch in flight: wait for it, or learn that it could not be made.
  if (state.pending) {
    const PolicyState::Pending pending = *state.pending;
    if (cur != pending.from) {
      took_effect(state, now, params);  // also when someone else moved the stream: adopt what runs
    } else if (obs.switch_failed) {
      state.failed_at_s[pending.to] = now;
      state.pending.reset();
      if (!obs.current_failed) {
        return stay(cur, "switch to " + ladder[pending.to].id + " failed, " + running.id + " kept");
      }
    } else {
      return stay(cur, "switching to " + ladder[pending.to].id);
    }
  }

  // 2. The running rung fails: move at once, cooldown or not; the stream must go on.
  if (obs.current_failed) {
    state.failed_at_s[cur] = now;
    std::optional<size_t> target = nearest_lighter(ladder, state, cur, now, params);
    if (!target) target = nearest_heavier(state, cur, now, params);
    if (!target) return stay(cur, running.id + " failed, no working rung left");
    return request(state, Decision::Action::kFallback, cur, *target,
                   "fallback:" + running.id + " failed -> " + ladder[*target].id);
  }

  // 3. Judge only a full window of this rung, or a short one that is late throughout its newest frames.
  const Window w = summarize_window(obs, params.slo_ms);
  const size_t late_run = newest_late_run(obs, params.slo_ms);
  const bool contended = obs.other_load && *obs.other_load >= params.contended_load;
  const bool sustained =
      late_run >= params.sustained_late || (contended && late_run >= params.sustained_late_contended);
  if (w.offered < params.min_window && !sustained) {
    return stay(cur, "window " + std::to_string(w.offered) + "<" + std::to_string(params.min_window));
  }
  if (w.answered > 0) {
    const double sample = w.p50 / running.p50_ms;
    update_slowdown(state, sample, now, params);
    if (state.hold_scale > 1 && !state.probe_from) state.backoff_reference = std::max(state.backoff_reference, sample);
  }

  const double slo = params.slo_ms;
  const double budget = params.headroom * slo;
  const std::string figures =
      "p95=" + (w.answered > 0 ? fixed(w.p95, 0) : std::string("none")) +
      (w.dropped > 0 ? " drop=" + std::to_string(w.dropped) + "/" + std::to_string(w.offered) : std::string());
  const auto context = [&] {  // read when the reason is written: the slowdown may be refreshed first
    std::string text =
        " slow=" + fixed(state.slowdown, 1) + "x load=" + fixed(obs.system_load, 1) + "/" + std::to_string(obs.cores);
    if (obs.gpu_util_pct) text += " gpu=" + fixed(*obs.gpu_util_pct, 0) + "%";
    return text;
  };
  const auto predicted = [&](size_t r) { return ladder[r].p95_ms * state.slowdown; };
  const bool cooling = state.last_switch_s && now - *state.last_switch_s < params.cooldown_s;
  const bool broken = (w.answered > 0 && w.p95 > slo) || w.drop_rate > params.drop_tolerance;
  const double hold = state.up_hold_s(params);

  // A step up that has held as long as the hold asked for is confirmed: the back-off is forgiven. So it
  // is when the load has changed: the slowdown has fallen to half of the highest measured since.
  if (state.up_entered_s && !state.probe_from && now - *state.up_entered_s >= hold) {
    state.hold_scale = 1;
    state.backoff_reference = 0;
    state.up_entered_s.reset();
  }
  if (state.hold_scale > 1 && state.backoff_reference > 0 && state.slowdown <= 0.5 * state.backoff_reference) {
    state.hold_scale = 1;
    state.backoff_reference = 0;
  }

  // 4. Probation: the first broken window after a step up sends the stream back, cooldown or not
  // (the policy chose to take the risk; leaving it in place costs misses), and doubles the hold. Back
  // to where the probe came from, or lighter still when the slowdown seen now says that rung would not
  // fit either (the load that broke the probe may have risen for every rung: measured, a probe that
  // met the start of a load went back to a rung that broke too, and the step further down then waited
  // for the cooldown and a new window).
  if (state.probe_from) {
    if (broken) {
      const size_t origin = *state.probe_from;
      state.probe_from.reset();
      state.up_entered_s.reset();
      back_off(state, params);
      raise_slowdown_from_newest_half(state, obs, w, running);
      // The origin's task is still loaded (the switcher keeps it), so going back there costs no load; a
      // rung past it does (seconds on a busy CPU, while the probe keeps answering late). So past the
      // origin only when the origin is predicted to break the SLO itself, not merely its headroom.
      size_t back = origin;
      if (predicted(origin) > slo || !usable(state, origin, now, params)) {
        for (size_t r = origin; r < ladder.size(); ++r) {
          if (!usable(state, r, now, params)) continue;
          back = r;
          if (predicted(r) <= budget) break;
        }
      }
      return request(state, Decision::Action::kRevert, cur, back,
                     "adapt:revert " + figures + ">" + fixed(slo, 0) + context() + " on " + running.id + " -> " +
                         ladder[back].id + " (hold " + fixed(state.up_hold_s(params), 0) + "s)");
    }
    if (now < state.probe_until_s) return stay(cur, "probing " + running.id + " " + figures);
    state.probe_from.reset();
  }

  // 5. Overload: the promise is broken and the cause is the whole stream being slow (its median),
  // not a burst. Go to the most accurate lighter rung predicted to fit, skipping rungs if needed.
  if (broken) {
    state.ready_since_s.reset();
    const bool systemic = sustained || predicted(cur) > slo || w.miss_rate > kSystemicMissShare;
    if (!systemic) return stay(cur, "burst " + figures + ">" + fixed(slo, 0) + " pred " + fixed(predicted(cur), 0));
    const std::optional<size_t> first = nearest_lighter(ladder, state, cur, now, params);
    if (!first) return stay(cur, "lightest " + figures + ">" + fixed(slo, 0) + context());
    // The cooldown keeps a window's judgement from following a switch too closely; frames late one
    // after another need no such care (a step down cannot start an oscillation).
    if (cooling && !sustained) return stay(cur, "cooldown " + figures + ">" + fixed(slo, 0));
    // The whole window's median lags a load that started within it (it crosses when half the window
    // is slow); now that the slowness is known to be systemic, the newest half tells its level, so
    // the first step down goes far enough instead of needing a second one after the cooldown.
    raise_slowdown_from_newest_half(state, obs, w, running);
    std::optional<size_t> target;
    size_t lightest = *first;
    for (size_t r = *first; r < ladder.size(); ++r) {
      if (!usable(state, r, now, params)) continue;
      lightest = r;
      if (predicted(r) <= budget) {
        target = r;
        break;
      }
    }
    std::string fit = target ? "(pred " + fixed(predicted(*target), 0) + "<=" + fixed(budget, 0) + ")"
                             : "(none fits " + fixed(budget, 0) + ", lightest)";
    if (!target) target = lightest;
    // A rung that must be loaded first keeps the stream late for the whole load (seconds under this very
    // load: measured 3.4 s for an OpenVINO compile); a warm lighter rung that fits answers in time from
    // the next frame, and the step up to the more accurate rung comes once calm.
    if (!is_warm(obs, *target)) {
      for (size_t r = *first; r < ladder.size(); ++r) {
        if (r != *target && is_warm(obs, r) && usable(state, r, now, params) && predicted(r) <= budget) {
          target = r;
          fit = "(warm, pred " + fixed(predicted(r), 0) + "<=" + fixed(budget, 0) + ")";
          break;
        }
      }
    }
    if (state.up_entered_s) {  // the last step up did not hold: wait longer before the next
      back_off(state, params);
      state.up_entered_s.reset();
    }
    return request(state, Decision::Action::kDown, cur, *target,
                   "adapt:down " + figures + ">" + fixed(slo, 0) + context() + " -> " + ladder[*target].id + " " + fit);
  }

  // 6. Step up once the stream has been calm and the next rung predicted to fit with headroom for the
  // whole hold. Once the device is nearly idle (slowdown <= jump_max_slowdown) and no back-off lasts:
  // to the most accurate working rung predicted to fit, since every second on a light rung after a
  // load is accuracy lost. Otherwise one rung: under contention the slowdown measured on a light rung
  // says little about a heavier one (measured: 416 on one thread at 2.2x while 640 on two threads
  // answered at 6-7x), and a failed probe says the prediction was wrong once.
  const std::optional<size_t> next = nearest_heavier(state, cur, now, params);
  if (!next) {
    state.ready_since_s.reset();
    return stay(cur, "ok " + figures + "<=" + fixed(slo, 0) + (cur == 0 ? " top" : " no working heavier rung"));
  }
  const bool calm = w.answered > 0 && w.p95 <= budget && w.drop_rate <= params.drop_tolerance;
  if (!calm || predicted(*next) > budget) {
    state.ready_since_s.reset();
    return stay(cur, "ok " + figures + "<=" + fixed(slo, 0) + ", " + ladder[*next].id + " pred " +
                         fixed(predicted(*next), 0) + ">" + fixed(budget, 0));
  }
  if (!state.ready_since_s) state.ready_since_s = now;
  const double held = now - *state.ready_since_s;
  if (held < hold) return stay(cur, "hold " + fixed(held, 1) + "<" + fixed(hold, 1) + "s");
  if (cooling) return stay(cur, "cooldown " + figures);
  size_t target = *next;
  if (state.hold_scale <= 1 && state.slowdown <= params.jump_max_slowdown) {
    for (size_t r = *next; r-- > 0;) {
      if (usable(state, r, now, params) && predicted(r) <= budget) target = r;
    }
  }
  return request(state, Decision::Action::kUp, cur, target,
                 "adapt:up " + figures + "<=" + fixed(budget, 0) + context() + " -> " + ladder[target].id + " (pred " +
                     fixed(predicted(target), 0) + "<=" + fixed(budget, 0) + ")");
}

std::optional<size_t> standby_rung(const std::vector<Rung>& ladder, size_t running, double now_s,
                                   const PolicyParams& params, const PolicyState& state) {
  const double slowdown = std::max(params.standby_slowdown, state.peak_slowdown);
  const double budget = params.headroom * params.slo_ms;
  std::optional<size_t> lightest;
  for (size_t r = running + 1; r < ladder.size(); ++r) {
    if (!usable(state, r, now_s, params)) continue;
    if (ladder[r].p95_ms * slowdown <= budget) return r;
    lightest = r;
  }
  return lightest;
}

}  // namespace smartcamrt
