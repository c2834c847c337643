#include <gtest/gtest.h>

#include "smartcamrt/tasks/detection/detection.hpp"

namespace smartcamrt {
namespace {
Detection det(float x1, float y1, float x2, float y2, float score, int class_id) {
  return Detection{Box{x1, y1, x2, y2}, score, class_id};
}
}  // namespace

TEST(Iou, KnownOverlaps) {
  EXPECT_FLOAT_EQ(box_iou({0, 0, 10, 10}, {0, 0, 10, 10}), 1.f);
  EXPECT_FLOAT_EQ(box_iou({0, 0, 10, 10}, {5, 0, 15, 10}), 50.f / 150.f);
  EXPECT_FLOAT_EQ(box_iou({0, 0, 10, 10}, {20, 20, 30, 30}), 0.f);
  EXPECT_FLOAT_EQ(box_iou({0, 0, 0, 0}, {0, 0, 0, 0}), 0.f);  // degenerate boxes, no division by zero
}

TEST(Nms, OverlappingBoxesOfOneClassKeepTheBest) {
  const Detections kept =
      nms({det(0, 0, 10, 10, 0.6f, 0), det(1, 1, 11, 11, 0.9f, 0), det(50, 50, 60, 60, 0.5f, 0)}, 0.45f, 300);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_FLOAT_EQ(kept[0].score, 0.9f);
  EXPECT_FLOAT_EQ(kept[1].score, 0.5f);
}

TEST(Nms, ClassesDoNotSuppressEachOther) {
  const Detections kept = nms({det(0, 0, 10, 10, 0.9f, 0), det(0, 0, 10, 10, 0.8f, 1)}, 0.45f, 300);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].class_id, 0);
  EXPECT_EQ(kept[1].class_id, 1);
}

TEST(Nms, IouExactlyAtThresholdIsKept) {
  // IoU = 50/150 = 0.333...: suppressed only when strictly above the threshold.
  const Detections boxes{det(0, 0, 10, 10, 0.9f, 0), det(5, 0, 15, 10, 0.8f, 0)};
  EXPECT_EQ(nms(boxes, 50.f / 150.f, 300).size(), 2u);
  EXPECT_EQ(nms(boxes, 0.3f, 300).size(), 1u);
}

TEST(Nms, EqualScoresKeepInputOrder) {
  const Detections kept =
      nms({det(0, 0, 10, 10, 0.7f, 3), det(100, 0, 110, 10, 0.7f, 2), det(0, 0, 10, 10, 0.7f, 3)}, 0.45f, 300);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].class_id, 3);  // first of the tie, in input order
  EXPECT_EQ(kept[1].class_id, 2);
}

TEST(Nms, EmptyInputAndMaxDet) {
  EXPECT_TRUE(nms({}, 0.45f, 300).empty());
  Detections many;
  for (int i = 0; i < 10; ++i) many.push_back(det(i * 20.f, 0, i * 20.f + 10, 10, 0.1f * static_cast<float>(i + 1), 0));
  const Detections kept = nms(many, 0.45f, 3);
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_FLOAT_EQ(kept[0].score, 1.0f);
  EXPECT_FLOAT_EQ(kept[2].score, 0.8f);
}

}  // namespace smartcamrt
