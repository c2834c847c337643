#pragma once
// Two runtimes' detections of the same image compared object by object: each expected detection
// must be matched, one to one, by a found detection of its class within an IoU and score tolerance.
#include <string>
#include <vector>

#include "smartcamrt/tasks/detection/detection.hpp"

namespace smartcamrt::testing {

struct MatchTolerance {
  float min_iou = 0.9f;
  float max_score_diff = 0.02f;
};

// One line per expected detection that nothing in `found` matches (empty when all match).
std::vector<std::string> unmatched_detections(const Detections& expected, const Detections& found,
                                              const MatchTolerance& tolerance);

}  // namespace smartcamrt::testing
