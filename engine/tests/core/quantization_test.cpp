#include "smartcamrt/core/quantization.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace smartcamrt {
namespace {

int8_t as_int8(uint8_t byte) {
  int8_t value = 0;
  std::memcpy(&value, &byte, 1);
  return value;
}

}  // namespace

TEST(Quantization, OnlyAPositiveScaleIsPresent) {
  EXPECT_FALSE(Quantization{}.present());
  EXPECT_FALSE((Quantization{-0.5f, 0}.present()));
  EXPECT_TRUE((Quantization{0.5f, 0}.present()));
  EXPECT_TRUE(is_quantized_8bit(DType::kUInt8));
  EXPECT_TRUE(is_quantized_8bit(DType::kInt8));
  EXPECT_FALSE(is_quantized_8bit(DType::kFloat32));
  EXPECT_FALSE(is_quantized_8bit(DType::kInt32));
}

TEST(Quantization, QuantizeDividesRoundsHalfAwayFromZeroAndAddsTheZeroPoint) {
  const Quantization q{0.5f, 10};
  EXPECT_EQ(quantize(1.f, q, DType::kUInt8), 12);
  EXPECT_EQ(quantize(0.74f, q, DType::kUInt8), 11);  // 1.48 -> 1
  EXPECT_EQ(quantize(0.75f, q, DType::kUInt8), 12);  // 1.5 -> 2
  EXPECT_EQ(quantize(-0.75f, q, DType::kUInt8), 8);  // -1.5 -> -2
  EXPECT_EQ(quantize(-0.75f, q, DType::kInt8), 8);   // same arithmetic, in range for both
  EXPECT_EQ(quantize(0.f, Quantization{0.1f, -3}, DType::kInt8), -3);
}

TEST(Quantization, QuantizeClampsToTheRangeOfTheType) {
  const Quantization q{0.01f, 0};
  EXPECT_EQ(quantize(1000.f, q, DType::kUInt8), 255);
  EXPECT_EQ(quantize(-1000.f, q, DType::kUInt8), 0);
  EXPECT_EQ(quantize(1000.f, q, DType::kInt8), 127);
  EXPECT_EQ(quantize(-1000.f, q, DType::kInt8), -128);
  EXPECT_EQ(quantize(1e30f, q, DType::kInt8), 127);                        // far past int32 after the division
  EXPECT_EQ(quantize(2.f, Quantization{0.01f, 100}, DType::kUInt8), 255);  // 200 + 100, clamped
}

TEST(Quantization, DequantizeSubtractsTheZeroPointThenScales) {
  EXPECT_FLOAT_EQ(dequantize(12, Quantization{0.5f, 10}), 1.f);
  EXPECT_FLOAT_EQ(dequantize(0, Quantization{0.5f, 10}), -5.f);
  EXPECT_FLOAT_EQ(dequantize(-128, Quantization{0.25f, -100}), -7.f);

  const std::vector<uint8_t> bytes{0, 3, 255};
  const std::vector<int8_t> signed_bytes{-128, 3, 127};
  std::vector<float> out(3);
  dequantize(bytes.data(), DType::kUInt8, bytes.size(), Quantization{0.5f, 3}, out.data());
  EXPECT_EQ(out, (std::vector<float>{-1.5f, 0.f, 126.f}));
  dequantize(signed_bytes.data(), DType::kInt8, signed_bytes.size(), Quantization{0.5f, 3}, out.data());
  EXPECT_EQ(out, (std::vector<float>{-65.5f, 0.f, 62.f}));  // read as signed, not as 128 and 255
}

TEST(Quantization, RoundTripIsExactOnTheGridAndWithinHalfAStepBetween) {
  for (const DType dtype : {DType::kUInt8, DType::kInt8}) {
    const Quantization q{0.0045f, dtype == DType::kInt8 ? -125 : 3};  // like a YOLOv5 output tensor
    const int lowest = dtype == DType::kInt8 ? -128 : 0;
    for (int value = lowest; value < lowest + 256; ++value) {
      ASSERT_EQ(quantize(dequantize(value, q), q, dtype), value) << dtype_name(dtype);
    }
    // Every x that the type can represent comes back within half a step.
    const float low = dequantize(lowest, q), high = dequantize(lowest + 255, q);
    for (float x = low; x <= high; x += 0.0007f) {
      ASSERT_NEAR(dequantize(quantize(x, q, dtype), q), x, q.scale / 2 + 1e-6f) << dtype_name(dtype) << " " << x;
    }
  }
}

TEST(Quantization, UsualUint8ImageInputIsTheIdentityOnPixels) {
  // 1/255 as float, and the value TFLite exports store (0.003921568859368563).
  for (const float scale : {1.f / 255.f, 0.003921568859368563f}) {
    const PixelQuantizationTable table = pixel_quantization_table(Quantization{scale, 0}, DType::kUInt8);
    EXPECT_TRUE(is_identity(table)) << scale;
    EXPECT_EQ(table[114], 114);
  }
  EXPECT_FALSE(is_identity(pixel_quantization_table(Quantization{1.f / 255.f, 1}, DType::kUInt8)));
  EXPECT_FALSE(is_identity(pixel_quantization_table(Quantization{2.f / 255.f, 0}, DType::kUInt8)));
}

TEST(Quantization, PixelTableQuantisesEachPixelValueForTheType) {
  // int8 image input as TFLite converters make it: scale 1/255, zero point -128, so q = p - 128.
  const PixelQuantizationTable int8_table = pixel_quantization_table(Quantization{1.f / 255.f, -128}, DType::kInt8);
  for (int pixel = 0; pixel < 256; ++pixel) {
    ASSERT_EQ(as_int8(int8_table[static_cast<size_t>(pixel)]), pixel - 128) << pixel;
  }
  // A coarser uint8 input: q = round(p / 255 / (3 / 255)) + 10 = round(p / 3) + 10.
  const PixelQuantizationTable coarse = pixel_quantization_table(Quantization{3.f / 255.f, 10}, DType::kUInt8);
  EXPECT_EQ(coarse[0], 10);
  EXPECT_EQ(coarse[100], 43);  // 33.3 rounds down
  EXPECT_EQ(coarse[101], 44);  // 33.7 rounds up
  EXPECT_EQ(coarse[255], 95);
  // Clamped at the top of either type.
  const PixelQuantizationTable shifted = pixel_quantization_table(Quantization{1.f / 255.f, 200}, DType::kUInt8);
  EXPECT_EQ(shifted[54], 254);
  EXPECT_EQ(shifted[55], 255);
  EXPECT_EQ(shifted[255], 255);
  const PixelQuantizationTable clamped = pixel_quantization_table(Quantization{0.5f / 255.f, 0}, DType::kInt8);
  EXPECT_EQ(as_int8(clamped[63]), 126);
  EXPECT_EQ(as_int8(clamped[64]), 127);
  EXPECT_EQ(as_int8(clamped[255]), 127);

  std::vector<uint8_t> bytes{0, 100, 101, 255};
  apply_pixel_table(coarse, bytes.data(), bytes.size());
  EXPECT_EQ(bytes, (std::vector<uint8_t>{10, 43, 44, 95}));
}

}  // namespace smartcamrt
