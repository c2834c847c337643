#pragma once
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "smartcamrt/tasks/detection/detection.hpp"

namespace smartcamrt {

// Draws boxes with "label score" captions, one stable colour per class.
void draw_detections(cv::Mat& bgr, const Detections& detections, const std::vector<std::string>& labels);

}  // namespace smartcamrt
