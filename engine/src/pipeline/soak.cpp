// `smartcamrt stress --soak`: one long run while a thread samples this process's RSS and open file
// descriptors into soak.csv; soak.md/json compare the first quarter of the samples with the last.
// A source shorter than --duration is run again (pass 2, 3, ...) in the same process until the
// duration is spent: what leaks across runs (sessions, sources, writers) shows up too. The load
// schedule restarts with each pass.
#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <thread>

#include "smartcamrt/core/error.hpp"
#include "smartcamrt/core/version.hpp"
#include "smartcamrt/pipeline/stop_signal.hpp"
#include "stress_internal.hpp"

namespace fs = std::filesystem;

namespace smartcamrt::stress_detail {
namespace {

constexpr double kRssTargetPct = 5.0;  // issue 9: a 30-min soak grows RSS by less than this

double rss_mb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
  }
  return 0;
}

// Heap bytes malloc has handed out and not had back (glibc): growth here with RSS is memory the
// process holds on to; RSS growing alone is the allocator keeping freed pages. -1 where unknown.
double heap_in_use_mb() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  const struct mallinfo2 info = mallinfo2();
  return static_cast<double>(info.uordblks + info.hblkhd) / (1024.0 * 1024.0);
#else
  return -1;
#endif
}

// Entries of /proc/self/fd, less the one the listing itself holds open.
double open_fds() {
  std::error_code ec;
  double count = 0;
  for (auto it = fs::directory_iterator("/proc/self/fd", ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    ++count;
  }
  return std::max(0.0, count - 1);
}

// Samples on its own thread into soak.csv (flushed per row: a killed soak keeps what it measured).
class ResourceLog {
 public:
  ResourceLog(const std::string& path, double interval_s) : out_(path) {
    if (!out_) throw Error("cannot write '" + path + "'");
    out_ << "t_s,rss_mb,open_fds,pass,heap_mb\n" << std::flush;
    thread_ = std::thread([this, interval_s] { loop(interval_s); });
  }
  ~ResourceLog() { stop(); }
  ResourceLog(const ResourceLog&) = delete;
  ResourceLog& operator=(const ResourceLog&) = delete;

  void set_pass(int pass) {
    std::lock_guard<std::mutex> lock(mutex_);
    pass_ = pass;
  }
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  // After stop().
  const std::vector<double>& rss() const { return rss_; }
  const std::vector<double>& fds() const { return fds_; }
  const std::vector<double>& heap() const { return heap_; }

 private:
  void loop(double interval_s) {
    const auto begin = Clock::now();
    std::unique_lock<std::mutex> lock(mutex_);
    for (int64_t k = 0; !done_; ++k) {
      const auto due = begin + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(static_cast<double>(k) * interval_s));
      if (wake_.wait_until(lock, due, [this] { return done_; })) break;
      rss_.push_back(rss_mb());
      fds_.push_back(open_fds());
      heap_.push_back(heap_in_use_mb());
      char row[128];
      std::snprintf(row, sizeof row, "%.3f,%.3f,%.0f,%d,%.3f\n", ms_between(begin, Clock::now()) / 1000.0, rss_.back(),
                    fds_.back(), pass_, heap_.back());
      out_ << row << std::flush;
    }
  }

  std::ofstream out_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  int pass_ = 0;
  std::vector<double> rss_, fds_, heap_;
  std::thread thread_;
};

nlohmann::json growth_json(const std::optional<Growth>& growth) {
  if (!growth) return nullptr;
  return {{"first_quarter_median", growth->first},
          {"last_quarter_median", growth->last},
          {"growth_pct", growth->pct ? nlohmann::json(*growth->pct) : nlohmann::json()}};
}

std::string growth_text(const std::optional<Growth>& growth, const char* unit) {
  if (!growth) return "n/a (fewer than 4 samples)";
  char text[160];
  if (growth->pct) {
    std::snprintf(text, sizeof text, "%.1f -> %.1f %s (%+.2f %%)", growth->first, growth->last, unit, *growth->pct);
  } else {
    std::snprintf(text, sizeof text, "%.1f -> %.1f %s", growth->first, growth->last, unit);
  }
  return text;
}

}  // namespace

