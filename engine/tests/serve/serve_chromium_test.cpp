// The live page in a real browser (Debian's `chromium`, headless): it shows moving frames and its
// figures update from /stats.json. Skipped, with the reason, where chromium is not installed.
// SMARTCAMRT_KEEP_TEST_FILES=1 keeps the screenshots (their paths are printed) for a look.
#include <unistd.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include <opencv2/imgcodecs.hpp>

#include "../support/test_clip.hpp"
#include "../support/tiny_onnx.hpp"
#include "chromium_pipe.hpp"
#include "smartcamrt/pipeline/pipeline.hpp"

namespace smartcamrt {
namespace {

// $SMARTCAMRT_CHROMIUM, else `chromium` on the PATH; "" when there is none.
std::string find_chromium() {
  if (const char* given = std::getenv("SMARTCAMRT_CHROMIUM")) return given;
  std::stringstream path(std::getenv("PATH") ? std::getenv("PATH") : "");
  for (std::string dir; std::getline(path, dir, ':');) {
    const std::string candidate = dir + "/chromium";
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// Mean grey level of a patch inside the stream's <img> (below the box the model draws).
double patch_mean(const cv::Mat& screenshot) { return cv::mean(screenshot(cv::Rect(250, 350, 300, 200)))[0]; }

}  // namespace

TEST(ServeChromium, ThePageShowsMovingFramesAndUpdatingFigures) {
  const std::string binary = find_chromium();
  if (binary.empty()) GTEST_SKIP() << "chromium is not installed (Debian: apt-get install chromium)";
  const std::string dir = testing::make_temp_dir("serve-chromium");
  RunConfig config;
  config.task.model_path =
      testing::save_constant_yolo_model(dir + "/m.onnx", 32, std::vector<float>{8, 8, 4, 4, 0.9f, 0.9f}, 6);
  config.task.session.threads = 1;
  // Frame i is a flat grey of value i: frames seen at different times differ in brightness.
  config.sources = {testing::write_test_clip(dir + "/clip.avi", 1500, 320, 240, 25.0)};
  config.out_dir = dir + "/run";
  config.realtime = true;
  config.save_annotated = false;
  config.adapt.slo_ms = 50;
  config.serve = "0";
  config.control = std::make_shared<RunControl>();
  std::promise<std::string> url_promise;
  config.on_serve = [&](const std::string& url) { url_promise.set_value(url); };
  auto run = std::async(std::launch::async, [&] { return run_pipeline(config); });
  // However the test ends, the run stops (rather than play its 60 s out).
  const std::shared_ptr<void> stop_on_exit(nullptr, [&](void*) { config.control->request_stop(); });
  auto url_future = url_promise.get_future();
  ASSERT_EQ(url_future.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  const std::string url = url_future.get();

  // Watch the page in one browser tab: two moments, 1.5 s apart.
  testing::ChromiumPipe browser(binary, dir + "/profile", 1280, 800);
  const std::string page = browser.open_page(url);
  ASSERT_FALSE(page.empty()) << "chromium did not answer over the DevTools pipe";
  const auto updates = [&] {
    return browser.evaluate(page, "document.body ? Number(document.body.dataset.updates || 0) : 0");
  };
  const auto frame_shown = [&] {
    return browser.evaluate(page, "Number(document.querySelector('[data-f=\"frame\"]').textContent)");
  };
  for (int i = 0; i < 200; ++i) {  // until the first figures are in
    const nlohmann::json n = updates();
    if (n.is_number() && n.get<int>() >= 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  struct Moment {
    cv::Mat screenshot;
    nlohmann::json updates, frame;
  };
  const auto moment = [&](const std::string& png) {
    Moment m;
    const std::string bytes = browser.screenshot(page);
    m.screenshot = cv::imdecode(std::vector<uchar>(bytes.begin(), bytes.end()), cv::IMREAD_GRAYSCALE);
    std::ofstream(png, std::ios::binary) << bytes;  // kept for a look with SMARTCAMRT_KEEP_TEST_FILES=1
    m.updates = updates();
    m.frame = frame_shown();
    return m;
  };
  const std::string first = dir + "/live-1.png", second = dir + "/live-2.png";
  const Moment a = moment(first);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const Moment b = moment(second);
  const nlohmann::json image_width = browser.evaluate(page, "document.querySelector('img').naturalWidth");
  const nlohmann::json fps = browser.evaluate(page, "document.getElementById('fps').textContent");
  const nlohmann::json runtime = browser.evaluate(page, "document.querySelector('[data-f=\"rt\"]').textContent");
  const nlohmann::json slo = browser.evaluate(page, "document.getElementById('slo').textContent");
  const nlohmann::json state = browser.evaluate(page, "document.getElementById('state').textContent");
  config.control->request_stop();
  const RunReport report = run.get();
  std::printf("screenshots: %s %s\n", first.c_str(), second.c_str());

  ASSERT_FALSE(a.screenshot.empty());
  ASSERT_FALSE(b.screenshot.empty());
  ASSERT_EQ(a.screenshot.cols, 1280);
  ASSERT_EQ(a.screenshot.rows, 800);
  cv::Scalar mean, spread;
  cv::meanStdDev(a.screenshot, mean, spread);
  EXPECT_GT(spread[0], 10.0) << "the screenshot is not blank";
  EXPECT_EQ(image_width, 320) << "the MJPEG <img> shows the stream's frames";
  EXPECT_GT(std::abs(patch_mean(a.screenshot) - patch_mean(b.screenshot)), 3.0)
      << "the frame shown moved on (" << patch_mean(a.screenshot) << " vs " << patch_mean(b.screenshot) << ")";
  ASSERT_TRUE(a.updates.is_number() && b.updates.is_number()) << a.updates << " " << b.updates;
  EXPECT_GE(b.updates.get<int>(), a.updates.get<int>() + 2) << "the page polls /stats.json every 500 ms";
  ASSERT_TRUE(a.frame.is_number() && b.frame.is_number()) << a.frame << " " << b.frame;
  EXPECT_GT(b.frame.get<int>(), a.frame.get<int>()) << "the figures follow the run";
  EXPECT_TRUE(std::regex_match(fps.get<std::string>(), std::regex(R"(\d+\.\d)"))) << fps;
  EXPECT_EQ(runtime, "ort / fp32");
  EXPECT_EQ(slo, "50 ms");
  EXPECT_EQ(state.get<std::string>().rfind("live", 0), 0u) << state;
  EXPECT_GT(report.processed, 0);
}

}  // namespace smartcamrt
