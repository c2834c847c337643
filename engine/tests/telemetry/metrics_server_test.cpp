#include "smartcamrt/telemetry/metrics_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "prometheus_text.hpp"
#include "smartcamrt/core/error.hpp"

namespace smartcamrt {
namespace {

// A plain HTTP/1.0 GET over loopback, as a Prometheus scraper would send.
std::string http_get(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return "";
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  (void)!write(fd, request.data(), request.size());
  std::string response;
  char buffer[4096];
  for (ssize_t n; (n = read(fd, buffer, sizeof(buffer))) > 0;) response.append(buffer, static_cast<size_t>(n));
  close(fd);
  return response;
}

}  // namespace

TEST(MetricsServer, ServesTheExpositionOverLoopback) {
  PipelineMetrics metrics;
  metrics.set_model("m.onnx", "ort", "fp32");
  FrameRecord r;
  r.e2e_ms = 12;
  metrics.record(r);
  metrics.record(r);
  MetricsServer server(metrics, "127.0.0.1", 0);
  ASSERT_GT(server.port(), 0);
  const std::string response = http_get(server.port(), "/metrics");
  ASSERT_EQ(response.rfind("HTTP/1.", 0), 0u) << response;
  EXPECT_NE(response.find(" 200 "), std::string::npos);
  EXPECT_NE(response.find("text/plain; version=0.0.4"), std::string::npos);
  const auto samples = testing::parse_prometheus(response.substr(response.find("\r\n\r\n") + 4));
  EXPECT_EQ(samples.at(R"(smartcamrt_frames_processed_total{model="m.onnx",runtime="ort",precision="fp32"})"), 2);
  EXPECT_EQ(
      samples.at(
          R"(smartcamrt_stage_latency_ms_bucket{model="m.onnx",runtime="ort",precision="fp32",stage="e2e",le="20"})"),
      2);
  EXPECT_NE(http_get(server.port(), "/nothing").find(" 404 "), std::string::npos);
}

TEST(MetricsServer, APortInUseIsAOneLineError) {
  PipelineMetrics metrics;
  MetricsServer first(metrics, "127.0.0.1", 0);
  try {
    MetricsServer second(metrics, "127.0.0.1", first.port());
    FAIL() << "binding the same port twice must fail";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot listen on 127.0.0.1:" + std::to_string(first.port())),
              std::string::npos);
  }
  EXPECT_THROW(MetricsServer(metrics, "127.0.0.1", 70000), Error);
}

}  // namespace smartcamrt
