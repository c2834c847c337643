#pragma once
// The live web view of a run (`smartcamrt run --serve [ADDR:]PORT`), on cpp-httplib:
//   /                   a self-contained page (no external resources): each stream's annotated
//                       frames and its figures, the run's CPU/RSS and the optimizer's recent
//                       decisions, refreshed from /stats.json every 500 ms
//   /stream.mjpg        stream 0's annotated frames, multipart/x-mixed-replace JPEG (MJPEG);
//   /stream/<N>.mjpg    stream N's
//   /stats.json         the page's figures, per stream and run-wide
//   /metrics            the Prometheus text of PipelineMetrics
//
// Read-only and bounded: GET only (anything else 405; no endpoint changes the run: switching stays
// with the control file and the API); at most max_connections connections served at once, the
// others answered 503; no request body is ever read (GET needs none, any other method is refused
// before its body), request line and header lines capped by httplib (8 KiB); one request per
// connection (no idle keep-alive holding a worker); read and write timeouts, so a stalled client
// frees its worker. A slow viewer never slows the pipeline (see
// frame_hub.hpp). Binds loopback unless another address is given (serve_address.hpp).
//
// Thread contract: construct, note_decisions() and destroy on one thread (the run's steering
// thread); the feeds are fed by their streams (stream_feed.hpp); the HTTP handlers run on the
// server's workers. The destructor closes every viewer's stream and stops the server, joining its
// threads; the feeds must not be published to after it begins.
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "smartcamrt/core/clock.hpp"
#include "smartcamrt/optimizer/controller.hpp"
#include "smartcamrt/serve/serve_address.hpp"
#include "smartcamrt/serve/stream_feed.hpp"
#include "smartcamrt/telemetry/pipeline_metrics.hpp"
#include "smartcamrt/telemetry/system_sampler.hpp"

namespace httplib {
class Server;
}

namespace smartcamrt {

struct ServeOptions {
  ServeAddress address;
  int max_connections = 16;  // served at once (each MJPEG viewer holds one); more get 503
  FrameHubOptions frames;    // per stream: the cap on frames sent (and encoded) per second, JPEG quality
};

struct ServeRunInfo {
  std::string run_id;
  std::vector<std::string> sources;  // one stream each
  double slo_ms = 0;                 // 0 = none
  bool adapt = false;                // whether the optimizer runs (the page says so when it does not)
};

class LiveView {
 public:
  static constexpr size_t kDecisionsShown = 20;

  // Binds and starts serving. `sampler` may be null (telemetry off). Throws Error naming the
  // address when it cannot listen.
  LiveView(const ServeOptions& options, const ServeRunInfo& run, const PipelineMetrics& metrics,
           const SystemSampler* sampler);
  ~LiveView();
  LiveView(const LiveView&) = delete;
  LiveView& operator=(const LiveView&) = delete;

  StreamFeed& feed(size_t stream) { return *feeds_.at(stream); }
  size_t streams() const { return feeds_.size(); }
  // Copies the controller's decisions made since the last call (the controller's thread).
  void note_decisions(const AdaptiveController& controller);

  const std::string& host() const { return host_; }
  int port() const { return port_; }
  std::string url() const { return serve_url(host_, port_); }
  nlohmann::json stats() const;  // what /stats.json serves

 private:
  void add_routes();

  ServeRunInfo run_;
  const PipelineMetrics& metrics_;
  const SystemSampler* sampler_;
  Clock::time_point started_;
  std::vector<std::unique_ptr<StreamFeed>> feeds_;
  std::string page_;
  mutable std::mutex decisions_mutex_;
  std::deque<nlohmann::json> decisions_;
  size_t decisions_seen_ = 0;  // the steering thread's cursor into the controller's list
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string host_;
  int port_ = 0;
  int max_connections_ = 16;
};

// Parses `spec` ([ADDR:]PORT), prints the exposure warning (when not loopback) and the URL on
// stderr, and starts the view. Throws Error for a bad spec or an address that cannot be bound.
std::unique_ptr<LiveView> start_live_view(const std::string& spec, const ServeRunInfo& run,
                                          const PipelineMetrics& metrics, const SystemSampler* sampler);

}  // namespace smartcamrt
