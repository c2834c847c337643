#include "smartcamrt/pipeline/frame_queue.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace smartcamrt {

TEST(FrameQueue, LatestWinsDropsTheOldestAndCountsIt) {
  FrameQueue<int> queue(1, FrameQueue<int>::Mode::kLatestWins);
  EXPECT_TRUE(queue.push(1));
  EXPECT_TRUE(queue.push(2));
  EXPECT_TRUE(queue.push(3));
  EXPECT_EQ(queue.dropped(), 2);
  EXPECT_EQ(queue.pop(std::chrono::milliseconds(0)).value(), 3);
  EXPECT_FALSE(queue.pop(std::chrono::milliseconds(1)).has_value());
}

TEST(FrameQueue, BlockingModeWaitsForRoomAndDropsNothing) {
  FrameQueue<int> queue(1, FrameQueue<int>::Mode::kBlocking);
  std::thread producer([&] {
    for (int i = 0; i < 50; ++i) queue.push(i);
    queue.close();
  });
  int expected = 0;
  while (auto item = queue.pop(std::chrono::milliseconds(1000))) EXPECT_EQ(*item, expected++);
  producer.join();
  EXPECT_EQ(expected, 50);
  EXPECT_EQ(queue.dropped(), 0);
  EXPECT_TRUE(queue.closed_and_empty());
}

TEST(FrameQueue, CloseWakesABlockedProducerAndRefusesNewItems) {
  FrameQueue<int> queue(1, FrameQueue<int>::Mode::kBlocking);
  ASSERT_TRUE(queue.push(1));
  std::thread producer([&] { EXPECT_FALSE(queue.push(2)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  queue.close();
  producer.join();
  EXPECT_EQ(queue.pop(std::chrono::milliseconds(0)).value(), 1);  // what was queued still drains
  EXPECT_FALSE(queue.pop(std::chrono::milliseconds(0)).has_value());
}

}  // namespace smartcamrt
