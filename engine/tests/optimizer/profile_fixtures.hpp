#pragma once
// Prepared models for the profile tests: tiny constant YOLO models (tests/support/tiny_onnx.hpp) with a
// manifest written by hand, as the export tooling writes one, and a folder of frames to time them on.
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "smartcamrt/core/sha256.hpp"
#include "smartcamrt/optimizer/profile.hpp"

#include "../support/tiny_onnx.hpp"

namespace smartcamrt::testing {

struct TinyManifest {
  bool parity_passed = true;
  std::string task = "detection";
  std::optional<double> map50_95;   // ground truth, when the evaluator ran
  std::optional<double> agreement;  // the parity gate's agreement with the source model
  std::string sha256;               // empty: the file's own
};

// A 1-class constant YOLO model of `input_size` (its single row varies with `seed`, so that two
// models hash differently), with its manifest unless `manifest` is empty.
inline std::string save_tiny_prepared_model(const std::string& path, int input_size,
                                            const std::optional<TinyManifest>& manifest, float seed = 0.f) {
  save_constant_yolo_model(path, input_size, {seed, 0, 0, 0, 0, 0}, 6);
  if (!manifest) return path;
  nlohmann::json parity = {{"passed", manifest->parity_passed}, {"reference", "pytorch"}};
  if (manifest->agreement) parity["detection_agreement"] = {{"metric", "mAP50"}, {"value", *manifest->agreement}};
  nlohmann::json doc = {{"name", "tiny"},
                        {"format", "onnx"},
                        {"precision", "fp32"},
                        {"task", manifest->task},
                        {"file", path.substr(path.find_last_of('/') + 1)},
                        {"sha256", manifest->sha256.empty() ? sha256_file(path) : manifest->sha256},
                        {"source", {{"path", "/somewhere/yolov5n.pt"}}},
                        {"input", {{"shape", {1, 3, input_size, input_size}}}},
                        {"labels", {"person"}},
                        {"parity", parity}};
  if (manifest->map50_95) doc["accuracy"] = {{"mAP50-95", *manifest->map50_95}};
  std::ofstream(path + ".json") << doc.dump(2);
  return path;
}

// A folder of `count` small frames: an image-folder source, so the tests need no video asset.
inline std::string save_frames(const std::string& dir, int count) {
  for (int i = 0; i < count; ++i) {
    const cv::Mat image(48, 64, CV_8UC3, cv::Scalar(20 * i, 100, 200));
    cv::imwrite(dir + "/frame" + std::to_string(i) + ".png", image);
  }
  return dir;
}

// A profile row written by hand (as if measured): a 64x64 fp32 detector, e2e = infer, p50 half the p95.
inline ProfiledConfiguration profiled_configuration(const std::string& id, const std::string& model,
                                                    const std::string& runtime, int threads, double accuracy,
                                                    double p95_ms, const std::string& metric) {
  ProfiledConfiguration c;
  c.id = id;
  c.model = model;
  c.runtime = runtime;
  c.threads = threads;
  c.precision = "fp32";
  c.input = "64x64";
  c.task = "detection";
  c.e2e_p50_ms = c.infer_p50_ms = p95_ms / 2;
  c.e2e_p95_ms = c.infer_p95_ms = p95_ms;
  c.accuracy = accuracy;
  c.accuracy_metric = metric;
  return c;
}

}  // namespace smartcamrt::testing