StressReport run_soak(const StressConfig& config, const RunPlan& base) {
  const bool adaptive = !config.profile.empty();
  const HostInfo host = read_host_info();
  const std::string csv_path = (fs::path(config.out_dir) / "soak.csv").string();
  ResourceLog log(csv_path, config.sample_s);
  const auto begin = Clock::now();
  std::vector<std::string> passes;
  bool interrupted = false;
  for (int pass = 1;; ++pass) {
    const double left = config.duration_s - ms_between(begin, Clock::now()) / 1000.0;
    if (left < 1.0) break;  // less than a second: not worth opening the model again
    log.set_pass(pass);
    RunPlan plan = base;
    plan.label = std::string("soak ") + (adaptive ? "adaptive" : "static") + " pass " + std::to_string(pass);
    plan.model = config.heavy;
    plan.runtime = config.runtime;
    plan.threads = config.threads;
    plan.adapt = adaptive;
    plan.out_dir = (fs::path(config.out_dir) / "soak" / ("pass" + std::to_string(pass))).string();
    plan.duration_s = left;
    const auto pass_begin = Clock::now();
    const RunReport report = run_planned(config, plan);
    passes.push_back(fs::path(report.out_dir).lexically_relative(config.out_dir).string());
    interrupted = stop_requested();
    // A source that ends at once would spin here: a pass shorter than a second ends the soak.
    if (interrupted || ms_between(pass_begin, Clock::now()) < 1000.0) break;
  }
  log.stop();

  const auto rss = quarter_growth(log.rss());
  const auto fds = quarter_growth(log.fds());
  // Shown beside RSS, not judged: it tells a leak (both grow) from the allocator keeping pages.
  const auto heap = log.heap().empty() || log.heap().front() < 0 ? std::nullopt : quarter_growth(log.heap());
  const bool rss_ok = rss && rss->pct && *rss->pct < kRssTargetPct;
  const bool fds_ok = fds && fds->last <= fds->first;
  nlohmann::json doc;
  doc["tool"] = "smartcamrt stress --soak";
  doc["version"] = SMARTCAMRT_VERSION;
  doc["host"] = host_json(host);
  doc["config"] = {{"model", config.heavy},       {"adaptive", adaptive},
                   {"profile", config.profile},   {"sources", config.sources},
                   {"streams", config.streams},   {"slo_ms", config.slo_ms},
                   {"load", config.load},         {"duration_s", config.duration_s},
                   {"sample_s", config.sample_s}, {"threads", config.threads}};
  doc["samples"] = log.rss().size();
  doc["passes"] = passes;
  doc["rss_mb"] = growth_json(rss);
  doc["open_fds"] = growth_json(fds);
  doc["heap_in_use_mb"] = growth_json(heap);
  doc["targets"] = {{"rss_growth_pct_below", kRssTargetPct}, {"rss_ok", rss_ok}, {"fds_ok", fds_ok}};
  doc["interrupted"] = interrupted;

  std::string md = "# SmartCamRT soak\n\n- Host: " + host_line(host) + "\n";
  md += "- Run: " + fs::path(config.heavy).filename().string() +
        (adaptive ? " adaptive (" + config.profile + ")" : " static") + ", " + format_number(config.duration_s) +
        " s in " + std::to_string(passes.size()) + " pass(es), " + std::to_string(log.rss().size()) +
        " samples every " + format_number(config.sample_s) + " s" +
        (config.load.empty() ? "" : ", load `" + config.load + "` (restarting each pass)") + "\n";
  if (interrupted) md += "- **Interrupted**\n";
  md += "\n| resource | first-quarter median -> last-quarter median (growth) | target | met |\n|---|---|---|---|\n";
  md += "| RSS | " + growth_text(rss, "MiB") + " | < " + format_number(kRssTargetPct) + " % | " +
        (rss_ok ? "yes" : "no") + " |\n";
  md += "| open fds | " + growth_text(fds, "fds") + " | no growth | " + (fds_ok ? "yes" : "no") + " |\n";
  md += "| heap in use (malloc) | " + growth_text(heap, "MiB") + " | (shown, not judged) | |\n";
  md +=
      "\nSamples: soak.csv (t_s, rss_mb, open_fds, pass, heap_mb: malloc's bytes in use); run folders: "
      "soak/pass<N>/.\n";

  StressReport out;
  out.out_dir = config.out_dir;
  out.interrupted = interrupted;
  out.json_path = (fs::path(config.out_dir) / "soak.json").string();
  out.markdown_path = (fs::path(config.out_dir) / "soak.md").string();
  write_text_file(out.json_path, doc.dump(2) + "\n");
  out.markdown = md;
  write_text_file(out.markdown_path, md);
  return out;
}

}  // namespace smartcamrt::stress_detail
