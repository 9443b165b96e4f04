#include "features/internal/rolling_extreme.h"

#include <algorithm>
#include <random>

#include <gtest/gtest.h>

namespace rc::features::internal {
namespace {

TEST(RollingExtremeTest, MatchesWindowScanWithTiesAndRuns) {
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int> value(0, 6);  // many ties
  for (size_t period : {1u, 2u, 3u, 14u}) {
    RollingMax max(period);
    RollingMin min(period);
    std::vector<double> x;
    for (int i = 0; i < 2000; ++i) {
      x.push_back(i % 300 < 50 ? 3.0 : value(rng));  // flat runs too
      max.Push(x.back());
      min.Push(x.back());
      const size_t begin = x.size() > period ? x.size() - period : 0;
      ASSERT_EQ(max.Value(), *std::max_element(x.begin() + begin, x.end())) << i;
      ASSERT_EQ(min.Value(), *std::min_element(x.begin() + begin, x.end())) << i;
    }
  }
}

}  // namespace
}  // namespace rc::features::internal
