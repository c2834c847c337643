#include "smartcamrt/core/stats.hpp"

#include <gtest/gtest.h>

namespace smartcamrt {

TEST(Stats, PercentilesInterpolateLinearlyLikeNumpy) {
  // numpy.percentile([1..10], [50, 90, 99]) == [5.5, 9.1, 9.91]
  const Stats s = summarize({10, 9, 8, 7, 6, 5, 4, 3, 2, 1});
  EXPECT_EQ(s.count, 10u);
  EXPECT_DOUBLE_EQ(s.p50, 5.5);
  EXPECT_NEAR(s.p90, 9.1, 1e-12);
  EXPECT_NEAR(s.p99, 9.91, 1e-12);
  EXPECT_DOUBLE_EQ(s.mean, 5.5);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 10);
}

TEST(Stats, SingleValueAndEmpty) {
  const Stats one = summarize({42});
  EXPECT_DOUBLE_EQ(one.p50, 42);
  EXPECT_DOUBLE_EQ(one.p99, 42);
  const Stats none = summarize({});
  EXPECT_EQ(none.count, 0u);
  EXPECT_DOUBLE_EQ(none.mean, 0);
}

}  // namespace smartcamrt
