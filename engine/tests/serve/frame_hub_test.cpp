// The live view's frame hub: newest frame wins, a slow viewer never holds the publisher up, several
// viewers share one encoding per frame, close() releases everyone.
#include "smartcamrt/serve/frame_hub.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include <opencv2/imgcodecs.hpp>

namespace smartcamrt {
namespace {

using std::chrono::milliseconds;

FrameHubOptions uncapped() {
  FrameHubOptions options;
  options.max_fps = 0;  // these tests publish as fast as they can; the cap has its own test
  return options;
}

cv::Mat image(int value) { return cv::Mat(24, 32, CV_8UC3, cv::Scalar(value, value, value)); }

bool is_jpeg(const std::string& bytes) {
  return bytes.size() > 4 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
         static_cast<unsigned char>(bytes[1]) == 0xD8;
}

}  // namespace

TEST(FrameHub, KeepsNothingWithoutAViewer) {
  FrameHub hub(uncapped());
  EXPECT_FALSE(hub.wanted());
  EXPECT_FALSE(hub.publish(image(1), 0));
  EXPECT_EQ(hub.kept(), 0u);
  EXPECT_EQ(hub.wait_newer(0, milliseconds(1)), nullptr);
  FrameHub::Viewer viewer(hub);
  EXPECT_TRUE(hub.wanted());
  EXPECT_TRUE(hub.publish(image(2), 1));
}

TEST(FrameHub, AViewerGetsTheNewestFrameAndWaitsForANewerOne) {
  FrameHub hub(uncapped());
  FrameHub::Viewer viewer(hub);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(hub.publish(image(i * 40), 100 + i));
  const auto frame = hub.wait_newer(0, milliseconds(100));
  ASSERT_NE(frame, nullptr);
  EXPECT_EQ(frame->sequence(), 5u);
  EXPECT_EQ(frame->frame(), 104) << "the newest frame, not the first one";
  EXPECT_EQ(hub.wait_newer(frame->sequence(), milliseconds(20)), nullptr) << "nothing newer yet: a timeout";
  EXPECT_FALSE(hub.closed());
  const cv::Mat decoded =
      cv::imdecode(std::vector<uchar>(frame->jpeg().begin(), frame->jpeg().end()), cv::IMREAD_COLOR);
  ASSERT_FALSE(decoded.empty());
  EXPECT_EQ(decoded.cols, 32);
  EXPECT_NEAR(decoded.at<cv::Vec3b>(10, 10)[0], 160, 3);
}

TEST(FrameHub, ASlowViewerDoesNotHoldThePublisherUp) {
  FrameHub hub(uncapped());
  std::promise<void> publisher_done;
  std::shared_future<void> done = publisher_done.get_future().share();
  std::promise<uint64_t> first_seen, second_seen;
  std::thread viewer_thread([&] {
    FrameHub::Viewer viewer(hub);
    const auto first = hub.wait_newer(0, milliseconds(10000));
    first->jpeg();
    first_seen.set_value(first->sequence());
    done.wait();  // "sending" for as long as the publisher runs: a viewer stuck on a slow network
    const auto second = hub.wait_newer(first->sequence(), milliseconds(10000));
    second->jpeg();
    second_seen.set_value(second->sequence());
  });
  while (!hub.wanted()) std::this_thread::yield();
  ASSERT_TRUE(hub.publish(image(1), 0));
  auto first = first_seen.get_future();
  ASSERT_EQ(first.get(), 1u);
  // The viewer is now stuck; every publish must still return, none may wait for it.
  constexpr int kFrames = 500;
  for (int i = 1; i < kFrames; ++i) ASSERT_TRUE(hub.publish(image(i % 256), i));
  publisher_done.set_value();
  EXPECT_EQ(second_seen.get_future().get(), static_cast<uint64_t>(kFrames)) << "it skips to the newest frame";
  viewer_thread.join();
  EXPECT_EQ(hub.kept(), static_cast<uint64_t>(kFrames));
  EXPECT_EQ(hub.encoded(), 2u) << "only the frames a viewer sent were encoded";
}

TEST(FrameHub, SeveralViewersEachSeeNewerFramesAndShareTheEncoding) {
  FrameHub hub(uncapped());
  constexpr int kViewers = 3, kFrames = 200;
  std::atomic<int> connected{0};
  std::vector<std::vector<uint64_t>> seen(kViewers);
  std::vector<std::thread> viewers;
  for (int v = 0; v < kViewers; ++v) {
    viewers.emplace_back([&, v] {
      FrameHub::Viewer viewer(hub);
      connected.fetch_add(1);
      uint64_t last = 0;
      while (const auto frame = hub.wait_newer(last, milliseconds(10000))) {
        EXPECT_TRUE(is_jpeg(frame->jpeg()));
        last = frame->sequence();
        seen[static_cast<size_t>(v)].push_back(last);
        if (last == kFrames) break;
      }
    });
  }
  while (connected.load() < kViewers) std::this_thread::yield();
  for (int i = 0; i < kFrames; ++i) {
    ASSERT_TRUE(hub.publish(image(i % 256), i));
    if (i % 20 == 0) std::this_thread::sleep_for(milliseconds(1));  // let the viewers interleave a little
  }
  for (auto& thread : viewers) thread.join();
  for (const auto& sequence : seen) {
    ASSERT_FALSE(sequence.empty());
    EXPECT_EQ(sequence.back(), static_cast<uint64_t>(kFrames)) << "every viewer reaches the newest frame";
    for (size_t i = 1; i < sequence.size(); ++i) EXPECT_GT(sequence[i], sequence[i - 1]) << "never an older frame";
  }
  EXPECT_LE(hub.encoded(), hub.kept()) << "one encoding per frame however many viewers send it";
}

TEST(FrameHub, CloseReleasesWaitingViewersAndEndsPublishing) {
  FrameHub hub(uncapped());
  FrameHub::Viewer viewer(hub);
  auto waiting = std::async(std::launch::async, [&] { return hub.wait_newer(0, milliseconds(30000)); });
  std::this_thread::sleep_for(milliseconds(20));
  hub.close();
  ASSERT_EQ(waiting.wait_for(std::chrono::seconds(5)), std::future_status::ready) << "close() wakes the viewer";
  EXPECT_EQ(waiting.get(), nullptr);
  EXPECT_TRUE(hub.closed());
  EXPECT_FALSE(hub.wanted());
  EXPECT_FALSE(hub.publish(image(1), 0));
}

TEST(FrameHub, TheRateCapBoundsTheFramesKept) {
  FrameHubOptions options;
  options.max_fps = 0.5;  // one frame per 2 s: the burst below takes far less
  FrameHub hub(options);
  FrameHub::Viewer viewer(hub);
  int kept = 0;
  for (int i = 0; i < 10; ++i) kept += hub.publish(image(i), i) ? 1 : 0;
  EXPECT_EQ(kept, 1);
  EXPECT_EQ(hub.kept(), 1u);
}

}  // namespace smartcamrt
