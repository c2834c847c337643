// `run --serve` on a real (tiny) run: the view listens on 127.0.0.1, its figures move, it streams the
// annotated frames even with --no-save, it changes nothing, it closes with the run, and a viewer
// that stops reading costs the pipeline no frames.
#include <ifaddrs.h>
#include <netinet/in.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <future>
#include <thread>
#include <tuple>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "../support/process.hpp"
#include "../support/test_clip.hpp"
#include "../support/tiny_onnx.hpp"
#include "http_client.hpp"
#include "smartcamrt/core/error.hpp"
#include "smartcamrt/pipeline/pipeline.hpp"

namespace smartcamrt {
namespace {

using testing::http_request;
using testing::MjpegReader;

// A paced run of a clip through a model that finds one box per frame, with the view on any free port.
RunConfig served_config(const std::string& dir, int frames, int width, int height) {
  RunConfig config;
  config.task.model_path =
      testing::save_constant_yolo_model(dir + "/m.onnx", 32, std::vector<float>{8, 8, 4, 4, 0.9f, 0.9f}, 6);
  config.task.session.threads = 1;
  config.sources = {testing::write_test_clip(dir + "/clip.avi", frames, width, height, 25.0)};
  config.out_dir = dir + "/run";
  config.realtime = true;
  config.save_annotated = false;  // the view still gets annotated frames
  config.serve = "0";
  config.control = std::make_shared<RunControl>();
  return config;
}

// run_pipeline on its own thread; the view's URL once it listens.
class BackgroundRun {
 public:
  explicit BackgroundRun(RunConfig& config) {
    auto url = std::make_shared<std::promise<std::string>>();
    url_ = url->get_future();
    config.on_serve = [url](const std::string& u) { url->set_value(u); };
    run_ = std::async(std::launch::async, [&config] { return run_pipeline(config); });
  }
  // The URL, or "" if the run ended (failed) before listening.
  std::string url() {
    for (int i = 0; i < 600; ++i) {
      if (url_.wait_for(std::chrono::milliseconds(50)) == std::future_status::ready) return url_.get();
      if (run_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) return "";
    }
    return "";
  }
  RunReport wait() { return run_.get(); }

 private:
  std::future<std::string> url_;
  std::future<RunReport> run_;
};

int port_of(const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); }

nlohmann::json stats(int port) { return nlohmann::json::parse(http_request(port, "GET", "/stats.json").body); }

// Polls /stats.json until stream 0 has processed at least `frames` items (or ~20 s pass).
nlohmann::json stats_after(int port, int64_t frames) {
  nlohmann::json doc;
  for (int i = 0; i < 400; ++i) {
    doc = stats(port);
    if (doc["streams"][0]["processed"].get<int64_t>() >= frames) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return doc;
}

// An IPv4 address of this machine other than loopback, or "" when it has none.
std::string non_loopback_address() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  std::string found;
  for (ifaddrs* a = list; a && found.empty(); a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
    const auto* in = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
    if ((ntohl(in->sin_addr.s_addr) >> 24) == 127) continue;
    char text[INET_ADDRSTRLEN];
    if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text))) found = text;
  }
  freeifaddrs(list);
  return found;
}

}  // namespace

