// A stream's feed of the live view: figures from the records it is given, images only for viewers.
#include "smartcamrt/serve/stream_feed.hpp"

#include <gtest/gtest.h>

namespace smartcamrt {
namespace {

FrameRecord record(int64_t frame, double e2e_ms, int64_t dropped) {
  FrameRecord r;
  r.frame = frame;
  r.e2e_ms = e2e_ms;
  r.dropped = dropped;
  r.model = "yolov5n";
  r.runtime = "ort";
  r.precision = "fp32";
  return r;
}

}  // namespace

TEST(StreamFeed, FiguresFollowTheRecords) {
  StreamFeed feed(2, "clip.mp4", /*slo_ms=*/50);
  const StreamFigures empty = feed.figures();
  EXPECT_EQ(empty.stream, 2);
  EXPECT_EQ(empty.processed, 0);
  EXPECT_EQ(empty.last_frame, -1);
  EXPECT_FALSE(empty.e2e_p50_ms.has_value()) << "no figure before the first item, not a zero";
  cv::Mat none;
  for (int i = 0; i < 10; ++i) feed.publish(record(i, 10.0 * (i + 1), i < 8 ? 0 : 2), none);  // 10..100 ms
  const StreamFigures f = feed.figures();
  EXPECT_EQ(f.processed, 10);
  EXPECT_EQ(f.dropped, 2);
  EXPECT_EQ(f.last_frame, 9);
  EXPECT_EQ(f.model, "yolov5n");
  EXPECT_EQ(f.runtime, "ort");
  EXPECT_EQ(f.precision, "fp32");
  ASSERT_TRUE(f.e2e_p50_ms && f.e2e_p95_ms);
  EXPECT_NEAR(*f.e2e_p50_ms, 55.0, 1e-9);
  EXPECT_NEAR(*f.e2e_p95_ms, 95.5, 1e-9);
  ASSERT_TRUE(f.within_slo);
  EXPECT_NEAR(*f.within_slo, 5.0 / 12.0, 1e-9) << "5 of 10 answers within 50 ms, 2 drops count as misses";
  EXPECT_GT(f.fps, 0);
  EXPECT_FALSE(StreamFeed(0, "x", 0).figures().within_slo.has_value()) << "no SLO, no SLO figure";
}

TEST(StreamFeed, ImagesAreTakenOnlyWhileAViewerWatches) {
  StreamFeed feed(0, "clip.mp4", 0);
  EXPECT_FALSE(feed.wants_image());
  cv::Mat image(8, 8, CV_8UC3, cv::Scalar(1, 2, 3));
  feed.publish(record(0, 5, 0), image);
  EXPECT_EQ(feed.hub().kept(), 0u);
  FrameHub::Viewer viewer(feed.hub());
  EXPECT_TRUE(feed.wants_image());
  feed.publish(record(1, 5, 0), image);
  EXPECT_EQ(feed.hub().kept(), 1u);
  EXPECT_TRUE(image.empty()) << "the feed took the image over, no copy";
  EXPECT_EQ(feed.figures().viewers, 1);
}

TEST(StreamFeed, CredentialsInASourceUrlAreMasked) {
  EXPECT_EQ(mask_credentials("rtsp://admin:secret@10.0.0.5:554/stream1"), "rtsp://***@10.0.0.5:554/stream1");
  EXPECT_EQ(mask_credentials("http://user@cam/video?a=b@c"), "http://***@cam/video?a=b@c");
  EXPECT_EQ(mask_credentials("rtsp://10.0.0.5/stream"), "rtsp://10.0.0.5/stream");
  EXPECT_EQ(mask_credentials("/videos/a@b.mp4"), "/videos/a@b.mp4");
  EXPECT_EQ(StreamFeed(0, "rtsp://u:p@cam/s", 0).figures().source, "rtsp://***@cam/s");
}

}  // namespace smartcamrt
