#pragma once
// YOLOv5 output decoding. The exported head gives one row per anchor:
// (cx, cy, w, h in model-input pixels, objectness, class probabilities...).
#include <cstddef>

#include "smartcamrt/detection.hpp"

namespace smartcamrt {

struct YoloDecodeOptions {
  float conf_threshold = 0.25f;   // on objectness * class probability
  size_t max_candidates = 30000;  // before NMS, highest scores kept (YOLOv5's max_nms)
};

// Candidates in model-input pixels, best class per row (YOLOv5's single-label mode).
Detections decode_yolov5(const float* rows, size_t row_count, size_t row_size, const YoloDecodeOptions& options);

}  // namespace smartcamrt
