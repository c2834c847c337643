#include "smartcamrt/telemetry/metrics_server.hpp"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>

#include "smartcamrt/core/error.hpp"

namespace smartcamrt {

MetricsServer::MetricsServer(const PipelineMetrics& metrics, const std::string& host, int port)
    : server_(std::make_unique<httplib::Server>()), host_(host) {
  if (port < 0 || port > 65535) throw Error("--metrics-port " + std::to_string(port) + ": not a TCP port (0-65535)");
  // httplib's default also sets SO_REUSEPORT, which lets a second run bind the same port and the
  // kernel split scrapes between the two; SO_REUSEADDR alone makes a taken port an error.
  server_->set_socket_options([](socket_t socket) {
    const int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server_->Get("/metrics", [&metrics](const httplib::Request&, httplib::Response& response) {
    response.set_content(metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server_->Get("/", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("smartcamrt metrics: see /metrics\n", "text/plain");
  });
  port_ = port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
  if (port_ <= 0) {
    throw Error("--metrics-port " + std::to_string(port) + ": cannot listen on " + host + ":" + std::to_string(port) +
                " (address in use, or not an address of this machine)");
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // httplib's stop() does nothing until the listen loop runs: wait for it, so that a server
  // destroyed right after construction still stops.
  for (int i = 0; i < 5000 && !server_->is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

MetricsServer::~MetricsServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace smartcamrt
