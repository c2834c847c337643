#include "smartcamrt/pipeline/load_generator.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <new>
#include <optional>
#include <sstream>
#include <thread>

#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "smartcamrt/core/error.hpp"

namespace smartcamrt {
namespace {

// A typo such as 200 for 2.00 would start 200 threads; no real schedule needs more.
constexpr double kMaxBusyCores = 256;

std::string trim(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

std::string number_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

std::string seconds_text(double s) { return number_text(s) + "s"; }

// The whole text must be one finite number. from_chars, unlike strtod, ignores the locale.
bool parse_number(const std::string& text, double* value) {
  const char* end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, *value);
  return !text.empty() && result.ec == std::errc() && result.ptr == end && std::isfinite(*value);
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::optional<double> parse_time_s(const std::string& text) {
  double value = 0;
  if (ends_with(text, "ms") && parse_number(text.substr(0, text.size() - 2), &value)) return value / 1000.0;
  if (!ends_with(text, "ms") && ends_with(text, "s") && parse_number(text.substr(0, text.size() - 1), &value)) {
    return value;
  }
  return std::nullopt;
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

LoadSchedule::LoadSchedule(std::vector<LoadStep> steps) : steps_(std::move(steps)) {
  if (steps_.empty()) throw Error("load schedule: no step");
  for (size_t i = 0; i < steps_.size(); ++i) {
    const LoadStep& step = steps_[i];
    if (i == 0 && step.at_s != 0) throw Error("load schedule: starts at " + seconds_text(step.at_s) + ", not at 0s");
    if (i > 0 && !(step.at_s > steps_[i - 1].at_s)) {
      throw Error("load schedule: step at " + seconds_text(step.at_s) + " is not after " +
                  seconds_text(steps_[i - 1].at_s));
    }
    if (!(step.busy_cores >= 0 && step.busy_cores <= kMaxBusyCores)) {
      throw Error("load schedule: " + number_text(step.busy_cores) + " busy cores at " + seconds_text(step.at_s) +
                  " is outside 0.." + number_text(kMaxBusyCores));
    }
  }
}

double LoadSchedule::busy_at(double t_s) const {
  if (steps_.empty()) return 0;
  // The last step that has begun: the first step after t, minus one.
  const auto after =
      std::upper_bound(steps_.begin(), steps_.end(), t_s, [](double t, const LoadStep& step) { return t < step.at_s; });
  return after == steps_.begin() ? steps_.front().busy_cores : std::prev(after)->busy_cores;
}

double LoadSchedule::peak() const {
  double peak = 0;
  for (const LoadStep& step : steps_) peak = std::max(peak, step.busy_cores);
  return peak;
}

LoadSchedule parse_load_schedule(const std::string& text) {
  if (trim(text).empty()) throw Error("--load '" + text + "': no entries (write e.g. 0s:0,20s:2,50s:0)");
  std::vector<LoadStep> steps;
  std::string previous;
  size_t begin = 0;
  while (begin <= text.size()) {
    const size_t comma = std::min(text.find(',', begin), text.size());
    const std::string entry = trim(text.substr(begin, comma - begin));
    begin = comma + 1;
    if (entry.empty())
      throw Error("--load '" + text + "': an empty entry (entries are TIME:BUSY_CORES, comma-separated)");
    const size_t colon = entry.find(':');
    if (colon == std::string::npos) throw Error("--load '" + entry + "': expected TIME:BUSY_CORES, e.g. 20s:2");
    const std::string time_text = trim(entry.substr(0, colon));
    const std::string busy_text = trim(entry.substr(colon + 1));
    const std::optional<double> at_s = parse_time_s(time_text);
    if (!at_s) throw Error("--load '" + entry + "': '" + time_text + "' is not a time (write e.g. 20s or 500ms)");
    double busy = 0;
    if (!parse_number(busy_text, &busy)) {
      throw Error("--load '" + entry + "': '" + busy_text + "' is not a number of busy cores");
    }
    if (busy < 0) throw Error("--load '" + entry + "': busy cores must be >= 0");
    if (busy > kMaxBusyCores) {
      throw Error("--load '" + entry + "': at most " + number_text(kMaxBusyCores) + " busy cores");
    }
    if (steps.empty() && *at_s != 0) throw Error("--load '" + entry + "': the schedule must start at 0s");
    if (!steps.empty() && !(*at_s > steps.back().at_s)) {
      throw Error("--load '" + entry + "': times must increase (this entry is not after '" + previous + "')");
    }
    steps.push_back({*at_s, busy});
    previous = entry;
  }
  return LoadSchedule(std::move(steps));
}

double worker_duty(double busy_cores, size_t worker) {
  return std::clamp(busy_cores - static_cast<double>(worker), 0.0, 1.0);
}

struct LoadGenerator::Shared {
  std::atomic<int64_t> start_ns{0};
  std::atomic<int> stopping{0};
  std::atomic<uint64_t> sink{0};  // where the burnt arithmetic ends up, so no compiler can drop it
};

namespace {

static_assert(std::atomic<int64_t>::is_always_lock_free && std::atomic<int>::is_always_lock_free,
              "the workers share these atomics across processes: they must be lock-free");

void sleep_until(std::chrono::steady_clock::time_point until) {
  const auto left = until - std::chrono::steady_clock::now();
  if (left <= std::chrono::steady_clock::duration::zero()) return;
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
  timespec ts{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// A worker process's whole life. It runs in a child forked from a process with other threads, so it
// only does what is safe there: no allocation, no locks, clock reads, arithmetic, nanosleep, _exit.
[[noreturn]] void worker_main(const LoadSchedule& schedule, size_t index, std::chrono::milliseconds slice,
                              std::atomic<int64_t>& start_ns, std::atomic<int>& stopping, std::atomic<uint64_t>& sink) {
  using std::chrono::steady_clock;
  uint64_t x = 0x9E3779B97F4A7C15ULL ^ index;
  while (!stopping.load(std::memory_order_relaxed)) {
    const int64_t start = start_ns.load(std::memory_order_relaxed);
    if (start == 0) {  // spawned ahead of start(): wait for it
      sleep_until(steady_clock::now() + std::chrono::milliseconds(5));
      continue;
    }
    const double t_s = static_cast<double>(now_ns() - start) / 1e9;
    const double duty = worker_duty(schedule.busy_at(t_s), index);
    const steady_clock::time_point slice_start = steady_clock::now();
    const auto busy = std::chrono::duration_cast<steady_clock::duration>(slice * duty);
    while (steady_clock::now() - slice_start < busy && !stopping.load(std::memory_order_relaxed)) {
      // Integer arithmetic whose result is kept (sink), in rounds of a few microseconds between clock reads.
      for (int i = 0; i < 2048; ++i) x = (x ^ (x >> 29)) * 6364136223846793005ULL + 1442695040888963407ULL;
    }
    if (duty < 1) sleep_until(slice_start + slice);
  }
  sink.fetch_add(x, std::memory_order_relaxed);
  _exit(0);
}

}  // namespace

LoadGenerator::LoadGenerator(LoadSchedule schedule, std::chrono::milliseconds slice)
    : schedule_(std::move(schedule)), slice_(slice) {
  if (slice_.count() <= 0) throw Error("load generator: slice " + std::to_string(slice_.count()) + " ms must be > 0");
}

LoadGenerator::~LoadGenerator() {
  stop();
  if (shared_) munmap(shared_, sizeof(Shared));
}

void LoadGenerator::spawn() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!pids_.empty()) return;
  if (!shared_) {
    void* memory = mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) throw Error(std::string("load generator: no shared memory: ") + std::strerror(errno));
    shared_ = new (memory) Shared();
  }
  shared_->stopping.store(0);
  shared_->start_ns.store(0);  // the workers wait for start()
  const auto workers = static_cast<size_t>(std::ceil(schedule_.peak()));
  const pid_t parent = getpid();
  for (size_t i = 0; i < workers; ++i) {
    const pid_t pid = fork();
    if (pid < 0) {
      const std::string why = std::strerror(errno);
      shared_->stopping.store(1);
      for (const int started : pids_) waitpid(started, nullptr, 0);
      pids_.clear();
      throw Error("load generator: cannot start worker " + std::to_string(i) + ": " + why);
    }
    if (pid == 0) {
      // The worker dies with the engine however it ends; Ctrl-C (sent to the whole process group)
      // ends it at once instead of running the engine's handler.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(0);
      signal(SIGINT, SIG_DFL);
      signal(SIGTERM, SIG_DFL);
      worker_main(schedule_, i, slice_, shared_->start_ns, shared_->stopping, shared_->sink);
    }
    pids_.push_back(pid);
  }
}

void LoadGenerator::start() {
  if (running()) throw Error("load generator: already running");
  spawn();
  const int64_t start = now_ns();
  start_ns_.store(start, std::memory_order_release);
  shared_->start_ns.store(start);
  running_.store(true, std::memory_order_release);
}

void LoadGenerator::stop() {
  std::vector<int> pids;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pids.swap(pids_);
  }
  if (shared_) shared_->stopping.store(1);
  // Workers see the flag within a slice; one that does not within a second is killed.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  for (const int pid : pids) {
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  running_.store(false, std::memory_order_release);
}

double LoadGenerator::current_busy() const {
  if (!running()) return 0.0;
  return schedule_.busy_at(static_cast<double>(now_ns() - start_ns_.load(std::memory_order_acquire)) / 1e9);
}

std::vector<int> LoadGenerator::worker_pids() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return pids_;
}

double LoadGenerator::workers_cpu_s() const {
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  double total = 0;
  for (const int pid : worker_pids()) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    std::getline(in, text);
    // Fields after the command name (which may hold spaces) end with ')': utime and stime are the
    // 14th and 15th fields, the 12th and 13th after it.
    const size_t close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 1; i <= 13 && fields >> field; ++i) {
      if (i == 12) utime = std::atof(field.c_str());
      if (i == 13) stime = std::atof(field.c_str());
    }
    total += (utime + stime) / ticks;
  }
  return total;
}

}  // namespace smartcamrt