TEST(ServeRun, TheViewShowsTheRunLiveAndClosesWithIt) {
  const std::string dir = testing::make_temp_dir("serve-run");
  RunConfig config = served_config(dir, 750, 160, 120);  // 30 s at most; stopped once checked
  config.adapt.slo_ms = 100;
  BackgroundRun run(config);
  const std::string url = run.url();
  ASSERT_EQ(url.rfind("http://127.0.0.1:", 0), 0u) << "loopback by default: " << url;
  const int port = port_of(url);

  // Figures move.
  const nlohmann::json first = stats_after(port, 3);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  const nlohmann::json second = stats(port);
  EXPECT_GT(second["processed"].get<int64_t>(), first["processed"].get<int64_t>());
  EXPECT_GT(second["uptime_s"].get<double>(), first["uptime_s"].get<double>());
  EXPECT_EQ(second["slo_ms"], 100.0);
  const nlohmann::json& stream = second["streams"][0];
  EXPECT_GT(stream["fps"].get<double>(), 0);
  EXPECT_TRUE(stream["e2e_p50_ms"].is_number());
  EXPECT_TRUE(stream["e2e_p95_ms"].is_number());
  EXPECT_EQ(stream["runtime"], "ort");
  EXPECT_FALSE(stream["model"].get<std::string>().empty());
  EXPECT_TRUE(second["rss_mb"].is_number()) << "telemetry is on: the sampler's figures";

  // Annotated JPEG frames although --no-save: the boxes are drawn for the view.
  {
    MjpegReader reader(port, "/stream.mjpg");
    ASSERT_EQ(reader.head().status, 200);
    EXPECT_EQ(reader.head().headers.at("content-type"), "multipart/x-mixed-replace; boundary=" + reader.boundary());
    const std::string a = reader.next_part(), b = reader.next_part();
    ASSERT_TRUE(testing::is_jpeg(a));
    ASSERT_TRUE(testing::is_jpeg(b));
    const cv::Mat image = cv::imdecode(std::vector<uchar>(b.begin(), b.end()), cv::IMREAD_COLOR);
    ASSERT_EQ(image.cols, 160);
    ASSERT_EQ(image.rows, 120);
    cv::Scalar mean, spread;
    cv::meanStdDev(image, mean, spread);
    EXPECT_GT(spread[0] + spread[1] + spread[2], 5.0) << "a flat grey frame with a box drawn on it";
  }

  // Read-only, loopback only.
  EXPECT_EQ(http_request(port, "POST", "/stats.json", "stop").status, 405);
  const std::string other = non_loopback_address();
  if (!other.empty()) {
    EXPECT_EQ(testing::connect_to(other, port, 1000), -1) << "reachable on " << other;
  }
  EXPECT_NE(http_request(port, "GET", "/metrics").body.find("smartcamrt_frames_processed_total"), std::string::npos);

  // The run ends: a viewer's response ends and nothing listens any more.
  MjpegReader viewer(port, "/stream.mjpg");
  ASSERT_TRUE(testing::is_jpeg(viewer.next_part()));
  config.control->request_stop();
  const RunReport report = run.wait();
  EXPECT_GT(report.processed, 0);
  EXPECT_TRUE(viewer.ends());
  EXPECT_EQ(testing::connect_to("127.0.0.1", port, 1000), -1);
}

// Frames processed and dropped, in a paced run, with and without a viewer who stops reading: a
// tolerant comparison of counts (never of timings), since a slow viewer must cost the pipeline nothing.
TEST(ServeRun, AViewerThatStopsReadingDoesNotSlowThePipeline) {
  constexpr int kFrames = 75;  // 3 s at 25 fps
  constexpr int64_t kMargin = 8;
  const auto paced_run = [&](bool slow_viewer) {
    const std::string dir = testing::make_temp_dir(slow_viewer ? "serve-slow" : "serve-alone");
    RunConfig config = served_config(dir, kFrames, 320, 240);
    BackgroundRun run(config);
    const int port = port_of(run.url());
    int viewers_seen = 0;
    std::unique_ptr<MjpegReader> viewer;
    if (slow_viewer) {
      // A 4 KiB receive buffer: the server's writes soon block on this viewer alone.
      viewer = std::make_unique<MjpegReader>(port, "/stream.mjpg", 4096);
      EXPECT_TRUE(testing::is_jpeg(viewer->next_part()));  // one part, then it sleeps until the run ends
      viewers_seen = stats(port)["streams"][0]["viewers"].get<int>();
    }
    const RunReport report = run.wait();
    return std::make_tuple(report.processed, report.dropped, viewers_seen);
  };
  const auto [alone_processed, alone_dropped, none] = paced_run(false);
  const auto [slow_processed, slow_dropped, viewers] = paced_run(true);
  std::printf("paced %d frames: alone %lld processed, %lld dropped; with a slow viewer %lld processed, %lld dropped\n",
              kFrames, static_cast<long long>(alone_processed), static_cast<long long>(alone_dropped),
              static_cast<long long>(slow_processed), static_cast<long long>(slow_dropped));
  EXPECT_EQ(none, 0);
  EXPECT_EQ(viewers, 1) << "the slow viewer was connected and counted";
  EXPECT_EQ(alone_processed + alone_dropped, kFrames);
  EXPECT_EQ(slow_processed + slow_dropped, kFrames);
  EXPECT_GE(slow_processed, alone_processed - kMargin)
      << "alone dropped " << alone_dropped << ", with the slow viewer " << slow_dropped;
}

TEST(ServeRun, ABadServeOptionFailsBeforeAnythingRuns) {
  RunConfig config;
  config.sources = {"missing.avi"};
  config.task.model_path = "missing.onnx";
  config.serve = "abc";
  try {
    run_pipeline(config);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "--serve 'abc': not [ADDR:]PORT");
  }
  const auto cli = testing::run_process(
      {testing::cli_path(), "run", "--model", "m.onnx", "--source", "a.mp4", "--serve", "host:99999"});
  EXPECT_NE(cli.exit_code, 0);
  EXPECT_EQ(cli.err, "smartcamrt run: --serve 'host:99999': port must be 0-65535\n");
}

}  // namespace smartcamrt
