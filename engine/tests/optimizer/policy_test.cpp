#include "smartcamrt/optimizer/policy.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <functional>

#include "smartcamrt/core/error.hpp"

namespace smartcamrt {
namespace {

using Action = Decision::Action;

// Latencies of one rung are its base time x the load's slowdown x a factor that cycles through 20
// values spread evenly over [0.85, 1.15] (in a scrambled order). Any 20 consecutive frames hold every
// factor once, so a full window's median is exactly base x slowdown and its p95 base x slowdown x 1.135:
// the profile below is what this generator gives on an idle device.
constexpr double kP95OverP50 = 1.135;
double factor(int64_t frame) { return 0.85 + 0.3 * static_cast<double>((frame * 7) % 20) / 19.0; }

Rung rung(const std::string& id, double base_ms, double accuracy) {
  return {id, base_ms, base_ms * kP95OverP50, accuracy};
}

// p95 on an idle device: 38.6, 25.0, 17.0, 11.4 ms. SLO 100 ms, headroom 0.8: a rung qualifies up to 80.
std::vector<Rung> four_rungs() {
  return {rung("640", 34, 0.28), rung("512", 22, 0.26), rung("416", 15, 0.23), rung("320", 10, 0.19)};
}

struct Switch {
  double t_s;
  Decision decision;
};

// A stream at 10 fps whose latencies follow a scripted slowdown. A switch takes effect at the next
// frame and clears the window, as the controller does.
struct Sim {
  std::vector<Rung> ladder = four_rungs();
  PolicyParams params;
  PolicyState state;
  size_t rung = 0;
  std::deque<double> window;
  size_t window_size = 20;
  double t = 0;
  int64_t frame = 0;
  std::function<double(double t, size_t rung)> slowdown = [](double, size_t) { return 1.0; };
  std::function<bool(double t)> fails = [](double) { return false; };
  std::vector<Switch> switches;
  std::vector<std::string> reasons;

