#include "smartcamrt/tasks/detection/yolo.hpp"

#include <algorithm>

namespace smartcamrt {

bool yolo_boxes_normalized(const float* rows, size_t row_count, size_t row_size) {
  if (row_count == 0 || row_size < 1) return false;
  return rows[(row_count - 1) * row_size] < 2.f;
}

Detections decode_yolov5(const float* rows, size_t row_count, size_t row_size, const YoloDecodeOptions& options) {
  Detections candidates;
  if (row_size < 6) return candidates;
  const size_t class_count = row_size - 5;
  for (size_t r = 0; r < row_count; ++r) {
    const float* row = rows + r * row_size;
    const float objectness = row[4];
    // score = objectness * class probability <= objectness: most rows end here.
    if (objectness <= options.conf_threshold) continue;
    const float* classes = row + 5;
    const size_t best = static_cast<size_t>(std::max_element(classes, classes + class_count) - classes);
    const float score = objectness * classes[best];
    if (score <= options.conf_threshold) continue;
    const float cx = row[0], cy = row[1], half_w = row[2] * 0.5f, half_h = row[3] * 0.5f;
    candidates.push_back(
        Detection{Box{cx - half_w, cy - half_h, cx + half_w, cy + half_h}, score, static_cast<int>(best)});
  }
  if (candidates.size() > options.max_candidates) {
    std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(options.max_candidates),
                      candidates.end(), [](const Detection& a, const Detection& b) { return a.score > b.score; });
    candidates.resize(options.max_candidates);
  }
  return candidates;
}

}  // namespace smartcamrt
