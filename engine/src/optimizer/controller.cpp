#include "smartcamrt/optimizer/controller.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

#include "smartcamrt/core/error.hpp"
#include "smartcamrt/core/stats.hpp"

namespace smartcamrt {
namespace {

// The window the policy judges: the last seconds of items on the running rung. 3 s holds 30 items of
// one 10 fps stream (enough for a p95 that one outlier cannot move) and lets a load change show in
// the p95 within a second or two.
constexpr double kWindowS = 3.0;

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  return a == b || std::filesystem::equivalent(a, b, ec);
}

}  // namespace

AdaptiveController::AdaptiveController(std::vector<LadderStep> ladder, PolicyParams params,
                                       const std::string& start_model, const std::string& start_runtime,
                                       int start_threads)
    : ladder_(std::move(ladder)), params_(params) {
  for (const LadderStep& step : ladder_) rungs_.push_back(step.rung);
  validate_ladder(rungs_);
  validate_policy_params(params_);
  start_in_ladder_ = false;
  for (size_t i = 0; i < ladder_.size(); ++i) {
    const LadderStep& step = ladder_[i];
    const bool runtime_matches = start_runtime.empty() || step.runtime == start_runtime;
    const bool threads_match = start_threads <= 0 || step.threads <= 0 || step.threads == start_threads;
    if (same_file(step.model_path, start_model) && runtime_matches && threads_match) {
      rung_ = i;
      start_in_ladder_ = true;
      break;
    }
  }
}

const LadderStep* AdaptiveController::replace_start() {
  if (start_in_ladder_) return nullptr;
  start_in_ladder_ = true;
  rung_ = 0;
  decisions_.push_back(
      {0, "start", 0, 0, "adapt:start --model is not in the profile: starting on " + ladder_[0].rung.id});
  return &ladder_[0];
}

double AdaptiveController::preload_standby(const std::vector<AdaptableStream*>& streams,
                                           std::chrono::milliseconds limit) {
  const auto begin = Clock::now();
  streams_ = streams;
  keep_standby(0);
  const auto all_warm = [&] {
    return std::all_of(standby_.begin(), standby_.end(), [&](size_t r) { return warm_everywhere(r); });
  };
  while (!all_warm() && Clock::now() - begin < limit) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return ms_between(begin, Clock::now()) / 1000.0;
}

void AdaptiveController::begin(std::vector<AdaptableStream*> streams, Clock::time_point start,
                               const SystemSampler* sampler) {
  streams_ = std::move(streams);
  start_ = start;
  sampler_ = sampler;
  effective_since_s_ = 0;
  if (!start_in_ladder_) {
    // The model given with --model is not a profiled rung: start from the most accurate rung and let
    // the policy judge it from there.
    const LadderStep& step = ladder_[0];
    Pending pending;
    pending.target = 0;
    for (AdaptableStream* stream : streams_) {
      const StreamObservation obs = stream->observe_since(0);
      pending.generation.push_back(obs.generation);
      pending.failed_switches.push_back(obs.failed_switches);
      stream->request_switch({step.model_path, step.runtime, step.threads, "adapt:start -> " + step.rung.id});
    }
    pending_ = pending;
    decisions_.push_back({0, "start", 0, 0, "adapt:start --model is not in the profile -> " + step.rung.id});
  }
}

Observation AdaptiveController::gather(double now_s) {
  Observation obs;
  obs.now_s = now_s;
  // Whether a requested switch has taken effect everywhere (or failed somewhere).
  if (pending_) {
    bool all_done = true, any_failed = false;
    for (size_t i = 0; i < streams_.size(); ++i) {
      const StreamObservation s = streams_[i]->observe_since(now_s);
      if (s.failed_switches > pending_->failed_switches[i]) any_failed = true;
      if (s.generation <= pending_->generation[i]) all_done = false;
    }
    if (any_failed) {
      switch_failed_ = true;
      pending_.reset();
      effective_since_s_ = now_s;
    } else if (all_done) {
      rung_ = pending_->target;
      standby_.clear();  // asked afresh for the new rung
      pending_.reset();
      effective_since_s_ = now_s;  // the new rung is judged on its own items only
    }
  }
  obs.rung = rung_;
  obs.switch_failed = std::exchange(switch_failed_, false);
  // The streams' items on the running rung, merged in the order they finished (the policy reads the
  // load's level from the newest half). The window is the last kWindowS seconds, or the last
  // min_window items where fewer came in that time (a slow stream must still be judged).
  std::vector<std::pair<double, double>> items;  // (finished_s, e2e_ms)
  int64_t dropped_recent = 0;
  for (AdaptableStream* stream : streams_) {
    const StreamObservation s = stream->observe_since(effective_since_s_);
    for (size_t i = 0; i < s.e2e_ms.size(); ++i) items.emplace_back(s.finished_s[i], s.e2e_ms[i]);
    dropped_recent += stream->observe_since(std::max(effective_since_s_, now_s - kWindowS)).dropped;
    obs.current_failed = obs.current_failed || s.failed;
  }
  std::sort(items.begin(), items.end());
  size_t first = items.size();
  while (first > 0 && (items[first - 1].first >= now_s - kWindowS || items.size() - first < params_.min_window)) {
    --first;
  }
  for (size_t i = first; i < items.size(); ++i) obs.e2e_ms.push_back(items[i].second);
  obs.dropped = dropped_recent;
  obs.cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  if (sampler_) {
    const ResourceSample sample = sampler_->latest();
    if (sample.cpu_sys_pct) obs.system_load = *sample.cpu_sys_pct / 100.0 * obs.cores;
    if (sample.cpu_sys_pct && sample.cpu_proc_pct) {
      obs.other_load = std::max(0.0, obs.system_load - *sample.cpu_proc_pct / 100.0);
    }
    obs.gpu_util_pct = sample.gpu_util_pct;
  }
  if (!pending_) {
    for (size_t r = 0; r < ladder_.size(); ++r) {
      if (r != rung_ && warm_everywhere(r)) obs.warm.push_back(r);
    }
  }
  return obs;
}

