#pragma once
// YOLOv5 output decoding. The exported head gives one row per anchor:
// (cx, cy, w, h in model-input pixels, objectness, class probabilities...).
#include <cstddef>

#include "smartcamrt/tasks/detection/detection.hpp"

namespace smartcamrt {

struct YoloDecodeOptions {
  float conf_threshold = 0.25f;   // on objectness * class probability
  size_t max_candidates = 30000;  // before NMS, highest scores kept (YOLOv5's max_nms)
};

// Whether the rows hold boxes normalised to 0..1 (Ultralytics' TF/TFLite exports divide xywh by the
// image size) rather than input pixels. Structural, not content-based: the last row belongs to the
// bottom-right cell of the finest grid, so its centre x is close to the input width in pixels and
// below 1 when normalised.
bool yolo_boxes_normalized(const float* rows, size_t row_count, size_t row_size);

// Candidates in model-input pixels, best class per row (YOLOv5's single-label mode).
Detections decode_yolov5(const float* rows, size_t row_count, size_t row_size, const YoloDecodeOptions& options);

}  // namespace smartcamrt
