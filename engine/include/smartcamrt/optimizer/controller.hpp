#pragma once
// The controller: acts on the policy (policy.hpp) for a run. Every tick it gathers what the streams
// experienced since the last switch took effect, adds the system load, asks decide() and, when the
// decision switches, asks every stream to load and warm the chosen configuration in the background
// and swap it in between two items. Between switches it keeps a standby loaded in every stream: the
// rung a step down would take, so that the step down is not a load made under the load it answers. All streams share
// one budget: one policy state, one rung, the windows of every stream judged together.
//
// Thread contract: begin(), tick() and the accessors belong to one thread (the run's steering
// thread); the streams' own methods are thread-safe.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "smartcamrt/core/clock.hpp"
#include "smartcamrt/optimizer/model_switcher.hpp"
#include "smartcamrt/optimizer/policy.hpp"
#include "smartcamrt/telemetry/system_sampler.hpp"

namespace smartcamrt {

// Load-adaptive operation (--slo-ms, --adapt, --profile).
struct AdaptConfig {
  bool enabled = false;
  double slo_ms = 0;         // end-to-end latency objective; 0 = none
  std::string profile_path;  // empty = the cached profile of this host (built when missing)
};

// What the controller sees of a stream since a given time.
struct StreamObservation {
  std::vector<double> e2e_ms;      // finished items' end-to-end times, oldest first
  std::vector<double> finished_s;  // when each of them finished (run clock): streams merge by it
  int64_t offered = 0;             // items captured (processed + dropped + lost to a failure)
  int64_t dropped = 0;             // dropped + lost to a failure
  bool failed = false;             // the current task threw and no replacement has arrived yet
  std::string failure;
  uint64_t generation = 0;  // switches that took effect in this stream
  uint64_t failed_switches = 0;
};

// What the controller needs of a stream (pipeline/stream.hpp implements it).
class AdaptableStream {
 public:
  virtual ~AdaptableStream() = default;
  virtual StreamObservation observe_since(double since_s) const = 0;  // run-clock seconds
  virtual void request_switch(const SwitchRequest& request) = 0;
  // Keep this configuration loaded and warm beside the running one (the latest request wins), so a
  // switch to it takes effect at the next item.
  virtual void prepare_standby(const SwitchRequest& request) = 0;
  // Whether a switch to this configuration would take effect at the next item (it is held warm).
  virtual bool holds_warm(const SwitchRequest& request) const = 0;
};

// A rung of the ladder and how to run it.
struct LadderStep {
  Rung rung;
  std::string model_path;
  std::string runtime;
  int threads = 0;
};

struct DecisionRecord {
  double t_s = 0;
  std::string action;
  size_t from = 0, to = 0;
  std::string reason;
};

class AdaptiveController {
 public:
  // `start_model`/`start_runtime`: the configuration the streams start on; it must be a rung of the
  // ladder (matched by file and runtime), else the first tick moves to the rung the policy picks.
  AdaptiveController(std::vector<LadderStep> ladder, PolicyParams params, const std::string& start_model,
                     const std::string& start_runtime, int start_threads);
  // Loads the profile (config.profile_path, else the cached one for this host, built when missing)
  // and keeps the configurations of the task's kind as the ladder; with several `streams`, only those
  // profiled at cores / streams threads (each stream gets its share). Throws Error naming the problem.
  static std::unique_ptr<AdaptiveController> Create(const AdaptConfig& adapt, const std::string& start_model,
                                                    const std::string& start_runtime, int start_threads,
                                                    size_t streams = 1);

  // When the start model is not a rung: the rung to start the streams on instead (the most accurate),
  // taken as the start, so that begin() has no switch to make (a switch at start loads a second model
  // while the first frames run: measured, 3 late frames); nullptr when the start model is a rung.
  const LadderStep* replace_start();
  // Before the run's clock starts: loads the standby of the start rung in every stream and waits for
  // it (at most `limit`), so that the first standby is a start-up cost, not a load beside live frames
  // (measured: one made 3.4 s into a run put a frame at 117 ms). Returns the seconds it took.
  double preload_standby(const std::vector<AdaptableStream*>& streams, std::chrono::milliseconds limit);
  void begin(std::vector<AdaptableStream*> streams, Clock::time_point start, const SystemSampler* sampler);
  void tick();

  const std::vector<LadderStep>& ladder() const { return ladder_; }
  size_t rung() const { return rung_; }
  const std::vector<DecisionRecord>& decisions() const { return decisions_; }
  // decisions.jsonl in the run folder: every switching decision and the ladder it chose from.
  void write_decisions(const std::string& out_dir) const;

 private:
  Observation gather(double now_s);
  // Asks every stream to hold warm the rung a step down would take (standby_rung()) and the one a
  // second step down would take, when they changed.
  void keep_standby(double now_s);
  bool room_for_standby(const Observation& obs) const;
  bool warm_everywhere(size_t rung) const;

  std::vector<LadderStep> ladder_;
  std::vector<Rung> rungs_;
  PolicyParams params_;
  PolicyState state_;
  size_t rung_ = 0;
  bool start_in_ladder_ = true;
  std::vector<AdaptableStream*> streams_;
  Clock::time_point start_;
  const SystemSampler* sampler_ = nullptr;
  double effective_since_s_ = 0;  // the running rung's items count from here
  struct Pending {
    size_t target = 0;
    std::vector<uint64_t> generation, failed_switches;  // per stream, when requested
  };
  std::optional<Pending> pending_;
  bool switch_failed_ = false;
  std::vector<size_t> standby_;  // the rungs the streams were last asked to hold warm
  std::vector<DecisionRecord> decisions_;
};

}  // namespace smartcamrt
