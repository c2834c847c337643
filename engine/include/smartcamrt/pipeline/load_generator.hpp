#pragma once
// The engine's own CPU load: busy cores over time, following a schedule, for `smartcamrt stress` and
// the tests of adaptation. It needs nothing installed (stress-ng is optional) and it knows at every
// moment the level it aims at, so a run can plot the load beside its latency.
//
// A level of 1.5 runs two workers: one busy all the time, one busy half of each 10 ms slice. Slices
// short against a frame (tens of ms) make a fractional level look to the engine like a steady share
// of a core rather than a stall now and then.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace smartcamrt {

struct LoadStep {
  double at_s = 0;        // from the generator's start
  double busy_cores = 0;  // >= 0, fractions allowed
};

class LoadSchedule {
 public:
  LoadSchedule() = default;  // no load at any time
  // Steps must start at 0 s with strictly increasing times and non-negative levels; throws Error.
  explicit LoadSchedule(std::vector<LoadStep> steps);

  // The level of the last step at or before t_s (a step function; the first level before 0 s).
  double busy_at(double t_s) const;
  double peak() const;  // the highest level: how many workers the generator needs (rounded up)
  const std::vector<LoadStep>& steps() const { return steps_; }

 private:
  std::vector<LoadStep> steps_;
};

// Parses the --load option: comma-separated TIME:BUSY_CORES entries, times with a unit (s or ms),
// e.g. "0s:0,20s:2,50s:0" or "0ms:1.5,500ms:0". Throws Error naming the bad entry, e.g.
// "--load '20s:x': 'x' is not a number of busy cores".
LoadSchedule parse_load_schedule(const std::string& text);

// The share of each slice that worker `worker` (0, 1, ...) burns at a level of `busy_cores`: worker i
// carries the part of the level between i and i + 1, so 1.5 = worker 0 at 1 and worker 1 at 0.5.
double worker_duty(double busy_cores, size_t worker);

// The workers are child processes, not threads: the load is other work on the box, as it is on a real
// edge device, so the engine's telemetry and the optimizer see it as other processes' CPU (a thread
// of this process would count as the engine's own).
//
// Thread contract: start(), stop() and the destructor belong to the owner's thread (not to be called
// concurrently); current_busy(), running() and workers_cpu_s() may be called from any thread. stop()
// returns within about one slice: workers check for it while they burn and between short sleeps.
// A worker dies with this process (PR_SET_PDEATHSIG), and on Ctrl-C with it.
class LoadGenerator {
 public:
  explicit LoadGenerator(LoadSchedule schedule, std::chrono::milliseconds slice = std::chrono::milliseconds(10));
  ~LoadGenerator();  // stops
  LoadGenerator(const LoadGenerator&) = delete;
  LoadGenerator& operator=(const LoadGenerator&) = delete;

  // Forks the workers, idle until start(). Worth calling while the process is small: a fork copies
  // the page tables, and every page the engine writes afterwards is copied once (measured: the first
  // frame after forking next to loaded models took 118 ms of inference instead of 26). Throws Error
  // when a worker cannot be started. start() calls it when it was not.
  void spawn();
  // The schedule's 0 s is now. Throws Error while already running or when a worker cannot be started.
  // After stop() it may start again, from 0 s.
  void start();
  void stop();
  bool running() const { return running_.load(std::memory_order_acquire); }
  // The level aimed at now (0 when not running). The level obtained can be lower: the workers
  // compete for the cores like every other process.
  double current_busy() const;
  // CPU seconds the running workers have used since start() (from /proc; 0 when stopped).
  double workers_cpu_s() const;
  std::vector<int> worker_pids() const;

 private:
  struct Shared;  // in memory shared with the workers: the start time and the stop flag

  LoadSchedule schedule_;
  std::chrono::milliseconds slice_;
  std::atomic<int64_t> start_ns_{0};  // steady_clock at start(), readable from any thread
  std::atomic<bool> running_{false};
  Shared* shared_ = nullptr;
  mutable std::mutex mutex_;  // guards pids_
  std::vector<int> pids_;
};

}  // namespace smartcamrt
