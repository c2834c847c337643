#include "smartcamrt/tasks/detection/yolo.hpp"

#include <gtest/gtest.h>

namespace smartcamrt {

TEST(YoloDecode, ScoresAreObjectnessTimesBestClassAndBoxesAreCorners) {
  // Rows: cx, cy, w, h, objectness, 3 class probabilities.
  const std::vector<float> rows{
      100, 50, 20, 10, 0.9f, 0.1f, 0.8f, 0.3f,  // class 1, score 0.72
      10,  10, 4,  4,  0.2f, 0.9f, 0.0f, 0.0f,  // objectness below the threshold
      30,  30, 6,  8,  0.5f, 0.4f, 0.4f, 0.4f,  // 0.5 * 0.4 = 0.2 < 0.25
      60,  60, 10, 10, 0.6f, 0.0f, 0.1f, 0.9f,  // class 2, score 0.54
  };
  YoloDecodeOptions options;
  options.conf_threshold = 0.25f;
  const Detections found = decode_yolov5(rows.data(), 4, 8, options);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].class_id, 1);
  EXPECT_NEAR(found[0].score, 0.72f, 1e-6);
  EXPECT_FLOAT_EQ(found[0].box.x1, 90.f);
  EXPECT_FLOAT_EQ(found[0].box.y1, 45.f);
  EXPECT_FLOAT_EQ(found[0].box.x2, 110.f);
  EXPECT_FLOAT_EQ(found[0].box.y2, 55.f);
  EXPECT_EQ(found[1].class_id, 2);
  EXPECT_NEAR(found[1].score, 0.54f, 1e-6);
}

TEST(YoloDecode, KeepsOnlyTheHighestCandidatesWhenOverTheCap) {
  std::vector<float> rows;
  for (int i = 0; i < 10; ++i) {
    const float objectness = 0.3f + 0.05f * static_cast<float>(i);
    rows.insert(rows.end(), {10.f * static_cast<float>(i), 0, 2, 2, objectness, 1.f});
  }
  YoloDecodeOptions options;
  options.max_candidates = 3;
  const Detections found = decode_yolov5(rows.data(), 10, 6, options);
  ASSERT_EQ(found.size(), 3u);
  for (const Detection& d : found) EXPECT_GE(d.score, 0.3f + 0.05f * 7 - 1e-6f);
}

TEST(YoloDecode, BoxUnitsAreToldFromTheLastGridCell) {
  // Last row at the bottom-right cell: cx ~ 636 px at 640, or ~0.994 normalised.
  const std::vector<float> pixels{4, 4, 8, 8, 0.1f, 1.f, 636, 636, 8, 8, 0.1f, 1.f};
  const std::vector<float> normalized{0.006f, 0.006f, 0.01f, 0.01f, 0.1f, 1.f, 0.994f, 0.994f, 0.01f, 0.01f, 0.1f, 1.f};
  EXPECT_FALSE(yolo_boxes_normalized(pixels.data(), 2, 6));
  EXPECT_TRUE(yolo_boxes_normalized(normalized.data(), 2, 6));
  EXPECT_FALSE(yolo_boxes_normalized(pixels.data(), 0, 6));
}

TEST(YoloDecode, RowsTooShortForAClassGiveNothing) {
  const std::vector<float> rows{1, 2, 3, 4, 0.9f};
  EXPECT_TRUE(decode_yolov5(rows.data(), 1, 5, YoloDecodeOptions{}).empty());
}

}  // namespace smartcamrt
