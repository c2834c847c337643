#include "smartcamrt/pipeline/load_generator.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <optional>

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

LoadGenerator::LoadGenerator(LoadSchedule schedule, std::chrono::milliseconds slice)
    : schedule_(std::move(schedule)), slice_(slice) {
  if (slice_.count() <= 0) throw Error("load generator: slice " + std::to_string(slice_.count()) + " ms must be > 0");
}

LoadGenerator::~LoadGenerator() { stop(); }

void LoadGenerator::start() {
  if (running()) throw Error("load generator: already running");
  stopping_.store(false);
  start_ns_.store(now_ns(), std::memory_order_release);
  running_.store(true, std::memory_order_release);
  const auto workers = static_cast<size_t>(std::ceil(schedule_.peak()));
  try {
    for (size_t i = 0; i < workers; ++i) workers_.emplace_back(&LoadGenerator::work, this, i);
  } catch (...) {
    stop();
    throw;
  }
}

void LoadGenerator::stop() {
  {
    // Under the lock: a worker between its check and its wait cannot miss the wake-up.
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_.store(true);
  }
  wake_.notify_all();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
  running_.store(false, std::memory_order_release);
}

double LoadGenerator::elapsed_s() const {
  return static_cast<double>(now_ns() - start_ns_.load(std::memory_order_acquire)) / 1e9;
}

double LoadGenerator::current_busy() const { return running() ? schedule_.busy_at(elapsed_s()) : 0.0; }

bool LoadGenerator::pause_until(std::chrono::steady_clock::time_point until) {
  std::unique_lock<std::mutex> lock(mutex_);
  return !wake_.wait_until(lock, until, [this] { return stopping_.load(); });
}

void LoadGenerator::work(size_t index) {
  using std::chrono::steady_clock;
  uint64_t x = 0x9E3779B97F4A7C15ULL ^ index;
  while (!stopping_.load(std::memory_order_relaxed)) {
    const double duty = worker_duty(schedule_.busy_at(elapsed_s()), index);
    const steady_clock::time_point slice_start = steady_clock::now();
    const auto busy = std::chrono::duration_cast<steady_clock::duration>(slice_ * duty);
    while (steady_clock::now() - slice_start < busy && !stopping_.load(std::memory_order_relaxed)) {
      // Integer arithmetic whose result is kept (sink_), in rounds of a few microseconds between clock reads.
      for (int i = 0; i < 2048; ++i) x = (x ^ (x >> 29)) * 6364136223846793005ULL + 1442695040888963407ULL;
    }
    sink_.fetch_add(x, std::memory_order_relaxed);
    if (duty < 1 && !pause_until(slice_start + slice_)) break;
  }
}

}  // namespace smartcamrt
