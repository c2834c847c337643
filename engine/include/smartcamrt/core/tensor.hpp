#pragma once
// Tensors as they cross the Backend/Session boundary: a spec (name, dtype, shape), a non-owning
// view for inputs, and an owning tensor for outputs whose memory may belong to the runtime.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace smartcamrt {

enum class DType { kFloat32, kFloat16, kUInt8, kInt8, kInt32, kInt64, kUnknown };

const char* dtype_name(DType dtype);
size_t dtype_size(DType dtype);

using Shape = std::vector<int64_t>;

// Product of the dimensions; dynamic dimensions (< 0) count as 1.
int64_t element_count(const Shape& shape);
std::string shape_to_string(const Shape& shape);

// Per-tensor affine quantisation of a uint8/int8 tensor: real value = (q - zero_point) * scale.
// Carried on the spec, not only in a backend's metadata strings, because the caller has to quantise
// what it feeds in and dequantise what comes out (TFLite full-integer models take and give 8-bit
// tensors). Empty (scale 0) for float tensors and for backends that have no such parameters.
struct Quantization {
  float scale = 0.f;
  int32_t zero_point = 0;

  // A usable scale: positive (0 = none given; NaN and negative scales are unusable too).
  bool present() const { return scale > 0.f; }
};

struct TensorSpec {
  std::string name;
  DType dtype = DType::kUnknown;
  Shape shape;  // -1 marks a dynamic dimension
  Quantization quantization;
};

struct TensorView {
  DType dtype = DType::kFloat32;
  Shape shape;
  const void* data = nullptr;

  size_t byte_size() const { return static_cast<size_t>(element_count(shape)) * dtype_size(dtype); }
};

// An output tensor. `owner` keeps the memory alive (a runtime's value or a plain buffer), so a
// backend can hand out its own output memory without a copy.
class Tensor {
 public:
  Tensor() = default;
  Tensor(DType dtype, Shape shape, const void* data, std::shared_ptr<const void> owner)
      : dtype_(dtype), shape_(std::move(shape)), data_(data), owner_(std::move(owner)) {}

  // Allocates and copies: for backends that cannot lend their memory.
  static Tensor copy_of(DType dtype, Shape shape, const void* data);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  const void* data() const { return data_; }
  template <typename T>
  const T* data_as() const {
    return static_cast<const T*>(data_);
  }
  size_t byte_size() const { return static_cast<size_t>(element_count(shape_)) * dtype_size(dtype_); }

 private:
  DType dtype_ = DType::kUnknown;
  Shape shape_;
  const void* data_ = nullptr;
  std::shared_ptr<const void> owner_;
};

}  // namespace smartcamrt
