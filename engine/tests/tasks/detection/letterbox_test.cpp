#include "smartcamrt/tasks/detection/letterbox.hpp"

#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "smartcamrt/core/error.hpp"

namespace smartcamrt {

TEST(Letterbox, PortraitImageIsPaddedLeftAndRight) {
  const LetterboxMeta meta = compute_letterbox(810, 1080, 640, 640);  // bus.jpg
  EXPECT_FLOAT_EQ(meta.scale, 640.f / 1080.f);
  EXPECT_EQ(meta.resized_height, 640);
  EXPECT_EQ(meta.resized_width, 480);
  EXPECT_FLOAT_EQ(meta.pad_x, 80.f);
  EXPECT_FLOAT_EQ(meta.pad_y, 0.f);
}

TEST(Letterbox, LandscapeImageIsPaddedTopAndBottom) {
  const LetterboxMeta meta = compute_letterbox(768, 576, 640, 640);  // vtest.avi
  EXPECT_EQ(meta.resized_width, 640);
  EXPECT_EQ(meta.resized_height, 480);
  EXPECT_FLOAT_EQ(meta.pad_x, 0.f);
  EXPECT_FLOAT_EQ(meta.pad_y, 80.f);
}

TEST(Letterbox, BoxesRoundTripBetweenSourceAndModelPixels) {
  for (const auto& [w, h] : std::vector<std::pair<int, int>>{{810, 1080}, {1280, 720}, {333, 999}, {640, 640}}) {
    const LetterboxMeta meta = compute_letterbox(w, h, 640, 384);
    const Box source{w * 0.1f, h * 0.2f, w * 0.7f, h * 0.9f};
    const Box back = to_source(to_model(source, meta), meta);
    EXPECT_NEAR(back.x1, source.x1, 1e-3) << w << "x" << h;
    EXPECT_NEAR(back.y1, source.y1, 1e-3);
    EXPECT_NEAR(back.x2, source.x2, 1e-3);
    EXPECT_NEAR(back.y2, source.y2, 1e-3);
  }
}

TEST(Letterbox, BoxesInThePaddingAreClippedToTheImage) {
  const LetterboxMeta meta = compute_letterbox(810, 1080, 640, 640);
  const Box clipped = to_source(Box{0, -10, 700, 650}, meta);
  EXPECT_FLOAT_EQ(clipped.x1, 0.f);
  EXPECT_FLOAT_EQ(clipped.y1, 0.f);
  EXPECT_FLOAT_EQ(clipped.x2, 810.f);
  EXPECT_FLOAT_EQ(clipped.y2, 1080.f);
}

TEST(Letterbox, TensorIsPlanarRgbScaledWithGreyPadding) {
  // A 4x2 image: left half pure blue, right half pure red (BGR order in OpenCV).
  cv::Mat bgr(2, 4, CV_8UC3);
  for (int x = 0; x < 4; ++x) {
    for (int y = 0; y < 2; ++y) bgr.at<cv::Vec3b>(y, x) = x < 2 ? cv::Vec3b(255, 0, 0) : cv::Vec3b(0, 0, 255);
  }
  const LetterboxMeta meta = compute_letterbox(4, 2, 4, 4);  // no resize, 1 row of padding top and bottom
  ASSERT_FLOAT_EQ(meta.pad_y, 1.f);
  std::vector<float> chw(3 * 4 * 4, -1.f);
  letterbox_to_chw(bgr, meta, chw.data());
  const auto at = [&](int channel, int y, int x) { return chw[static_cast<size_t>(channel * 16 + y * 4 + x)]; };
  EXPECT_FLOAT_EQ(at(0, 0, 0), 114.f / 255.f);  // padding row
  EXPECT_FLOAT_EQ(at(2, 3, 3), 114.f / 255.f);
  EXPECT_FLOAT_EQ(at(2, 1, 0), 1.f);  // blue pixel -> channel 2 (B) in RGB planes
  EXPECT_FLOAT_EQ(at(0, 1, 0), 0.f);
  EXPECT_FLOAT_EQ(at(0, 2, 3), 1.f);  // red pixel -> channel 0 (R)
  EXPECT_FLOAT_EQ(at(2, 2, 3), 0.f);
}

TEST(Letterbox, HwcTensorHoldsTheSamePixelsInterleaved) {
  cv::Mat bgr(3, 5, CV_8UC3);
  cv::randu(bgr, cv::Scalar::all(0), cv::Scalar::all(255));
  const LetterboxMeta meta = compute_letterbox(5, 3, 8, 8);
  std::vector<float> chw(3 * 64), hwc(3 * 64);
  letterbox_to_chw(bgr, meta, chw.data());
  letterbox_to_hwc(bgr, meta, hwc.data());
  for (size_t pixel = 0; pixel < 64; ++pixel) {
    for (size_t channel = 0; channel < 3; ++channel) {
      ASSERT_FLOAT_EQ(hwc[pixel * 3 + channel], chw[channel * 64 + pixel]) << pixel << "/" << channel;
    }
  }
}

TEST(Letterbox, BytesAreTheFloatTensorTimes255InBothLayouts) {
  cv::Mat bgr(5, 3, CV_8UC3);
  cv::randu(bgr, cv::Scalar::all(0), cv::Scalar::all(255));
  const LetterboxMeta meta = compute_letterbox(3, 5, 8, 8);  // resized and padded left and right
  ASSERT_GT(meta.pad_x, 0.f);
  std::vector<float> chw(3 * 64), hwc(3 * 64);
  std::vector<uint8_t> chw_bytes(3 * 64), hwc_bytes(3 * 64);
  letterbox_to_chw(bgr, meta, chw.data());
  letterbox_to_hwc(bgr, meta, hwc.data());
  letterbox_to_chw(bgr, meta, chw_bytes.data());
  letterbox_to_hwc(bgr, meta, hwc_bytes.data());
  EXPECT_EQ(chw_bytes[0], 114);  // top-left is padding
  EXPECT_EQ(hwc_bytes[0], 114);
  for (size_t i = 0; i < chw.size(); ++i) {
    ASSERT_FLOAT_EQ(chw_bytes[i] / 255.f, chw[i]) << i;
    ASSERT_FLOAT_EQ(hwc_bytes[i] / 255.f, hwc[i]) << i;
  }
}

// The letterbox as it was written before it went straight into the tensor (cv::resize, a full fill with
// the grey, a per-pixel loop): the new one must give the same tensor to the bit.
template <typename T>
std::vector<T> reference_letterbox(const cv::Mat& bgr, const LetterboxMeta& meta, bool planar) {
  const auto value = [](unsigned char p) -> T {
    if constexpr (std::is_same_v<T, float>) {
      return p * (1.f / 255.f);
    } else {
      return p;
    }
  };
  const size_t plane = static_cast<size_t>(meta.dst_width) * static_cast<size_t>(meta.dst_height);
  const T pad = std::is_same_v<T, float> ? static_cast<T>(114.f / 255.f) : static_cast<T>(114);  // as before: 114 / 255
  std::vector<T> tensor(3 * plane, pad);
  cv::Mat resized;
  cv::resize(bgr, resized, cv::Size(meta.resized_width, meta.resized_height), 0, 0, cv::INTER_LINEAR);
  for (int y = 0; y < resized.rows; ++y) {
    for (int x = 0; x < resized.cols; ++x) {
      const size_t at = static_cast<size_t>(y + static_cast<int>(meta.pad_y)) * static_cast<size_t>(meta.dst_width) +
                        static_cast<size_t>(x + static_cast<int>(meta.pad_x));
      const cv::Vec3b pixel = resized.at<cv::Vec3b>(y, x);
      for (size_t c = 0; c < 3; ++c) {  // RGB from BGR
        tensor[planar ? c * plane + at : 3 * at + c] = value(pixel[static_cast<int>(2 - c)]);
      }
    }
  }
  return tensor;
}

TEST(Letterbox, SameTensorAsResizeThenConvertForManySizes) {
  const std::vector<std::pair<int, int>> sources{{768, 576}, {810, 1080}, {1280, 720}, {640, 480}, {1920, 1080},
                                                 {333, 999}, {641, 479},  {17, 23},    {5, 3},     {1279, 721}};
  const std::vector<std::pair<int, int>> models{{640, 640}, {320, 320}, {640, 384}, {8, 8}};
  cv::RNG random(13);
  for (const auto& [w, h] : sources) {
    cv::Mat bgr(h, w, CV_8UC3);
    random.fill(bgr, cv::RNG::UNIFORM, 0, 256);
    for (const auto& [dw, dh] : models) {
      const LetterboxMeta meta = compute_letterbox(w, h, dw, dh);
      const size_t size = 3 * static_cast<size_t>(dw) * static_cast<size_t>(dh);
      std::vector<float> floats(size, -1.f);
      std::vector<uint8_t> bytes(size, 1);
      letterbox_to_chw(bgr, meta, floats.data());
      ASSERT_EQ(floats, reference_letterbox<float>(bgr, meta, true)) << w << "x" << h << " -> " << dw << "x" << dh;
      letterbox_to_hwc(bgr, meta, floats.data());
      ASSERT_EQ(floats, reference_letterbox<float>(bgr, meta, false)) << w << "x" << h << " -> " << dw << "x" << dh;
      letterbox_to_chw(bgr, meta, bytes.data());
      ASSERT_EQ(bytes, reference_letterbox<uint8_t>(bgr, meta, true)) << w << "x" << h << " -> " << dw << "x" << dh;
      letterbox_to_hwc(bgr, meta, bytes.data());
      ASSERT_EQ(bytes, reference_letterbox<uint8_t>(bgr, meta, false)) << w << "x" << h << " -> " << dw << "x" << dh;
    }
  }
}

// kKeep writes the image area only: a border painted by an earlier call stays as it was, in every layout.
TEST(Letterbox, KeptBorderIsLeftAsItWasAndTheImageAreaIsWritten) {
  cv::RNG random(7);
  cv::Mat first(576, 768, CV_8UC3), second(576, 768, CV_8UC3);
  random.fill(first, cv::RNG::UNIFORM, 0, 256);
  random.fill(second, cv::RNG::UNIFORM, 0, 256);
  const LetterboxMeta meta = compute_letterbox(768, 576, 320, 320);  // 320x240, border top and bottom
  ASSERT_GT(meta.pad_y, 0.f);
  const size_t size = 3 * 320 * 320;
  const auto check = [&](auto letterbox, auto sentinel, bool planar) {
    using T = decltype(sentinel);
    std::vector<T> tensor(size);
    letterbox(first, tensor.data(), LetterboxBorder::kPaint);
    letterbox(second, tensor.data(), LetterboxBorder::kKeep);
    EXPECT_EQ(tensor, reference_letterbox<T>(second, meta, planar)) << "kept border after a painted one";

    std::vector<T> unpainted(size, sentinel);
    letterbox(second, unpainted.data(), LetterboxBorder::kKeep);
    const std::vector<T> expected = reference_letterbox<T>(second, meta, planar);
    size_t border = 0;
    for (size_t i = 0; i < size; ++i) {
      const size_t pixel = planar ? i % (320 * 320) : i / 3;
      const bool in_border = pixel / 320 < static_cast<size_t>(meta.pad_y) ||
                             pixel / 320 >= static_cast<size_t>(meta.pad_y) + static_cast<size_t>(meta.resized_height);
      border += in_border;
      ASSERT_EQ(unpainted[i], in_border ? sentinel : expected[i]) << i;
    }
    EXPECT_EQ(border, size / 4);  // 80 of 320 rows
  };
  check([&](const cv::Mat& bgr, float* t, LetterboxBorder b) { letterbox_to_chw(bgr, meta, t, b); }, -1.f, true);
  check([&](const cv::Mat& bgr, float* t, LetterboxBorder b) { letterbox_to_hwc(bgr, meta, t, b); }, -1.f, false);
  check([&](const cv::Mat& bgr, uint8_t* t, LetterboxBorder b) { letterbox_to_chw(bgr, meta, t, b); }, uint8_t{1},
        true);
  check([&](const cv::Mat& bgr, uint8_t* t, LetterboxBorder b) { letterbox_to_hwc(bgr, meta, t, b); }, uint8_t{1},
        false);
}

TEST(Letterbox, RejectsImagesOfTheWrongSizeOrType) {
  const LetterboxMeta meta = compute_letterbox(4, 4, 8, 8);
  std::vector<float> chw(3 * 64);
  EXPECT_THROW(letterbox_to_chw(cv::Mat(5, 4, CV_8UC3), meta, chw.data()), Error);
  EXPECT_THROW(letterbox_to_chw(cv::Mat(4, 4, CV_8UC1), meta, chw.data()), Error);
  EXPECT_THROW(compute_letterbox(0, 4, 8, 8), Error);
}

}  // namespace smartcamrt
