#include "smartcamrt/pipeline/load_generator.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "smartcamrt/core/error.hpp"

namespace smartcamrt {
namespace {

using std::chrono::milliseconds;

double process_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// CPU seconds the generator's workers use while this thread sleeps for `wall`.
double cpu_during(const LoadGenerator& generator, milliseconds wall) {
  const double before = generator.workers_cpu_s();
  std::this_thread::sleep_for(wall);
  return generator.workers_cpu_s() - before;
}

// Waits until the workers have used `cpu_s` CPU seconds more, or `limit` has passed; returns the CPU
// used. Waiting for an amount of work rather than timing a fixed span keeps a busy machine from
// failing the test: a worker that burns gets there, however slowly.
double cpu_reaching(const LoadGenerator& generator, double cpu_s, milliseconds limit) {
  const double before = generator.workers_cpu_s();
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (generator.workers_cpu_s() - before < cpu_s && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  return generator.workers_cpu_s() - before;
}

bool alive(int pid) { return kill(pid, 0) == 0; }

std::string parse_error(const std::string& text) {
  try {
    parse_load_schedule(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "parsed";
}

}  // namespace

TEST(LoadSchedule, ParsesStepsInSecondsAndMilliseconds) {
  const LoadSchedule s = parse_load_schedule("0s:0,20s:2,50s:0");
  ASSERT_EQ(s.steps().size(), 3u);
  EXPECT_DOUBLE_EQ(s.steps()[1].at_s, 20);
  EXPECT_DOUBLE_EQ(s.steps()[1].busy_cores, 2);
  EXPECT_DOUBLE_EQ(s.steps()[2].at_s, 50);
  const LoadSchedule ms = parse_load_schedule("0ms:1, 500ms:0 ,1.5s:0.25");
  ASSERT_EQ(ms.steps().size(), 3u);
  EXPECT_DOUBLE_EQ(ms.steps()[1].at_s, 0.5);
  EXPECT_DOUBLE_EQ(ms.steps()[2].at_s, 1.5);
  EXPECT_DOUBLE_EQ(ms.steps()[2].busy_cores, 0.25);
  EXPECT_DOUBLE_EQ(parse_load_schedule("0s:0,10s:1.5,20s:0.5").peak(), 1.5);
}

TEST(LoadSchedule, BusyAtIsAStepFunction) {
  const LoadSchedule s = parse_load_schedule("0s:0.5,20s:2,50s:0");
  EXPECT_DOUBLE_EQ(s.busy_at(-1), 0.5) << "before the start: the first level";
  EXPECT_DOUBLE_EQ(s.busy_at(0), 0.5);
  EXPECT_DOUBLE_EQ(s.busy_at(19.999), 0.5);
  EXPECT_DOUBLE_EQ(s.busy_at(20), 2);
  EXPECT_DOUBLE_EQ(s.busy_at(49.9), 2);
  EXPECT_DOUBLE_EQ(s.busy_at(50), 0);
  EXPECT_DOUBLE_EQ(s.busy_at(1e9), 0) << "the last level holds";
  const LoadSchedule none;
  EXPECT_DOUBLE_EQ(none.busy_at(5), 0);
  EXPECT_DOUBLE_EQ(none.peak(), 0);
}

TEST(LoadSchedule, BadTextIsRejectedNamingTheEntry) {
  EXPECT_EQ(parse_error(""), "--load '': no entries (write e.g. 0s:0,20s:2,50s:0)");
  EXPECT_EQ(parse_error("0s:0,20s:x"), "--load '20s:x': 'x' is not a number of busy cores");
  EXPECT_EQ(parse_error("0s:0,20s:"), "--load '20s:': '' is not a number of busy cores");
  EXPECT_EQ(parse_error("0s:nan"), "--load '0s:nan': 'nan' is not a number of busy cores");
  EXPECT_EQ(parse_error("0s:inf"), "--load '0s:inf': 'inf' is not a number of busy cores");
  EXPECT_EQ(parse_error("0s:1x"), "--load '0s:1x': '1x' is not a number of busy cores");
  EXPECT_EQ(parse_error("0s:0,20s"), "--load '20s': expected TIME:BUSY_CORES, e.g. 20s:2");
  EXPECT_EQ(parse_error("0s:0,20:1"), "--load '20:1': '20' is not a time (write e.g. 20s or 500ms)");
  EXPECT_EQ(parse_error("0s:0,20m:1"), "--load '20m:1': '20m' is not a time (write e.g. 20s or 500ms)");
  EXPECT_EQ(parse_error("0s:0,ms:1"), "--load 'ms:1': 'ms' is not a time (write e.g. 20s or 500ms)");
  EXPECT_EQ(parse_error("0s:-1"), "--load '0s:-1': busy cores must be >= 0");
  EXPECT_EQ(parse_error("0s:300"), "--load '0s:300': at most 256 busy cores");
  EXPECT_EQ(parse_error("5s:1"), "--load '5s:1': the schedule must start at 0s");
  EXPECT_EQ(parse_error("-1s:1"), "--load '-1s:1': the schedule must start at 0s");
  EXPECT_EQ(parse_error("0s:0,20s:1,10s:0"), "--load '10s:0': times must increase (this entry is not after '20s:1')");
  EXPECT_EQ(parse_error("0s:0,0ms:1"), "--load '0ms:1': times must increase (this entry is not after '0s:0')");
  EXPECT_EQ(parse_error("0s:0,,20s:1"),
            "--load '0s:0,,20s:1': an empty entry (entries are TIME:BUSY_CORES, comma-separated)");
  EXPECT_EQ(parse_error("0s:0,"), "--load '0s:0,': an empty entry (entries are TIME:BUSY_CORES, comma-separated)");
}

TEST(LoadSchedule, StepsBuiltInCodeAreValidatedToo) {
  EXPECT_THROW(LoadSchedule(std::vector<LoadStep>{}), Error);
  EXPECT_THROW(LoadSchedule({{1, 0}}), Error);
  EXPECT_THROW(LoadSchedule({{0, 0}, {0, 1}}), Error);
  EXPECT_THROW(LoadSchedule({{0, -0.5}}), Error);
  EXPECT_NO_THROW(LoadSchedule({{0, 0}, {1, 1.5}}));
}

TEST(LoadGenerator, EachWorkerCarriesOneCoreOfTheLevel) {
  EXPECT_DOUBLE_EQ(worker_duty(1.5, 0), 1.0);
  EXPECT_DOUBLE_EQ(worker_duty(1.5, 1), 0.5);
  EXPECT_DOUBLE_EQ(worker_duty(1.5, 2), 0.0);
  EXPECT_DOUBLE_EQ(worker_duty(0.25, 0), 0.25);
  EXPECT_DOUBLE_EQ(worker_duty(2, 1), 1.0);
  EXPECT_DOUBLE_EQ(worker_duty(0, 0), 0.0);
}

TEST(LoadGenerator, CurrentBusyIsTheScheduledLevelWhileRunning) {
  LoadGenerator generator(parse_load_schedule("0s:0.5,100s:0"));
  EXPECT_FALSE(generator.running());
  EXPECT_DOUBLE_EQ(generator.current_busy(), 0);
  generator.start();
  EXPECT_TRUE(generator.running());
  EXPECT_DOUBLE_EQ(generator.current_busy(), 0.5);
  EXPECT_THROW(generator.start(), Error) << "already running";
  generator.stop();
  EXPECT_FALSE(generator.running());
  EXPECT_DOUBLE_EQ(generator.current_busy(), 0);
  generator.start();  // again, from 0 s
  EXPECT_DOUBLE_EQ(generator.current_busy(), 0.5);
}

TEST(LoadGenerator, BurnsCpuAtLevelOneAndNotAtLevelZero) {
  // One worker, idle for the first 600 ms, then busy.
  LoadGenerator generator(parse_load_schedule("0ms:0,600ms:1"));
  generator.start();
  EXPECT_LT(cpu_during(generator, milliseconds(300)), 0.05) << "a worker at level 0 sleeps";
  while (generator.current_busy() < 1) std::this_thread::sleep_for(milliseconds(10));
  EXPECT_GE(cpu_reaching(generator, 0.15, milliseconds(5000)), 0.15) << "a worker at level 1 burns";
}

// The load is other work on the box: the optimizer must see it as other processes' CPU.
TEST(LoadGenerator, TheWorkersAreOtherProcessesNotThisOnesThreads) {
  LoadGenerator generator(parse_load_schedule("0s:2"));
  const double before = process_cpu_s();
  generator.start();
  ASSERT_EQ(generator.worker_pids().size(), 2u);
  for (const int pid : generator.worker_pids()) {
    EXPECT_NE(pid, getpid());
    EXPECT_TRUE(alive(pid));
  }
  EXPECT_GE(cpu_reaching(generator, 0.2, milliseconds(5000)), 0.2);
  EXPECT_LT(process_cpu_s() - before, 0.1) << "this process only waits";
}

TEST(LoadGenerator, SpawnedWorkersWaitForStart) {
  LoadGenerator generator(parse_load_schedule("0s:1"));
  generator.spawn();
  ASSERT_EQ(generator.worker_pids().size(), 1u);
  EXPECT_FALSE(generator.running());
  EXPECT_LT(cpu_during(generator, milliseconds(300)), 0.05) << "spawned, not started: idle";
  const std::vector<int> pids = generator.worker_pids();
  generator.start();
  EXPECT_EQ(generator.worker_pids(), pids) << "start() uses the workers spawned";
  EXPECT_GE(cpu_reaching(generator, 0.15, milliseconds(5000)), 0.15);
}

TEST(LoadGenerator, AFractionalLevelBurnsOnlyPartOfEachSlice) {
  LoadGenerator generator(parse_load_schedule("0s:0.5"));
  generator.start();
  const auto begin = std::chrono::steady_clock::now();
  const double cpu = cpu_during(generator, milliseconds(1000));
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  EXPECT_LT(cpu, 0.75 * wall) << "half of each slice is spent asleep";
  EXPECT_GT(cpu, 0.05 * wall) << "and the other half busy";
}

TEST(LoadGenerator, StopIsPromptWhetherWorkersBurnOrSleep) {
  for (const char* schedule : {"0s:2", "0s:0,100s:1"}) {
    LoadGenerator generator(parse_load_schedule(schedule));
    generator.start();
    const std::vector<int> pids = generator.worker_pids();
    std::this_thread::sleep_for(milliseconds(50));
    const auto begin = std::chrono::steady_clock::now();
    generator.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - begin, milliseconds(1000))
        << schedule << ": stop() does not wait for the next step of the schedule";
    EXPECT_TRUE(generator.worker_pids().empty());
    for (const int pid : pids) EXPECT_FALSE(alive(pid)) << schedule << ": worker " << pid << " still there";
  }
}

TEST(LoadGenerator, TheDestructorStopsTheWorkers) {
  std::vector<int> pids;
  {
    LoadGenerator generator(parse_load_schedule("0s:1"));
    generator.start();
    pids = generator.worker_pids();
    std::this_thread::sleep_for(milliseconds(50));
  }
  ASSERT_EQ(pids.size(), 1u);
  EXPECT_FALSE(alive(pids[0])) << "reaped, not left running or as a zombie";
}

TEST(LoadGenerator, ANonPositiveSliceIsAnError) { EXPECT_THROW(LoadGenerator(LoadSchedule(), milliseconds(0)), Error); }

}  // namespace smartcamrt