  void run_until(double end_s) {
    while (t < end_s - 1e-9) step();
  }
  void step() {
    window.push_back(ladder[rung].p50_ms * slowdown(t, rung) * factor(frame));
    if (window.size() > window_size) window.pop_front();
    Observation obs;
    obs.now_s = t;
    obs.rung = rung;
    obs.e2e_ms.assign(window.begin(), window.end());
    obs.system_load = slowdown(t, 0) > 1 ? 2.0 : 0.1;
    obs.cores = 2;
    obs.current_failed = fails(t);
    const Decision d = decide(ladder, obs, params, state);
    reasons.push_back(d.reason);
    if (d.switches()) {
      switches.push_back({t, d});
      rung = d.target;
      window.clear();
    }
    ++frame;
    t = static_cast<double>(frame) / 10.0;  // exact at whole seconds, unlike a running sum of 0.1
  }
  int count(Action action) const {
    int n = 0;
    for (const Switch& s : switches) n += s.decision.action == action;
    return n;
  }
  bool saw_reason_starting(const std::string& prefix) const {
    for (const std::string& r : reasons) {
      if (r.rfind(prefix, 0) == 0) return true;
    }
    return false;
  }
};

std::string trace(const Sim& sim) {
  std::string text;
  for (const Switch& s : sim.switches) text += std::to_string(s.t_s) + " " + s.decision.reason + "\n";
  return text;
}

Observation window_of(double now_s, size_t rung, std::vector<double> e2e_ms, int64_t dropped = 0) {
  Observation obs;
  obs.now_s = now_s;
  obs.rung = rung;
  obs.e2e_ms = std::move(e2e_ms);
  obs.dropped = dropped;
  return obs;
}

}  // namespace

TEST(Policy, SteadyIdleStaysOnTheMostAccurateRung) {
  Sim sim;
  sim.run_until(60);
  EXPECT_TRUE(sim.switches.empty()) << trace(sim);
  EXPECT_EQ(sim.rung, 0u);
  EXPECT_EQ(sim.reasons.back().rfind("stay:ok", 0), 0u) << sim.reasons.back();
  EXPECT_NEAR(sim.state.slowdown, 1.0, 1e-9);
}

TEST(Policy, SustainedOverloadStepsDownToTheMostAccurateRungThatFitsAndSaysWhy) {
  Sim sim;
  // x4 from t=10: 640 answers at p95 154 ms, 512 would at 100 (no headroom), 416 at 68 (fits 80).
  sim.slowdown = [](double t, size_t) { return t >= 10 ? 4.0 : 1.0; };
  sim.run_until(30);
  ASSERT_FALSE(sim.switches.empty());
  const Switch& first = sim.switches.front();
  EXPECT_EQ(first.decision.action, Action::kDown);
  EXPECT_EQ(first.decision.target, 2u) << "skips 512, whose prediction has no headroom: " << trace(sim);
  EXPECT_GE(first.t_s, 10.0);
  EXPECT_LE(first.t_s, 12.0) << "reacts within about half a window";
  EXPECT_EQ(first.decision.reason.rfind("adapt:down p95=", 0), 0u) << first.decision.reason;
  EXPECT_NE(first.decision.reason.find(">100"), std::string::npos) << first.decision.reason;
  EXPECT_NE(first.decision.reason.find("load=2.0/2"), std::string::npos) << first.decision.reason;
  EXPECT_NE(first.decision.reason.find("-> 416"), std::string::npos) << first.decision.reason;
  EXPECT_EQ(sim.switches.size(), 1u) << trace(sim);
  EXPECT_EQ(sim.rung, 2u);
  EXPECT_NEAR(sim.state.slowdown, 4.0, 1e-9) << "the median ratio, once the window is all loaded";
}

TEST(Policy, WhenNothingFitsItTakesTheLightestRung) {
  Sim sim;
  sim.slowdown = [](double t, size_t) { return t >= 5 ? 12.0 : 1.0; };  // even 320 predicts 136
  sim.run_until(20);
  ASSERT_FALSE(sim.switches.empty());
  EXPECT_EQ(sim.switches.front().decision.target, 3u) << trace(sim);
  EXPECT_NE(sim.switches.front().decision.reason.find("none fits"), std::string::npos) << trace(sim);
  EXPECT_EQ(sim.rung, 3u);
  EXPECT_TRUE(sim.saw_reason_starting("stay:lightest")) << "still broken on the lightest: says so, stays";
}

TEST(Policy, ASpikeShorterThanHalfTheWindowDoesNotSwitch) {
  Sim sim;
  // 0.8 s at x5 (8 frames of a 20-frame window, shorter than the 2 s cooldown): p95 breaks the SLO
  // while the spike is in the window, the median does not move.
  sim.slowdown = [](double t, size_t) { return t >= 10 && t < 10.8 - 1e-9 ? 5.0 : 1.0; };
  sim.run_until(30);
  EXPECT_TRUE(sim.switches.empty()) << trace(sim);
  EXPECT_TRUE(sim.saw_reason_starting("stay:burst p95=")) << "the broken p95 was seen and judged a burst";
  EXPECT_LT(sim.state.slowdown, 1.5);
}

TEST(Policy, LoadGoingAwayStepsBackUpToTheMostAccurateRungThatFitsAfterTheHold) {
  Sim sim;
  sim.slowdown = [](double t, size_t) { return t >= 10 && t < 40 ? 4.0 : 1.0; };
  sim.run_until(100);
  ASSERT_EQ(sim.switches.size(), 2u) << trace(sim);
  EXPECT_EQ(sim.switches[0].decision.action, Action::kDown);
  EXPECT_EQ(sim.switches[0].decision.target, 2u);
  const Switch& up = sim.switches[1];
  EXPECT_EQ(up.decision.action, Action::kUp) << trace(sim);
  EXPECT_EQ(up.decision.target, 0u) << "straight past 512 to 640: " << trace(sim);
  EXPECT_GE(up.t_s - 40, sim.params.up_hold_s) << "calm for the whole hold first: " << trace(sim);
  EXPECT_LE(up.t_s - 40, sim.params.up_hold_s + 4) << "the slowdown estimate falls within seconds: " << trace(sim);
  EXPECT_EQ(up.decision.reason.rfind("adapt:up ", 0), 0u) << up.decision.reason;
  EXPECT_EQ(sim.rung, 0u) << trace(sim);
}

TEST(Policy, PartialReliefStepsUpOnlyAsFarAsFits) {
  Sim sim;
  // x4 from 10 s, x2.5 from 40 s: 512 predicts 62 (fits 80), 640 96 (does not).
  sim.slowdown = [](double t, size_t) { return t < 10 ? 1.0 : t < 40 ? 4.0 : 2.5; };
  sim.run_until(100);
  ASSERT_EQ(sim.switches.size(), 2u) << trace(sim);
  EXPECT_EQ(sim.switches[1].decision.action, Action::kUp);
  EXPECT_EQ(sim.switches[1].decision.target, 1u) << trace(sim);
  EXPECT_EQ(sim.rung, 1u) << trace(sim);
}

// Under contention the slowdown measured on a light rung says little about the heavier ones (a real
// stress run: 416 on one thread at 2.2x, 640 on two threads at 6-7x): a step up then goes one rung.
TEST(Policy, UnderContentionAStepUpGoesOneRungAtATime) {
  Sim sim;
  sim.slowdown = [](double t, size_t r) { return t < 5 || t >= 60 ? 1.0 : r == 0 ? 6.0 : 2.0; };
  sim.run_until(90);
  size_t from = 0;
  bool jumped_after_load = false;
  for (const Switch& s : sim.switches) {
    if (s.decision.action == Action::kUp && s.t_s < 60) {
      EXPECT_EQ(s.decision.target + 1, from) << "one rung under load: " << trace(sim);
    }
    if (s.decision.action == Action::kUp && s.t_s >= 60 && s.decision.target + 1 < from) jumped_after_load = true;
    from = s.decision.target;
  }
  EXPECT_GE(sim.count(Action::kRevert), 1) << "640 was probed and broke: " << trace(sim);
  EXPECT_EQ(sim.rung, 0u) << trace(sim);
  EXPECT_TRUE(jumped_after_load || sim.switches.back().decision.target == 0) << trace(sim);
}

// A probe that met a load arriving (its revert went past its origin) backs off for as long as that
// load lasts: once it has gone, the next step up waits for the plain hold, not the doubled one.
TEST(Policy, TheBackOffOfAProbeThatMetARisingLoadEndsWithThatLoad) {
  Sim sim;
  sim.slowdown = [&sim](double t, size_t) {
    const bool probed = std::any_of(sim.switches.begin(), sim.switches.end(),
                                    [](const Switch& s) { return s.decision.action == Action::kUp; });
    if (t >= 40) return 1.0;
    return t < 10 ? 4.0 : probed ? 6.5 : 2.0;  // the probe from 416 meets a rising load
  };
  sim.run_until(80);
  const auto revert = std::find_if(sim.switches.begin(), sim.switches.end(),
                                   [](const Switch& s) { return s.decision.action == Action::kRevert; });
  ASSERT_NE(revert, sim.switches.end()) << trace(sim);
  EXPECT_EQ(revert->decision.target, 3u) << trace(sim);
  ASSERT_EQ(sim.switches.back().decision.action, Action::kUp) << trace(sim);
  EXPECT_EQ(sim.switches.back().decision.target, 0u) << trace(sim);
  EXPECT_LE(sim.switches.back().t_s - 40, sim.params.up_hold_s + 4) << "not the doubled hold: " << trace(sim);
  EXPECT_EQ(sim.state.hold_scale, 1.0) << "forgiven once the load went";
}

TEST(Policy, NoStepUpWhileTheLoadPersists) {
  Sim sim;
  sim.slowdown = [](double t, size_t) { return t >= 10 ? 4.0 : 1.0; };
  sim.run_until(120);
  EXPECT_EQ(sim.count(Action::kUp), 0) << trace(sim);
  EXPECT_EQ(sim.rung, 2u);
  EXPECT_NE(sim.reasons.back().find("512 pred 100>80"), std::string::npos) << sim.reasons.back();
}

TEST(Policy, OscillatingLoadFasterThanTheHoldDoesNotFlipFlop) {
  Sim sim;
  // Square wave: 2 s at x4, 2 s idle, for two minutes.
  sim.slowdown = [](double t, size_t) { return static_cast<int64_t>(t / 2.0) % 2 == 0 ? 4.0 : 1.0; };
  sim.run_until(120);
  EXPECT_EQ(sim.count(Action::kDown), 1) << "steps down once and stays: " << trace(sim);
  EXPECT_EQ(sim.count(Action::kUp), 0) << trace(sim);
  EXPECT_EQ(sim.state.switches, 1);
}

TEST(Policy, AFailedProbeGoesBackAndBacksOff) {
  Sim sim;
  // The load hurts the two heaviest rungs far more than the light ones (say, memory bandwidth): from
  // 416 the estimate invites a step up to 512, which then answers at p95 112 ms.
  sim.slowdown = [](double t, size_t r) { return t < 5 ? 1.0 : r <= 1 ? 4.5 : 2.0; };
  sim.run_until(200);
  std::vector<double> ups, reverts;
  for (size_t i = 0; i < sim.switches.size(); ++i) {
    const Decision& d = sim.switches[i].decision;
    if (d.action == Action::kUp) {
      ups.push_back(sim.switches[i].t_s);
      EXPECT_EQ(d.target, 1u) << trace(sim);
      ASSERT_LT(i + 1, sim.switches.size()) << "every probe fails: " << trace(sim);
      const Switch& back = sim.switches[i + 1];
      reverts.push_back(back.t_s);
      EXPECT_EQ(back.decision.action, Action::kRevert) << trace(sim);
      EXPECT_EQ(back.decision.target, 2u);
      EXPECT_EQ(back.decision.reason.rfind("adapt:revert p95=112>100", 0), 0u) << back.decision.reason;
      EXPECT_LE(back.t_s - sim.switches[i].t_s, sim.params.probe_s + 0.11) << "within the probe";
    }
  }
  ASSERT_GE(ups.size(), 3u) << trace(sim);
  for (size_t k = 0; k + 1 < ups.size(); ++k) {
    // After the k-th failed probe the hold is 5 s x 2^(k+1), up to 120 s.
    const double hold = std::min(sim.params.up_hold_s * static_cast<double>(2 << k), sim.params.max_up_hold_s);
    EXPECT_GE(ups[k + 1] - reverts[k], hold) << "the hold doubles: " << trace(sim);
    if (k > 0) {
      EXPECT_GT(ups[k + 1] - ups[k], ups[k] - ups[k - 1]) << trace(sim);
    }
  }
  EXPECT_LE(ups.size(), 6u) << trace(sim);
  EXPECT_GT(sim.state.hold_scale, 4.0);
  EXPECT_EQ(sim.rung, 2u);
}

// A probe that meets a load rising for every rung: going back to where the probe came from would break
// too (and the next step down would wait for the cooldown and a new window), so the revert goes as far
// down as the slowdown seen on the probe says. Seen in a real stress run: 512 probed as 3 busy cores
// arrived, the revert to 416 broke as well, and 320 came 2.7 s later.
TEST(Policy, ARevertGoesPastTheProbesOriginWhenEveryRungSlowedDown) {
  Sim sim;
  sim.slowdown = [&sim](double t, size_t) {
    const bool probed = std::any_of(sim.switches.begin(), sim.switches.end(),
                                    [](const Switch& s) { return s.decision.action == Action::kUp; });
    return t < 10 ? 4.0 : probed ? 6.5 : 1.0;  // at x6.5: 416 predicts 110 > 80, 320 predicts 74
  };
  sim.run_until(40);
  const auto revert = std::find_if(sim.switches.begin(), sim.switches.end(),
                                   [](const Switch& s) { return s.decision.action == Action::kRevert; });
  ASSERT_NE(revert, sim.switches.end()) << trace(sim);
  const auto up = std::prev(revert);
  EXPECT_EQ(up->decision.action, Action::kUp) << trace(sim);
  EXPECT_LT(up->decision.target, 2u) << "a step up from 416: " << trace(sim);
  EXPECT_EQ(revert->decision.target, 3u) << "past 416 to 320: " << trace(sim);
  EXPECT_NE(revert->decision.reason.find("-> 320"), std::string::npos) << revert->decision.reason;
  EXPECT_EQ(sim.rung, 3u) << "and it stays there while the load lasts: " << trace(sim);
}

// Judged on the window (here: without the rule for frames late in a row), a second step down waits.
TEST(Policy, ASecondStepDownJudgedOnTheWindowWaitsForTheCooldown) {
  Sim sim;
  sim.params.min_window = 10;
  sim.params.sustained_late = 1000;
  sim.params.cooldown_s = 5;
  sim.slowdown = [](double t, size_t) { return t < 10 ? 1.0 : t < 11.5 ? 4.0 : 9.0; };  // 416 breaks too at x9
  sim.run_until(30);
  ASSERT_GE(sim.switches.size(), 2u) << trace(sim);
  EXPECT_EQ(sim.switches[1].decision.action, Action::kDown);
  EXPECT_GE(sim.switches[1].t_s - sim.switches[0].t_s, 5.0) << trace(sim);
  EXPECT_TRUE(sim.saw_reason_starting("stay:cooldown p95="));
}

TEST(Policy, FailureFallsBackAtOnceAndRetriesTheFailedRungLater) {
  Sim sim;
  sim.fails = [&sim](double t) { return sim.rung == 0 && t >= 10 && t < 10.05; };
  sim.run_until(100);
  ASSERT_GE(sim.switches.size(), 2u) << trace(sim);
  const Switch& fallback = sim.switches[0];
  EXPECT_EQ(fallback.decision.action, Action::kFallback);
  EXPECT_EQ(fallback.decision.target, 1u);
  EXPECT_EQ(fallback.decision.reason, "fallback:640 failed -> 512");
  EXPECT_NEAR(fallback.t_s, 10.0, 0.01) << "at once, no window needed";
  const Switch& retry = sim.switches[1];
  EXPECT_EQ(retry.decision.action, Action::kUp);
  EXPECT_EQ(retry.decision.target, 0u);
  EXPECT_GE(retry.t_s, 10.0 + sim.params.retry_failed_s) << "not before the retry delay: " << trace(sim);
  EXPECT_TRUE(sim.saw_reason_starting("stay:ok p95=")) << "waits as 'no working heavier rung'";
  EXPECT_EQ(sim.rung, 0u);
}

TEST(Policy, FailureSkipsRungsThatFailedRecentlyAndGoesHeavierFromTheBottom) {
  const std::vector<Rung> ladder = four_rungs();
  PolicyParams params;
  PolicyState state;
  Observation obs = window_of(1, 3, {});
  obs.current_failed = true;
  Decision d = decide(ladder, obs, params, state);
  EXPECT_EQ(d.action, Action::kFallback);
  EXPECT_EQ(d.target, 2u) << "the lightest has nothing lighter: the nearest heavier";
  obs = window_of(2, 2, {});  // 416 runs now, and fails too
  obs.current_failed = true;
  d = decide(ladder, obs, params, state);
  EXPECT_EQ(d.target, 1u) << "320 failed a second ago: skipped";
  obs = window_of(3, 1, {});
  obs.current_failed = true;
  d = decide(ladder, obs, params, state);
  EXPECT_EQ(d.target, 0u);
  obs = window_of(4, 0, {});
  obs.current_failed = true;
  d = decide(ladder, obs, params, state);
  EXPECT_EQ(d.action, Action::kStay);
  EXPECT_EQ(d.reason, "stay:640 failed, no working rung left");
}

TEST(Policy, ASwitchInFlightIsAwaitedAndAFailedOneIsNotRetriedAtOnce) {
  const std::vector<Rung> ladder = four_rungs();
  PolicyParams params;
  PolicyState state;
  const std::vector<double> slow(20, 150.0);  // 640 at x4.4 (median 150 of base 34)
  Decision d = decide(ladder, window_of(1, 0, slow), params, state);
  ASSERT_EQ(d.action, Action::kDown);
  EXPECT_EQ(d.target, 2u);
  d = decide(ladder, window_of(1.1, 0, slow), params, state);
  EXPECT_EQ(d.action, Action::kStay);
  EXPECT_EQ(d.reason, "stay:switching to 416");
  Observation failed = window_of(1.2, 0, slow);
  failed.switch_failed = true;
  d = decide(ladder, failed, params, state);
  EXPECT_EQ(d.action, Action::kStay);
  EXPECT_EQ(d.reason, "stay:switch to 416 failed, 640 kept");
  d = decide(ladder, window_of(1.3, 0, slow), params, state);
  EXPECT_EQ(d.action, Action::kDown);
  EXPECT_EQ(d.target, 3u) << "416 failed to load: the next lighter rung";
  EXPECT_EQ(state.switches, 0);
  d = decide(ladder, window_of(1.4, 3, {}), params, state);
  EXPECT_EQ(state.switches, 1) << "took effect";
  EXPECT_EQ(d.reason, "stay:window 0<20");
}

TEST(Policy, DropsCountAsMisses) {
  const std::vector<Rung> ladder = four_rungs();
  PolicyParams params;
  PolicyState state;
  // Quick answers, but 12 of 20 frames dropped: the stream cannot keep up.
  Decision d = decide(ladder, window_of(1, 0, std::vector<double>(8, 36.0), 12), params, state);
  EXPECT_EQ(d.action, Action::kDown);
  EXPECT_NE(d.reason.find("drop=12/20"), std::string::npos) << d.reason;
  // One drop in twenty breaks the 1% tolerance but is a burst, not a slow stream.
  PolicyState fresh;
  d = decide(ladder, window_of(1, 0, std::vector<double>(19, 36.0), 1), params, fresh);
  EXPECT_EQ(d.action, Action::kStay);
  EXPECT_EQ(d.reason.rfind("stay:burst p95=36 drop=1/20", 0), 0u) << d.reason;
}

TEST(Policy, EmptyOrShortWindowStays) {
  const std::vector<Rung> ladder = four_rungs();
  PolicyParams params;
  PolicyState state;
  Decision d = decide(ladder, window_of(1, 1, {}), params, state);
  EXPECT_EQ(d.action, Action::kStay);
  EXPECT_EQ(d.target, 1u);
  EXPECT_EQ(d.reason, "stay:window 0<20");
  // 19 frames, mostly slow but not the newest 10 in a row: not judged.
  std::vector<double> mixed(19, 500.0);
  mixed[14] = 20;
  d = decide(ladder, window_of(2, 1, mixed), params, state);
  EXPECT_EQ(d.action, Action::kStay);
  EXPECT_EQ(d.reason, "stay:window 19<20");
  EXPECT_DOUBLE_EQ(state.slowdown, 1.0);
}

// Just after a switch the window is short; a rung that is late frame after frame is left after
// sustained_late frames instead of a whole window (a probe met by a rising load, a step down not deep
// enough). Fewer late frames in a row are not enough.
TEST(Policy, TenLateFramesInARowAreJudgedOnAShortWindow) {
  const std::vector<Rung> ladder = four_rungs();
  PolicyParams params;
  PolicyState state;
  Decision d = decide(ladder, window_of(1, 1, std::vector<double>(9, 150.0)), params, state);
  EXPECT_EQ(d.reason, "stay:window 9<20");
  d = decide(ladder, window_of(1.1, 1, std::vector<double>(10, 150.0)), params, state);
  EXPECT_EQ(d.action, Action::kDown) << d.reason;
  EXPECT_EQ(d.target, 3u) << "512 at x6.8: 416 predicts 116, 320 77: " << d.reason;

  Sim sim;  // in a scripted trace: x4 from t=10, then x9 from t=11.5 (416 breaks too)
  sim.slowdown = [](double t, size_t) { return t < 10 ? 1.0 : t < 11.5 ? 4.0 : 9.0; };
  sim.run_until(20);
  ASSERT_GE(sim.switches.size(), 2u) << trace(sim);
  EXPECT_EQ(sim.switches[1].decision.target, 3u) << trace(sim);
  EXPECT_LE(sim.switches[1].t_s - std::max(11.5, sim.switches[0].t_s + 0.1), 1.0 + 1e-9)
      << "ten frames at 10 fps after 416 started breaking: " << trace(sim);
}

TEST(Policy, LatenessCorroboratedByOtherProcessesLoadIsJudgedAfterFewerFrames) {
  const std::vector<Rung> ladder = four_rungs();
  PolicyParams params;
  Observation obs = window_of(1, 0, std::vector<double>(3, 150.0));
  PolicyState idle;
  EXPECT_EQ(decide(ladder, obs, params, idle).reason, "stay:window 3<20") << "no load measured: wait for 10";
  obs.other_load = 0.2;
  PolicyState light;
  EXPECT_EQ(decide(ladder, obs, params, light).reason, "stay:window 3<20") << "other work below contended_load";
  obs.other_load = 1.2;
  PolicyState contended;
  const Decision d = decide(ladder, obs, params, contended);
  EXPECT_EQ(d.action, Action::kDown) << d.reason;
  obs.e2e_ms = {150, 150, 150, 60};  // the newest answer is in time: not a run of late answers
  PolicyState recovered;
  EXPECT_EQ(decide(ladder, obs, params, recovered).reason, "stay:window 4<20");
  obs.e2e_ms = {150, 150};  // two late answers are not yet a run
  PolicyState two;
  EXPECT_EQ(decide(ladder, obs, params, two).reason, "stay:window 2<20");
}

TEST(Policy, AStepDownPrefersAWarmRungThatFitsToOneThatMustBeLoaded) {
  const std::vector<Rung> ladder = four_rungs();
  PolicyParams params;
  // 640 at x4: 512 predicts 100 (no headroom), 416 68 (fits, cold), 320 45 (fits, warm).
  Observation obs = window_of(1, 0, std::vector<double>(20, 136.0));
  obs.warm = {3};
  PolicyState state;
  Decision d = decide(ladder, obs, params, state);
  EXPECT_EQ(d.action, Action::kDown);
  EXPECT_EQ(d.target, 3u) << d.reason;
  EXPECT_NE(d.reason.find("(warm, pred 45<=80)"), std::string::npos) << d.reason;

  obs.warm = {2, 3};  // the most accurate rung that fits is warm itself
  PolicyState both;
  EXPECT_EQ(decide(ladder, obs, params, both).target, 2u);

  obs.warm = {1};  // warm but predicted not to fit: the cold rung that fits
  PolicyState heavy_warm;
  d = decide(ladder, obs, params, heavy_warm);
  EXPECT_EQ(d.target, 2u) << d.reason;
  EXPECT_EQ(d.reason.find("warm"), std::string::npos) << d.reason;
}

TEST(Policy, TheStandbyIsWhereAStepDownWouldGoAtTheStandbyOrPeakSlowdown) {
  const std::vector<Rung> ladder = four_rungs();  // p95 38.6, 25.0, 17.0, 11.4; budget 80
  PolicyParams params;
  PolicyState state;
  params.standby_slowdown = 4;
  EXPECT_EQ(standby_rung(ladder, 0, 0, params, state), std::optional<size_t>(2)) << "416: 68 <= 80 at x4";
  params.standby_slowdown = 3;
  EXPECT_EQ(standby_rung(ladder, 0, 0, params, state), std::optional<size_t>(1)) << "512: 75 <= 80 at x3";
  state.peak_slowdown = 6;  // the device has been seen slower than that
  EXPECT_EQ(standby_rung(ladder, 0, 0, params, state), std::optional<size_t>(3));
  state.peak_slowdown = 20;  // nothing fits: the lightest
  EXPECT_EQ(standby_rung(ladder, 1, 0, params, state), std::optional<size_t>(3));
  EXPECT_EQ(standby_rung(ladder, 3, 0, params, state), std::nullopt) << "nothing below the lightest";
  state.failed_at_s[3] = 0;  // failed recently: not kept warm
  EXPECT_EQ(standby_rung(ladder, 1, 1, params, state), std::optional<size_t>(2));

  Sim sim;  // the peak follows what the stream measures
  sim.slowdown = [](double t, size_t) { return t >= 10 ? 4.0 : 1.0; };
  sim.run_until(20);
  EXPECT_NEAR(sim.state.peak_slowdown, 4.0, 0.5);
}

TEST(Policy, ALadderOfOneRungNeverMoves) {
  Sim sim;
  sim.ladder = {rung("only", 34, 0.28)};
  sim.slowdown = [](double t, size_t) { return t < 20 ? 1.0 : t < 40 ? 6.0 : static_cast<int64_t>(t) % 2 ? 4.0 : 1.0; };
  sim.fails = [](double t) { return t >= 60 && t < 60.05; };
  sim.run_until(90);
  EXPECT_TRUE(sim.switches.empty()) << trace(sim);
  EXPECT_TRUE(sim.saw_reason_starting("stay:lightest p95="));
  EXPECT_TRUE(sim.saw_reason_starting("stay:only failed, no working rung left"));
}

TEST(Policy, TheGpuLoadIsNamedWhenPresent) {
  const std::vector<Rung> ladder = four_rungs();
  PolicyParams params;
  PolicyState state;
  Observation obs = window_of(1, 0, std::vector<double>(20, 150.0));
  obs.gpu_util_pct = 97;
  const Decision d = decide(ladder, obs, params, state);
  EXPECT_NE(d.reason.find(" gpu=97%"), std::string::npos) << d.reason;
}

TEST(Policy, ARungOutsideTheLadderIsAnError) {
  PolicyState state;
  EXPECT_THROW(decide(four_rungs(), window_of(0, 4, {}), PolicyParams{}, state), Error);
}

TEST(Policy, LaddersAreValidated) {
  const auto message = [](std::vector<Rung> ladder) {
    try {
      validate_ladder(ladder);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("valid");
  };
  EXPECT_EQ(message(four_rungs()), "valid");
  EXPECT_EQ(message({}), "ladder: no rung to run");
  EXPECT_EQ(message({rung("a", 30, 0.3), {"b", 0, 10, 0.2}}),
            "ladder rung 1 'b': p50_ms=0.00 must be a positive number");
  EXPECT_EQ(message({{"a", 30, 20, 0.3}}), "ladder rung 0 'a': p95_ms=20.00 must be finite and >= p50_ms=30.00");
  EXPECT_EQ(message({rung("a", 30, 0.2), rung("b", 20, 0.3)}),
            "ladder rung 1 'b': accuracy 0.300 is above rung 0's 0.200 (rungs run from the most accurate down)");
}

TEST(Policy, ParamsAreValidated) {
  EXPECT_NO_THROW(validate_policy_params(PolicyParams{}));
  PolicyParams p;
  p.headroom = 1.5;
  try {
    validate_policy_params(p);
    FAIL() << "headroom 1.5 accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "policy: headroom=1.500 must be in (0, 1]");
  }
  p = PolicyParams{};
  p.slo_ms = 0;
  EXPECT_THROW(validate_policy_params(p), Error);
  p = PolicyParams{};
  p.max_up_hold_s = 1;
  EXPECT_THROW(validate_policy_params(p), Error);
  p = PolicyParams{};
  p.sustained_late = 0;
  EXPECT_THROW(validate_policy_params(p), Error);
  p = PolicyParams{};
  p.standby_slowdown = 0.5;
  EXPECT_THROW(validate_policy_params(p), Error);
}

}  // namespace smartcamrt
