#pragma once
// Per-tensor affine quantisation of 8-bit model inputs and outputs (real = (q - zero_point) * scale):
// the maths the Detector uses to feed a quantised model and to read its output, as pure functions so
// that it is tested without a model.
#include <array>
#include <cstddef>
#include <cstdint>

#include "smartcamrt/core/tensor.hpp"

namespace smartcamrt {

// uint8 and int8: the types these functions quantise to and dequantise from.
bool is_quantized_8bit(DType dtype);

// round(x / scale) + zero_point (halves away from zero, as TFLite rounds), clamped to the range of
// `dtype` (0..255 or -128..127). `quantization` must be present() and `dtype` 8-bit.
int32_t quantize(float x, const Quantization& quantization, DType dtype);

// (q - zero_point) * scale.
float dequantize(int32_t q, const Quantization& quantization);

// Dequantises `count` uint8 or int8 values at `data` into `out` (which holds `count` floats).
void dequantize(const void* data, DType dtype, size_t count, const Quantization& quantization, float* out);

// The tensor byte for each 8-bit pixel value p, quantised as the pixel's model value p / 255 (int8
// results in two's complement): quantising a letterboxed 8-bit image is one lookup per byte, and no
// pixel goes through a float.
using PixelQuantizationTable = std::array<uint8_t, 256>;
PixelQuantizationTable pixel_quantization_table(const Quantization& quantization, DType dtype);

// Whether the table maps every pixel to itself (uint8 with scale ~1/255 and zero point 0, the usual
// TFLite image input): then the letterboxed pixels already are the tensor.
bool is_identity(const PixelQuantizationTable& table);

// Replaces each of the `count` bytes with its table entry.
void apply_pixel_table(const PixelQuantizationTable& table, uint8_t* bytes, size_t count);

}  // namespace smartcamrt
