#include "regime/internal/expanding_percentile.h"

#include <gtest/gtest.h>

#include <cmath>

namespace rc::regime::internal {
namespace {

TEST(ExpandingPercentileTest, RanksAgainstPastValuesOnly) {
  ExpandingPercentile p;
  EXPECT_DOUBLE_EQ(p.AddAndRank(5), 0.5);
  EXPECT_DOUBLE_EQ(p.AddAndRank(1), 0.25);
  EXPECT_DOUBLE_EQ(p.AddAndRank(3), 0.5);
  EXPECT_DOUBLE_EQ(p.AddAndRank(10), 3.5 / 4.0);
  EXPECT_EQ(p.size(), 4u);
  EXPECT_DOUBLE_EQ(p.Quantile(0.0), 1.0);
  EXPECT_DOUBLE_EQ(p.Quantile(1.0), 10.0);
}

TEST(ExpandingPercentileTest, TiesShareAMidRank) {
  ExpandingPercentile p;
  for (int idx = 0; idx < 5; ++idx) EXPECT_DOUBLE_EQ(p.AddAndRank(2.0), 0.5);
}

TEST(ExpandingPercentileTest, NonFiniteValuesAreIgnored) {
  ExpandingPercentile p;
  p.AddAndRank(1);
  EXPECT_TRUE(std::isnan(p.AddAndRank(std::nan(""))));
  EXPECT_EQ(p.size(), 1u);
}

}  // namespace
}  // namespace rc::regime::internal
