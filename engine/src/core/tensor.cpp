#include "smartcamrt/core/tensor.hpp"

#include <cstring>
#include <sstream>

namespace smartcamrt {

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return "float32";
    case DType::kFloat16: return "float16";
    case DType::kUInt8: return "uint8";
    case DType::kInt8: return "int8";
    case DType::kInt32: return "int32";
    case DType::kInt64: return "int64";
    case DType::kUnknown: break;
  }
  return "unknown";
}

size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return 4;
    case DType::kFloat16: return 2;
    case DType::kUInt8: return 1;
    case DType::kInt8: return 1;
    case DType::kInt32: return 4;
    case DType::kInt64: return 8;
    case DType::kUnknown: break;
  }
  return 0;
}

int64_t element_count(const Shape& shape) {
  int64_t count = 1;
  for (int64_t dim : shape) count *= dim > 0 ? dim : 1;
  return count;
}

std::string shape_to_string(const Shape& shape) {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) out << ',';
    if (shape[i] < 0) {
      out << '?';
    } else {
      out << shape[i];
    }
  }
  out << ']';
  return out.str();
}

Tensor Tensor::copy_of(DType dtype, Shape shape, const void* data) {
  const size_t bytes = static_cast<size_t>(element_count(shape)) * dtype_size(dtype);
  auto buffer = std::shared_ptr<unsigned char>(new unsigned char[bytes], std::default_delete<unsigned char[]>());
  if (bytes) std::memcpy(buffer.get(), data, bytes);
  const void* raw = buffer.get();
  return Tensor(dtype, std::move(shape), raw, std::shared_ptr<const void>(buffer, raw));
}

}  // namespace smartcamrt
