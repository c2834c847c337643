#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "smartcamrt/tasks/detection/letterbox.hpp"

namespace smartcamrt {

struct Detection {
  Box box;  // x1,y1 top-left; x2,y2 bottom-right
  float score = 0.f;
  int class_id = 0;
};

using Detections = std::vector<Detection>;

float box_area(const Box& box);
float box_iou(const Box& a, const Box& b);

// Class-aware non-maximum suppression: a box suppresses only lower-scored boxes of its own class
// whose IoU with it exceeds `iou_threshold`. Keeps at most `max_det`, highest score first; equal
// scores keep their input order, so results are deterministic.
Detections nms(const Detections& candidates, float iou_threshold, size_t max_det);

}  // namespace smartcamrt
