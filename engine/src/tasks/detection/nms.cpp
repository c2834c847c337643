#include <algorithm>
#include <numeric>

#include "smartcamrt/tasks/detection/detection.hpp"

namespace smartcamrt {

float box_area(const Box& box) { return std::max(0.f, box.x2 - box.x1) * std::max(0.f, box.y2 - box.y1); }

float box_iou(const Box& a, const Box& b) {
  const Box overlap{std::max(a.x1, b.x1), std::max(a.y1, b.y1), std::min(a.x2, b.x2), std::min(a.y2, b.y2)};
  const float intersection = box_area(overlap);
  const float united = box_area(a) + box_area(b) - intersection;
  return united > 0.f ? intersection / united : 0.f;
}

Detections nms(const Detections& candidates, float iou_threshold, size_t max_det) {
  std::vector<size_t> order(candidates.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return candidates[a].score > candidates[b].score; });
  Detections kept;
  std::vector<bool> suppressed(candidates.size(), false);
  for (size_t i = 0; i < order.size() && kept.size() < max_det; ++i) {
    if (suppressed[order[i]]) continue;
    const Detection& best = candidates[order[i]];
    kept.push_back(best);
    for (size_t j = i + 1; j < order.size(); ++j) {
      const Detection& other = candidates[order[j]];
      if (!suppressed[order[j]] && other.class_id == best.class_id && box_iou(best.box, other.box) > iou_threshold) {
        suppressed[order[j]] = true;
      }
    }
  }
  return kept;
}

}  // namespace smartcamrt
