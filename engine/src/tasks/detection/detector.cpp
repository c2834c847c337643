#include "smartcamrt/tasks/detection/detector.hpp"

#include <filesystem>
#include <fstream>

#include "smartcamrt/core/error.hpp"
#include "smartcamrt/core/model_info.hpp"
#include "smartcamrt/core/quantization.hpp"
#include "smartcamrt/tasks/detection/yolo.hpp"

namespace smartcamrt {
namespace {

// float32, or uint8/int8 with the per-tensor scale needed to map values to and from the tensor.
// `role` and `use` word the error: ("input", "to quantise the image into it").
void check_quantization(const std::string& path, const TensorSpec& spec, const char* role, const char* use) {
  if (is_quantized_8bit(spec.dtype) && !spec.quantization.present()) {
    throw Error("model '" + path + "': " + role + " '" + spec.name + "' is " + dtype_name(spec.dtype) +
                " without a per-tensor quantisation scale, needed " + use);
  }
}

bool supported_type(DType dtype) { return dtype == DType::kFloat32 || is_quantized_8bit(dtype); }

// An image model takes one tensor, [1, 3, H, W] or (TFLite style) [1, H, W, 3].
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
  const bool image_like = (nchw || nhwc) && supported_type(input.dtype);
  if (!image_like) {
    throw Error("model '" + path + "': input '" + input.name + "' is " + dtype_name(input.dtype) + " " +
                shape_to_string(shape) +
                ", not an image tensor float32, uint8 or int8 [1,3,H,W] or [1,H,W,3] with fixed H and W");
  }
  check_quantization(path, input, "input", "to quantise the image into it");
}

void check_yolo_output(const std::string& path, const Session& session) {
  if (session.outputs().empty()) throw Error("model '" + path + "': has no outputs");
  const TensorSpec& output = session.outputs()[0];
  const Shape& shape = output.shape;
  const bool yolo_like = shape.size() == 3 && (shape[2] < 0 || shape[2] >= 6) && supported_type(output.dtype);
  if (!yolo_like) {
    throw Error("model '" + path + "': output '" + output.name + "' is " + dtype_name(output.dtype) + " " +
                shape_to_string(shape) + ", not a YOLOv5 detection tensor float32, uint8 or int8 [1,N,5+classes]");
  }
  check_quantization(path, output, "output", "to dequantise it for the decoder");
}

// Without a manifest the tensors are all there is to go by: a quantised model reports its 8-bit
// type (the input's first: TFLite full-integer exports with uint8 input report "uint8").
std::string precision_of_tensors(const Session& session) {
  for (const TensorSpec* spec : {&session.inputs()[0], &session.outputs()[0]}) {
    if (is_quantized_8bit(spec->dtype)) return dtype_name(spec->dtype);
  }
  return "fp32";
}

DetectorInfo describe_model(const DetectorConfig& config, const std::string& runtime, const Session& session) {
  DetectorInfo info;
  info.path = config.model_path;
  info.task = "detection";
  info.name = std::filesystem::path(config.model_path).filename().string();
  info.runtime = runtime;
  const Shape& input = session.inputs()[0].shape;
  info.input_nhwc = input[1] != 3;  // check_image_input accepted one of the two layouts
  info.input_height = static_cast<int>(info.input_nhwc ? input[1] : input[2]);
  info.input_width = static_cast<int>(info.input_nhwc ? input[2] : input[3]);
  info.input = std::to_string(info.input_width) + "x" + std::to_string(info.input_height);
  info.precision = precision_of_tensors(session);

  const auto manifest = read_manifest(config.model_path);
  if (manifest) {
    if (!manifest->precision.empty()) info.precision = manifest->precision;
    info.labels = manifest->labels;
    info.manifest = manifest;
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
  DetectorInfo info = describe_model(config, backend.name(), *session);
  return std::unique_ptr<Detector>(new Detector(config, std::move(session), std::move(info)));
}

Detector::Detector(const DetectorConfig& config, std::unique_ptr<Session> session, DetectorInfo info)
    : config_(config), session_(std::move(session)), info_(std::move(info)) {
  const size_t input_size =
      static_cast<size_t>(3) * static_cast<size_t>(info_.input_width) * static_cast<size_t>(info_.input_height);
  const TensorSpec& input = session_->inputs()[0];
  input_dtype_ = input.dtype;
  if (input_dtype_ == DType::kFloat32) {
    input_.resize(input_size);
  } else {
    input_bytes_.resize(input_size);
    input_table_ = pixel_quantization_table(input.quantization, input_dtype_);
    input_table_is_identity_ = is_identity(input_table_);
  }
}

LetterboxMeta Detector::preprocess(const cv::Mat& bgr) {
  const LetterboxMeta meta = compute_letterbox(bgr.cols, bgr.rows, info_.input_width, info_.input_height);
  const bool border_survives = input_dtype_ == DType::kFloat32 || input_table_is_identity_;
  const LetterboxBorder border =
      border_survives && bordered_for_ == bgr.size() ? LetterboxBorder::kKeep : LetterboxBorder::kPaint;
  bordered_for_ = cv::Size{};  // unknown until the letterbox below has written it (it throws on a bad image)
  if (input_dtype_ == DType::kFloat32) {
    if (info_.input_nhwc) {
      letterbox_to_hwc(bgr, meta, input_.data(), border);
    } else {
      letterbox_to_chw(bgr, meta, input_.data(), border);
    }
  } else {
    if (info_.input_nhwc) {
      letterbox_to_hwc(bgr, meta, input_bytes_.data(), border);
    } else {
      letterbox_to_chw(bgr, meta, input_bytes_.data(), border);
    }
    if (!input_table_is_identity_) apply_pixel_table(input_table_, input_bytes_.data(), input_bytes_.size());
  }
  if (border_survives) bordered_for_ = bgr.size();
  return meta;
}

void Detector::infer() {
  const Shape shape = info_.input_nhwc ? Shape{1, info_.input_height, info_.input_width, 3}
                                       : Shape{1, 3, info_.input_height, info_.input_width};
  const void* data = input_dtype_ == DType::kFloat32 ? static_cast<const void*>(input_.data()) : input_bytes_.data();
  outputs_ = session_->run({TensorView{input_dtype_, shape, data}});
}

Detections Detector::postprocess(const LetterboxMeta& meta) {
  if (outputs_.empty()) throw Error("detector: postprocess called before infer");
  const Tensor& output = outputs_[0];
  const TensorSpec& spec = session_->outputs()[0];
  const Shape& shape = output.shape();
  if (shape.size() != 3 || shape[2] < 6 || output.dtype() != spec.dtype) {
    throw Error("model '" + info_.path + "': produced output " + dtype_name(output.dtype()) + " " +
                shape_to_string(shape) + ", not " + dtype_name(spec.dtype) + " [1,N,5+classes]");
  }
  YoloDecodeOptions options;
  options.conf_threshold = config_.conf_threshold;
  const auto rows = static_cast<size_t>(shape[1]);
  const auto row_size = static_cast<size_t>(shape[2]);
  const float* values = nullptr;
  size_t decoded_rows = rows;
  bool normalized = false;
  if (is_quantized_8bit(output.dtype())) {
    // Into floats for the one decoder, but only the rows whose objectness passes the threshold (a
    // score is objectness x class probability <= objectness, so no other row can give a detection):
    // the decoder sees the same passing rows in the same order, and the other ~99% are never converted.
    const auto* bytes = static_cast<const unsigned char*>(output.data());
    const auto value_at = [&](size_t index) {
      const int32_t q =
          output.dtype() == DType::kInt8 ? static_cast<int8_t>(bytes[index]) : static_cast<int32_t>(bytes[index]);
      return dequantize(q, spec.quantization);
    };
    normalized = rows > 0 && value_at((rows - 1) * row_size) < 2.f;  // yolo_boxes_normalized on one value
    dequantized_output_.resize(rows * row_size);
    decoded_rows = 0;
    for (size_t r = 0; r < rows; ++r) {
      if (!(value_at(r * row_size + 4) > options.conf_threshold)) continue;
      dequantize(bytes + r * row_size, output.dtype(), row_size, spec.quantization,
                 dequantized_output_.data() + decoded_rows * row_size);
      ++decoded_rows;
    }
    values = dequantized_output_.data();
  } else {
    values = output.data_as<float>();
    normalized = yolo_boxes_normalized(values, rows, row_size);
  }
  Detections candidates = decode_yolov5(values, decoded_rows, row_size, options);
  if (normalized) {
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
