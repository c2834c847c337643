#include "detection_match.hpp"

#include <cmath>

namespace smartcamrt::testing {

std::vector<std::string> unmatched_detections(const Detections& expected, const Detections& found,
                                              const MatchTolerance& tolerance) {
  std::vector<std::string> unmatched;
  std::vector<bool> taken(found.size(), false);
  for (const Detection& want : expected) {
    bool any = false;
    for (size_t i = 0; i < found.size() && !any; ++i) {
      if (taken[i] || found[i].class_id != want.class_id) continue;
      if (box_iou(found[i].box, want.box) >= tolerance.min_iou &&
          std::abs(found[i].score - want.score) <= tolerance.max_score_diff) {
        taken[i] = any = true;
      }
    }
    if (!any) {
      unmatched.push_back("class " + std::to_string(want.class_id) + " score " + std::to_string(want.score));
    }
  }
  return unmatched;
}

}  // namespace smartcamrt::testing
