#include "smartcamrt/detector.hpp"

#include <filesystem>
#include <fstream>

#include "smartcamrt/error.hpp"
#include "smartcamrt/model_info.hpp"
#include "smartcamrt/yolo.hpp"

namespace smartcamrt {
namespace {

void check_model_file(const std::string& path) {
  std::error_code ec;
  if (path.empty()) throw Error("--model: no model file given");
  if (!std::filesystem::exists(path, ec)) throw Error("model '" + path + "': no such file");
  if (std::filesystem::is_directory(path, ec)) throw Error("model '" + path + "': is a directory, not a model file");
  if (std::filesystem::file_size(path, ec) == 0) throw Error("model '" + path + "': file is empty");
  std::ifstream probe(path, std::ios::binary);
  if (!probe) throw Error("model '" + path + "': cannot be read (permissions?)");
}

// An image model takes one float32 tensor, [1, 3, H, W] or (TFLite style) [1, H, W, 3].
void check_image_input(const std::string& path, const Session& session) {
  if (session.inputs().size() != 1) {
    throw Error("model '" + path + "': takes " + std::to_string(session.inputs().size()) +
                " inputs; a detector takes one image tensor [1,3,H,W]");
  }
  const TensorSpec& input = session.inputs()[0];
  const Shape& shape = input.shape;
  const bool batch_one = shape.size() == 4 && (shape[0] == 1 || shape[0] < 0);
  const bool nchw = batch_one && shape[1] == 3 && shape[2] > 0 && shape[3] > 0;
  const bool nhwc = batch_one && shape[3] == 3 && shape[1] > 0 && shape[2] > 0;
  const bool image_like = (nchw || nhwc) && input.dtype == DType::kFloat32;
  if (!image_like) {
    throw Error("model '" + path + "': input '" + input.name + "' is " + dtype_name(input.dtype) + " " +
                shape_to_string(shape) + ", not an image tensor float32 [1,3,H,W] or [1,H,W,3] with fixed H and W");
  }
}

void check_yolo_output(const std::string& path, const Session& session) {
  if (session.outputs().empty()) throw Error("model '" + path + "': has no outputs");
  const TensorSpec& output = session.outputs()[0];
  const Shape& shape = output.shape;
  const bool yolo_like = shape.size() == 3 && (shape[2] < 0 || shape[2] >= 6) && output.dtype == DType::kFloat32;
  if (!yolo_like) {
    throw Error("model '" + path + "': output '" + output.name + "' is " + dtype_name(output.dtype) + " " +
                shape_to_string(shape) + ", not a YOLOv5 detection tensor float32 [1,N,5+classes]");
  }
}

ModelInfo describe_model(const DetectorConfig& config, const std::string& runtime, const Session& session) {
  ModelInfo info;
  info.path = config.model_path;
  info.name = std::filesystem::path(config.model_path).filename().string();
  info.runtime = runtime;
  const Shape& input = session.inputs()[0].shape;
  info.input_nhwc = input[1] != 3;  // check_image_input accepted one of the two layouts
  info.input_height = static_cast<int>(info.input_nhwc ? input[1] : input[2]);
  info.input_width = static_cast<int>(info.input_nhwc ? input[2] : input[3]);
  info.precision = "fp32";

  const auto manifest = read_manifest(config.model_path);
  if (manifest) {
    if (!manifest->precision.empty()) info.precision = manifest->precision;
    info.labels = manifest->labels;
    if (manifest->parity) {
      info.parity = (manifest->parity->passed ? "passed: " : "FAILED: ") + manifest->parity->summary;
      if (!manifest->parity->passed && !config.force) {
        throw Error("model '" + config.model_path + "': its manifest records a failed parity check (" +
                    manifest->parity->summary + "); pass --force to run it anyway");
      }
    }
  }
  if (info.labels.empty()) {
    const auto metadata = session.metadata();
    const auto names = metadata.find("names");
    if (names != metadata.end()) info.labels = parse_label_metadata(names->second);
  }
  const int64_t row_size = session.outputs()[0].shape[2];
  const size_t class_count = row_size > 5 ? static_cast<size_t>(row_size - 5) : info.labels.size();
  for (size_t i = info.labels.size(); i < class_count; ++i) info.labels.push_back("class" + std::to_string(i));
  return info;
}

}  // namespace

std::unique_ptr<Detector> Detector::Create(const DetectorConfig& config) {
  check_model_file(config.model_path);
  if (!(config.conf_threshold >= 0.f && config.conf_threshold <= 1.f)) {
    throw Error("--conf " + std::to_string(config.conf_threshold) + ": must be between 0 and 1");
  }
  if (!(config.iou_threshold >= 0.f && config.iou_threshold <= 1.f)) {
    throw Error("--iou " + std::to_string(config.iou_threshold) + ": must be between 0 and 1");
  }
  const BackendRegistry& registry = BackendRegistry::instance();
  const Backend& backend =
      config.runtime.empty() ? registry.for_model(config.model_path) : registry.require(config.runtime);
  std::unique_ptr<Session> session = backend.open(config.model_path, config.session);
  check_image_input(config.model_path, *session);
  check_yolo_output(config.model_path, *session);
  ModelInfo info = describe_model(config, backend.name(), *session);
  return std::unique_ptr<Detector>(new Detector(config, std::move(session), std::move(info)));
}

Detector::Detector(const DetectorConfig& config, std::unique_ptr<Session> session, ModelInfo info)
    : config_(config),
      session_(std::move(session)),
      info_(std::move(info)),
      input_(static_cast<size_t>(3) * static_cast<size_t>(info_.input_width) *
             static_cast<size_t>(info_.input_height)) {}

LetterboxMeta Detector::preprocess(const cv::Mat& bgr) {
  const LetterboxMeta meta = compute_letterbox(bgr.cols, bgr.rows, info_.input_width, info_.input_height);
  if (info_.input_nhwc) {
    letterbox_to_hwc(bgr, meta, input_.data());
  } else {
    letterbox_to_chw(bgr, meta, input_.data());
  }
  return meta;
}

void Detector::infer() {
  const Shape shape = info_.input_nhwc ? Shape{1, info_.input_height, info_.input_width, 3}
                                       : Shape{1, 3, info_.input_height, info_.input_width};
  const TensorView view{DType::kFloat32, shape, input_.data()};
  outputs_ = session_->run({view});
}

Detections Detector::postprocess(const LetterboxMeta& meta) {
  if (outputs_.empty()) throw Error("detector: postprocess called before infer");
  const Tensor& output = outputs_[0];
  const Shape& shape = output.shape();
  if (shape.size() != 3 || shape[2] < 6 || output.dtype() != DType::kFloat32) {
    throw Error("model '" + info_.path + "': produced output " + shape_to_string(shape) + ", not [1,N,5+classes]");
  }
  YoloDecodeOptions options;
  options.conf_threshold = config_.conf_threshold;
  const auto rows = static_cast<size_t>(shape[1]);
  const auto row_size = static_cast<size_t>(shape[2]);
  Detections candidates = decode_yolov5(output.data_as<float>(), rows, row_size, options);
  if (yolo_boxes_normalized(output.data_as<float>(), rows, row_size)) {
    const auto w = static_cast<float>(info_.input_width), h = static_cast<float>(info_.input_height);
    for (Detection& c : candidates) c.box = Box{c.box.x1 * w, c.box.y1 * h, c.box.x2 * w, c.box.y2 * h};
  }
  Detections detections = nms(candidates, config_.iou_threshold, config_.max_det);
  for (Detection& detection : detections) detection.box = to_source(detection.box, meta);
  return detections;
}

Detections Detector::detect(const cv::Mat& bgr) {
  const LetterboxMeta meta = preprocess(bgr);
  infer();
  return postprocess(meta);
}

}  // namespace smartcamrt
