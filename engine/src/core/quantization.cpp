#include "smartcamrt/core/quantization.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace smartcamrt {

bool is_quantized_8bit(DType dtype) { return dtype == DType::kUInt8 || dtype == DType::kInt8; }

int32_t quantize(float x, const Quantization& quantization, DType dtype) {
  const double lowest = dtype == DType::kInt8 ? -128.0 : 0.0;
  const double highest = dtype == DType::kInt8 ? 127.0 : 255.0;
  // In double and clamped before the conversion: a huge x / scale must not overflow int32.
  const double q = std::round(static_cast<double>(x) / static_cast<double>(quantization.scale)) +
                   static_cast<double>(quantization.zero_point);
  return static_cast<int32_t>(std::clamp(q, lowest, highest));
}

float dequantize(int32_t q, const Quantization& quantization) {
  return static_cast<float>(q - quantization.zero_point) * quantization.scale;
}

namespace {

template <typename T>
void dequantize_values(const T* values, size_t count, const Quantization& quantization, float* out) {
  const float scale = quantization.scale;
  const auto zero_point = static_cast<float>(quantization.zero_point);
  // Same result as dequantize() per value (exact small integers in float); written out so the loop vectorises.
  for (size_t i = 0; i < count; ++i) out[i] = (static_cast<float>(values[i]) - zero_point) * scale;
}

}  // namespace

void dequantize(const void* data, DType dtype, size_t count, const Quantization& quantization, float* out) {
  if (dtype == DType::kInt8) {
    dequantize_values(static_cast<const int8_t*>(data), count, quantization, out);
  } else {
    dequantize_values(static_cast<const uint8_t*>(data), count, quantization, out);
  }
}

PixelQuantizationTable pixel_quantization_table(const Quantization& quantization, DType dtype) {
  PixelQuantizationTable table{};
  for (int pixel = 0; pixel < 256; ++pixel) {
    const int32_t q = quantize(static_cast<float>(pixel) / 255.f, quantization, dtype);
    if (dtype == DType::kInt8) {
      const auto value = static_cast<int8_t>(q);
      std::memcpy(&table[static_cast<size_t>(pixel)], &value, 1);  // the int8's byte, as the tensor holds it
    } else {
      table[static_cast<size_t>(pixel)] = static_cast<uint8_t>(q);
    }
  }
  return table;
}

bool is_identity(const PixelQuantizationTable& table) {
  for (size_t pixel = 0; pixel < table.size(); ++pixel) {
    if (table[pixel] != pixel) return false;
  }
  return true;
}

void apply_pixel_table(const PixelQuantizationTable& table, uint8_t* bytes, size_t count) {
  for (size_t i = 0; i < count; ++i) bytes[i] = table[bytes[i]];
}

}  // namespace smartcamrt
