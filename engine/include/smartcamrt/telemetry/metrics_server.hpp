#pragma once
// Serves PipelineMetrics at http://HOST:PORT/metrics on its own thread. Binds 127.0.0.1 unless told
// otherwise; port 0 picks a free port (see port()).
#include <memory>
#include <string>
#include <thread>

#include "smartcamrt/telemetry/pipeline_metrics.hpp"

namespace httplib {
class Server;
}

namespace smartcamrt {

class MetricsServer {
 public:
  // Throws Error when the address cannot be bound.
  MetricsServer(const PipelineMetrics& metrics, const std::string& host, int port);
  ~MetricsServer();  // stops the server
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  int port() const { return port_; }
  const std::string& host() const { return host_; }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::string host_;
  int port_ = 0;
};

}  // namespace smartcamrt
