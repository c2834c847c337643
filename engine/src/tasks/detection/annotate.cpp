#include "smartcamrt/tasks/detection/annotate.hpp"

#include <cstdio>

#include <opencv2/imgproc.hpp>

namespace smartcamrt {
namespace {

cv::Scalar class_colour(int class_id) {
  // Spread hues by the golden angle so neighbouring class ids differ clearly.
  const int hue = static_cast<int>((class_id * 137.508) + 30) % 180;
  cv::Mat hsv(1, 1, CV_8UC3, cv::Scalar(hue, 200, 255));
  cv::Mat bgr;
  cv::cvtColor(hsv, bgr, cv::COLOR_HSV2BGR);
  const cv::Vec3b pixel = bgr.at<cv::Vec3b>(0, 0);
  return cv::Scalar(pixel[0], pixel[1], pixel[2]);
}

}  // namespace

void draw_detections(cv::Mat& bgr, const Detections& detections, const std::vector<std::string>& labels) {
  const int thickness = std::max(1, (bgr.cols + bgr.rows) / 600);
  const double font_scale = 0.4 * thickness;
  for (const Detection& detection : detections) {
    const cv::Scalar colour = class_colour(detection.class_id);
    const cv::Point top_left(static_cast<int>(detection.box.x1), static_cast<int>(detection.box.y1));
    const cv::Point bottom_right(static_cast<int>(detection.box.x2), static_cast<int>(detection.box.y2));
    cv::rectangle(bgr, top_left, bottom_right, colour, thickness, cv::LINE_AA);

    const std::string name = detection.class_id >= 0 && static_cast<size_t>(detection.class_id) < labels.size()
                                 ? labels[static_cast<size_t>(detection.class_id)]
                                 : std::to_string(detection.class_id);
    char caption[128];
    std::snprintf(caption, sizeof(caption), "%s %.2f", name.c_str(), detection.score);
    int baseline = 0;
    const cv::Size text = cv::getTextSize(caption, cv::FONT_HERSHEY_SIMPLEX, font_scale, 1, &baseline);
    const int text_top = std::max(0, top_left.y - text.height - baseline - 2);
    cv::rectangle(bgr, cv::Point(top_left.x, text_top),
                  cv::Point(top_left.x + text.width + 2, text_top + text.height + baseline + 2), colour, cv::FILLED);
    cv::putText(bgr, caption, cv::Point(top_left.x + 1, text_top + text.height + 1), cv::FONT_HERSHEY_SIMPLEX,
                font_scale, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
  }
}

}  // namespace smartcamrt
