// The live view's HTTP surface on 127.0.0.1, fed by hand (the run-level tests are in serve_run_test):
// read-only (405), bounded (503 past the connection limit, 413 for a body), one MJPEG per stream,
// a self-contained page, the viewers' responses ended when the view stops.
#include "smartcamrt/serve/live_view.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "http_client.hpp"
#include "smartcamrt/core/error.hpp"

namespace smartcamrt {
namespace {

using testing::http_request;
using testing::MjpegReader;

struct Fixture {
  explicit Fixture(size_t streams = 1, int max_connections = 16) {
    ServeOptions options;
    options.max_connections = max_connections;
    options.frames.max_fps = 0;
    ServeRunInfo run;
    run.run_id = "run-1";
    run.slo_ms = 40;
    for (size_t i = 0; i < streams; ++i) run.sources.push_back("clip" + std::to_string(i) + ".avi");
    metrics.set_model("m", "ort", "fp32");
    view = std::make_unique<LiveView>(options, run, metrics, nullptr);
  }
  // Publishes a frame to `stream` (kept only while a viewer watches).
  void publish(size_t stream, int64_t frame) {
    FrameRecord r;
    r.frame = frame;
    r.e2e_ms = 12;
    r.model = "m";
    cv::Mat image(48, 64, CV_8UC3, cv::Scalar(0, 0, 200));
    view->feed(stream).publish(r, image);
  }
  PipelineMetrics metrics;
  std::unique_ptr<LiveView> view;
};

// Publishes frames to `stream` until the reader has a part (the viewer may connect a little later).
std::string part_while_publishing(Fixture& fixture, size_t stream, MjpegReader& reader) {
  std::atomic<bool> stop{false};
  std::thread publisher([&] {
    for (int64_t i = 0; !stop.load(); ++i) {
      fixture.publish(stream, i);
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  std::string part = reader.next_part();
  stop.store(true);
  publisher.join();
  return part;
}

}  // namespace

TEST(LiveView, OnlyGetIsAllowed) {
  Fixture fixture;
  const int port = fixture.view->port();
  EXPECT_EQ(fixture.view->host(), "127.0.0.1");
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    const auto response = http_request(port, method, "/stats.json", "model=other.onnx");
    EXPECT_EQ(response.status, 405) << method;
    EXPECT_EQ(response.headers.at("allow"), "GET") << method;
  }
  EXPECT_EQ(http_request(port, "POST", "/", "").status, 405);
  EXPECT_EQ(http_request(port, "GET", "/stats.json").status, 200);
  EXPECT_EQ(http_request(port, "GET", "/nothing").status, 404);
  EXPECT_EQ(http_request(port, "GET", "/stream/7.mjpg").status, 404) << "one stream only";
}

TEST(LiveView, AnOverlongRequestIsRefused) {
  Fixture fixture;
  EXPECT_EQ(http_request(fixture.view->port(), "GET", "/" + std::string(9000, 'a')).status, 414);
  EXPECT_EQ(http_request(fixture.view->port(), "GET", "/stats.json").status, 200) << "and the view goes on";
}

TEST(LiveView, ThePageIsSelfContained) {
  Fixture fixture(2);
  const auto page = http_request(fixture.view->port(), "GET", "/");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.headers.at("content-type").find("text/html"), std::string::npos);
  EXPECT_NE(page.headers.at("content-security-policy").find("default-src 'none'"), std::string::npos);
  EXPECT_NE(page.body.find("src=\"/stream/0.mjpg\""), std::string::npos);
  EXPECT_NE(page.body.find("src=\"/stream/1.mjpg\""), std::string::npos);
  EXPECT_NE(page.body.find("/stats.json"), std::string::npos);
  EXPECT_EQ(page.body.find("http:"), std::string::npos) << "no external resource";
  EXPECT_EQ(page.body.find("https:"), std::string::npos) << "no external resource";
  EXPECT_EQ(page.body.find("src=\"//"), std::string::npos) << "no external resource";
  EXPECT_EQ(page.body.find("innerHTML"), std::string::npos) << "data is written as text, never as markup";
  Fixture single;
  EXPECT_NE(http_request(single.view->port(), "GET", "/").body.find("src=\"/stream.mjpg\""), std::string::npos);
}

TEST(LiveView, StatsAndMetricsDescribeTheRun) {
  Fixture fixture(2);
  fixture.publish(1, 41);
  const auto stats = nlohmann::json::parse(http_request(fixture.view->port(), "GET", "/stats.json").body);
  EXPECT_EQ(stats["run_id"], "run-1");
  EXPECT_EQ(stats["slo_ms"], 40.0);
  ASSERT_EQ(stats["streams"].size(), 2u);
  EXPECT_EQ(stats["streams"][1]["processed"], 1);
  EXPECT_EQ(stats["streams"][1]["last_frame"], 41);
  EXPECT_EQ(stats["streams"][1]["source"], "clip1.avi");
  EXPECT_TRUE(stats["streams"][0]["e2e_p50_ms"].is_null()) << "no items, no figure";
  EXPECT_EQ(stats["processed"], 1);
  EXPECT_TRUE(stats["cpu_proc_pct"].is_null()) << "no sampler: unknown, not zero";
  EXPECT_TRUE(stats["decisions"].is_array());
  const auto metrics = http_request(fixture.view->port(), "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("smartcamrt_frames_processed_total{model=\"m\""), std::string::npos);
}

TEST(LiveView, EachStreamHasItsOwnMjpeg) {
  Fixture fixture(2);
  MjpegReader reader(fixture.view->port(), "/stream/1.mjpg");
  ASSERT_EQ(reader.head().status, 200);
  EXPECT_NE(reader.head().headers.at("content-type").find("multipart/x-mixed-replace"), std::string::npos);
  EXPECT_FALSE(reader.boundary().empty());
  const std::string jpeg = part_while_publishing(fixture, 1, reader);
  EXPECT_TRUE(testing::is_jpeg(jpeg));
  EXPECT_EQ(fixture.view->feed(0).hub().kept(), 0u) << "stream 0 has no viewer: nothing kept";
}

TEST(LiveView, ConnectionsPastTheLimitGet503) {
  Fixture fixture(1, /*max_connections=*/2);
  const int port = fixture.view->port();
  {
    MjpegReader a(port, "/stream.mjpg"), b(port, "/stream.mjpg");
    ASSERT_EQ(a.head().status, 200);
    ASSERT_EQ(b.head().status, 200);
    const auto busy = http_request(port, "GET", "/stats.json");
    EXPECT_EQ(busy.status, 503);
    EXPECT_EQ(busy.headers.count("retry-after"), 1u);
  }  // both viewers leave; their workers notice at the next write
  int status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    fixture.publish(0, i);
    status = http_request(port, "GET", "/stats.json").status;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(status, 200) << "the freed workers serve again";
}

TEST(LiveView, StoppingEndsTheViewersResponses) {
  Fixture fixture;
  const int port = fixture.view->port();
  MjpegReader reader(port, "/stream.mjpg");
  ASSERT_EQ(reader.head().status, 200);
  ASSERT_TRUE(testing::is_jpeg(part_while_publishing(fixture, 0, reader)));
  fixture.view.reset();
  EXPECT_TRUE(reader.ends()) << "the response ends (or the connection closes) when the view stops";
  EXPECT_EQ(testing::connect_to("127.0.0.1", port), -1) << "nothing listens any more";
}

TEST(LiveView, ATakenPortIsAOneLineError) {
  Fixture first;
  ServeOptions options;
  options.address.port = first.view->port();
  PipelineMetrics metrics;
  try {
    LiveView second(options, ServeRunInfo{"r", {"a"}, 0, false}, metrics, nullptr);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--serve 127.0.0.1:" + std::to_string(first.view->port())), std::string::npos)
        << e.what();
  }
}

}  // namespace smartcamrt
