#include "smartcamrt/serve/live_view.hpp"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>

#include "connection_pool.hpp"
#include "page.hpp"
#include "smartcamrt/core/error.hpp"
#include "smartcamrt/core/stats.hpp"

namespace smartcamrt {
namespace {

constexpr char kBoundary[] = "smartcamrt-frame";
// How long a viewer waits for a frame before httplib gets control back (to notice a stopping server).
constexpr auto kViewerPoll = std::chrono::milliseconds(250);
constexpr auto kHeartbeat = std::chrono::seconds(2);
constexpr size_t kMaxRequestBody = 4096;  // defence in depth: no handler reads a body (see add_routes)
constexpr time_t kTimeoutS = 2;           // read/write: a stalled client frees its worker

nlohmann::json optional_json(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json();
}

nlohmann::json figures_json(const StreamFigures& f) {
  return {{"stream", f.stream},
          {"source", f.source},
          {"processed", f.processed},
          {"dropped", f.dropped},
          {"last_frame", f.last_frame},
          {"fps", f.fps},
          {"e2e_p50_ms", optional_json(f.e2e_p50_ms)},
          {"e2e_p95_ms", optional_json(f.e2e_p95_ms)},
          {"within_slo", optional_json(f.within_slo)},
          {"model", f.model},
          {"runtime", f.runtime},
          {"precision", f.precision},
          {"viewers", f.viewers}};
}

// multipart/x-mixed-replace: each part is one JPEG; the browser shows each as it arrives. The
// viewer is counted (FrameHub::Viewer) for as long as httplib keeps the provider, i.e. the response.
void serve_mjpeg(FrameHub& hub, httplib::Response& response) {
  struct State {
    explicit State(FrameHub& h) : viewer(h) {}
    FrameHub::Viewer viewer;
    std::shared_ptr<const HubFrame> sent;  // the last frame sent
    Clock::time_point sent_at;
  };
  auto state = std::make_shared<State>(hub);
  response.set_chunked_content_provider(
      std::string("multipart/x-mixed-replace; boundary=") + kBoundary, [&hub, state](size_t, httplib::DataSink& sink) {
        std::shared_ptr<const HubFrame> frame = hub.wait_newer(state->sent ? state->sent->sequence() : 0, kViewerPoll);
        if (!frame) {
          if (hub.closed()) {
            sink.done();  // the run ended: end the response cleanly
            return true;
          }
          // Nothing new (a stalled source): resend the last frame now and then, so that a viewer who
          // left is noticed by the failing write and its worker freed. Otherwise wait on.
          if (!state->sent || Clock::now() - state->sent_at < kHeartbeat) return true;
          frame = state->sent;
        }
        state->sent = frame;
        state->sent_at = Clock::now();
        const std::string& jpeg = frame->jpeg();
        std::string part = std::string("--") + kBoundary +
                           "\r\nContent-Type: image/jpeg\r\nContent-Length: " + std::to_string(jpeg.size()) +
                           "\r\n\r\n";
        part.reserve(part.size() + jpeg.size() + 2);
        part += jpeg;
        part += "\r\n";
        return sink.write(part.data(), part.size());  // false: the viewer is gone, the connection closes
      });
}

void plain(httplib::Response& response, int status, const std::string& text) {
  response.status = status;
  response.set_content(text, "text/plain; charset=utf-8");
}

}  // namespace

LiveView::LiveView(const ServeOptions& options, const ServeRunInfo& run, const PipelineMetrics& metrics,
                   const SystemSampler* sampler)
    : run_(run),
      metrics_(metrics),
      sampler_(sampler),
      started_(Clock::now()),
      server_(std::make_unique<httplib::Server>()),
      host_(options.address.host),
      max_connections_(std::max(1, options.max_connections)) {
  const ServeAddress& address = options.address;
  if (address.port < 0 || address.port > 65535) {
    throw Error("--serve " + address.host + ":" + std::to_string(address.port) + ": port must be 0-65535");
  }
  for (size_t i = 0; i < run_.sources.size(); ++i) {
    feeds_.push_back(std::make_unique<StreamFeed>(static_cast<int>(i), run_.sources[i], run_.slo_ms, options.frames));
  }
  page_ = live_page_html(feeds_.size());

  const size_t max_connections = static_cast<size_t>(max_connections_);
  server_->new_task_queue = [max_connections] { return new ConnectionPool(max_connections); };
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let two runs share a port.
  server_->set_socket_options([](socket_t socket) {
    const int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // One request per connection: an idle keep-alive connection would hold one of the few workers
  // (and delay the stop at the end of the run); a browser opens a fresh loopback connection cheaply.
  server_->set_keep_alive_max_count(1);
  server_->set_keep_alive_timeout(1);
  server_->set_read_timeout(kTimeoutS, 0);
  server_->set_write_timeout(kTimeoutS, 0);
  server_->set_payload_max_length(kMaxRequestBody);
  server_->set_default_headers(
      {{"Cache-Control", "no-store"}, {"X-Content-Type-Options", "nosniff"}, {"Referrer-Policy", "no-referrer"}});
  add_routes();

  port_ = address.port == 0 ? server_->bind_to_any_port(address.host)
                            : (server_->bind_to_port(address.host, address.port) ? address.port : -1);
  if (port_ <= 0) {
    throw Error("--serve " + address.host + ":" + std::to_string(address.port) +
                ": cannot listen (address in use, or not an address of this machine)");
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // httplib's stop() does nothing until the listen loop runs: wait for it, so that a view destroyed
  // right after construction still stops.
  for (int i = 0; i < 5000 && !server_->is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

LiveView::~LiveView() {
  for (auto& feed : feeds_) feed->hub().close();  // viewers finish their responses
  server_->stop();
  if (thread_.joinable()) thread_.join();  // joins the workers too (ConnectionPool::shutdown)
}

void LiveView::add_routes() {
  using httplib::Request;
  using httplib::Response;
  using Handled = httplib::Server::HandlerResponse;
  // Before routing and before any body is read: refusals cost nothing, and since every route is a
  // GET, no request body is ever read at all.
  server_->set_pre_routing_handler([this](const Request& request, Response& response) {
    if (ConnectionPool::rejecting()) {
      response.set_header("Retry-After", "2");
      plain(response, 503, "busy: " + std::to_string(max_connections_) + " connections at most\n");
      return Handled::Handled;
    }
    if (request.method != "GET") {
      response.set_header("Allow", "GET");
      plain(response, 405, "read-only: GET only\n");
      return Handled::Handled;
    }
    return Handled::Unhandled;
  });
  server_->Get("/", [this](const Request&, Response& response) {
    response.set_header("Content-Security-Policy", live_page_csp());
    response.set_content(page_, "text/html; charset=utf-8");
  });
  server_->Get("/stream.mjpg", [this](const Request&, Response& response) {
    if (feeds_.empty()) return plain(response, 404, "no stream\n");
    serve_mjpeg(feeds_.front()->hub(), response);
  });
  server_->Get(R"(/stream/(\d{1,4})\.mjpg)", [this](const Request& request, Response& response) {
    const size_t stream = std::stoul(request.matches[1].str());
    if (stream >= feeds_.size()) return plain(response, 404, "no stream " + std::to_string(stream) + "\n");
    serve_mjpeg(feeds_[stream]->hub(), response);
  });
  server_->Get("/stats.json", [this](const Request&, Response& response) {
    response.set_content(stats().dump(), "application/json");
  });
  server_->Get("/metrics", [this](const Request&, Response& response) {
    response.set_content(metrics_.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
}

void LiveView::note_decisions(const AdaptiveController& controller) {
  const std::vector<DecisionRecord>& all = controller.decisions();
  if (all.size() == decisions_seen_) return;
  const std::vector<LadderStep>& ladder = controller.ladder();
  const auto rung = [&](size_t i) { return i < ladder.size() ? ladder[i].rung.id : std::to_string(i); };
  std::lock_guard<std::mutex> lock(decisions_mutex_);
  for (; decisions_seen_ < all.size(); ++decisions_seen_) {
    const DecisionRecord& d = all[decisions_seen_];
    decisions_.push_back(
        {{"t_s", d.t_s}, {"action", d.action}, {"from", rung(d.from)}, {"to", rung(d.to)}, {"reason", d.reason}});
    if (decisions_.size() > kDecisionsShown) decisions_.pop_front();
  }
}

nlohmann::json LiveView::stats() const {
  nlohmann::json doc;
  doc["run_id"] = run_.run_id;
  doc["uptime_s"] = ms_between(started_, Clock::now()) / 1000.0;
  doc["slo_ms"] = run_.slo_ms > 0 ? nlohmann::json(run_.slo_ms) : nlohmann::json();
  doc["adapt"] = run_.adapt;
  doc["streams"] = nlohmann::json::array();
  int64_t processed = 0, dropped = 0;
  double fps = 0;
  std::vector<double> pooled;
  for (const auto& feed : feeds_) {
    const StreamFigures f = feed->figures();
    processed += f.processed;
    dropped += f.dropped;
    fps += f.fps;
    pooled.insert(pooled.end(), f.window_e2e_ms.begin(), f.window_e2e_ms.end());
    if (doc["streams"].empty()) {  // every stream switches together: the first one names the model
      doc["model"] = f.model;
      doc["runtime"] = f.runtime;
      doc["precision"] = f.precision;
    }
    doc["streams"].push_back(figures_json(f));
  }
  std::sort(pooled.begin(), pooled.end());
  doc["processed"] = processed;
  doc["dropped"] = dropped;
  doc["fps"] = fps;
  doc["e2e_p50_ms"] = pooled.empty() ? nlohmann::json() : nlohmann::json(percentile_sorted(pooled, 0.50));
  doc["e2e_p95_ms"] = pooled.empty() ? nlohmann::json() : nlohmann::json(percentile_sorted(pooled, 0.95));
  const ResourceSample sample = sampler_ ? sampler_->latest() : ResourceSample();
  doc["cpu_proc_pct"] = optional_json(sample.cpu_proc_pct);
  doc["cpu_sys_pct"] = optional_json(sample.cpu_sys_pct);
  doc["rss_mb"] = optional_json(sample.rss_mb);
  doc["gpu_util_pct"] = optional_json(sample.gpu_util_pct);
  {
    std::lock_guard<std::mutex> lock(decisions_mutex_);
    doc["decisions"] = nlohmann::json::array();
    for (const nlohmann::json& d : decisions_) doc["decisions"].push_back(d);
  }
  return doc;
}

std::unique_ptr<LiveView> start_live_view(const std::string& spec, const ServeRunInfo& run,
                                          const PipelineMetrics& metrics, const SystemSampler* sampler) {
  ServeOptions options;
  options.address = parse_serve_address(spec);
  const std::string warning = serve_exposure_warning(options.address);
  if (!warning.empty()) std::fprintf(stderr, "%s\n", warning.c_str());
  auto view = std::make_unique<LiveView>(options, run, metrics, sampler);
  std::fprintf(stderr, "live view: %s\n", view->url().c_str());
  return view;
}

}  // namespace smartcamrt