bool AdaptiveController::warm_everywhere(size_t rung) const {
  const LadderStep& step = ladder_[rung];
  const SwitchRequest request{step.model_path, step.runtime, step.threads, ""};
  for (const AdaptableStream* stream : streams_) {
    if (!stream->holds_warm(request)) return false;
  }
  return !streams_.empty();
}

// A standby load takes a core for a second or more (an OpenVINO compile): measured, one made beside a
// probe of 640 pushed its p95 to 152 ms and failed the probe. So it is made only while the running rung
// is not on probation and its window, full, answers within half the SLO: room for a load beside it.
bool AdaptiveController::room_for_standby(const Observation& obs) const {
  if (state_.probe_from || obs.e2e_ms.size() < params_.min_window) return false;
  std::vector<double> sorted = obs.e2e_ms;
  std::sort(sorted.begin(), sorted.end());
  return percentile_sorted(sorted, 0.95) <= 0.5 * params_.slo_ms;
}

void AdaptiveController::keep_standby(double now_s) {
  // Two deep: the step down, and a second one should the load rise further. With the rung replaced
  // last, that fills the streams' warm pools (ModelSwitcher::kWarmPool), so a load that comes and goes
  // needs no load at all while it lasts.
  std::vector<size_t> wanted;
  for (std::optional<size_t> r = standby_rung(rungs_, rung_, now_s, params_, state_); r && wanted.size() < 2;
       r = standby_rung(rungs_, *r, now_s, params_, state_)) {
    wanted.push_back(*r);
  }
  if (wanted.empty() || wanted == standby_) return;
  standby_ = wanted;
  for (const size_t r : wanted) {
    if (warm_everywhere(r)) continue;
    const LadderStep& step = ladder_[r];
    std::fprintf(stderr, "[adapt] %.1fs standby %s\n", now_s, step.rung.id.c_str());
    for (AdaptableStream* stream : streams_) {
      stream->prepare_standby({step.model_path, step.runtime, step.threads, "standby:" + step.rung.id});
    }
  }
}

void AdaptiveController::tick() {
  const double now_s = ms_between(start_, Clock::now()) / 1000.0;
  const Observation obs = gather(now_s);
  if (pending_) return;  // a switch is under way: the policy waits for it
  const Decision decision = decide(rungs_, obs, params_, state_);
  if (!decision.switches()) {
    if (room_for_standby(obs)) keep_standby(now_s);
    return;
  }
  const LadderStep& step = ladder_[decision.target];
  Pending pending;
  pending.target = decision.target;
  for (AdaptableStream* stream : streams_) {
    const StreamObservation s = stream->observe_since(now_s);
    pending.generation.push_back(s.generation);
    pending.failed_switches.push_back(s.failed_switches);
    stream->request_switch({step.model_path, step.runtime, step.threads, decision.reason});
  }
  pending_ = pending;
  decisions_.push_back({now_s, to_string(decision.action), obs.rung, decision.target, decision.reason});
  std::fprintf(stderr, "[adapt] %.1fs %s\n", now_s, decision.reason.c_str());
}

void AdaptiveController::write_decisions(const std::string& out_dir) const {
  const std::string path = (std::filesystem::path(out_dir) / "decisions.jsonl").string();
  std::ofstream out(path);
  nlohmann::json ladder = nlohmann::json::array();
  for (const LadderStep& step : ladder_) {
    ladder.push_back({{"id", step.rung.id},
                      {"model", step.model_path},
                      {"runtime", step.runtime},
                      {"threads", step.threads},
                      {"p50_ms", step.rung.p50_ms},
                      {"p95_ms", step.rung.p95_ms},
                      {"accuracy", step.rung.accuracy}});
  }
  out << nlohmann::json{{"ladder", ladder}, {"slo_ms", params_.slo_ms}, {"headroom", params_.headroom}}.dump() << "\n";
  for (const DecisionRecord& d : decisions_) {
    out << nlohmann::json{{"t_s", d.t_s}, {"action", d.action}, {"from", d.from}, {"to", d.to}, {"reason", d.reason}}
               .dump()
        << "\n";
  }
  if (!out) throw Error("cannot write '" + path + "'");
}

}  // namespace smartcamrt
