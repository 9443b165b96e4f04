#include "features/internal/rolling_moments.h"

#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace rc::features::internal {
namespace {

TEST(RollingMomentsTest, MeanAndVarianceMatchTwoPassDuringAndAfterWarmUp) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise(0, 1);
  RollingMoments moments(7);
  std::vector<double> x;
  for (int i = 0; i < 5000; ++i) {
    x.push_back(1000 + noise(rng));
    moments.Push(x.back());
    const size_t n = std::min<size_t>(x.size(), 7);
    double mean = 0;
    for (size_t j = x.size() - n; j < x.size(); ++j) mean += x[j];
    mean /= n;
    double ss = 0;
    for (size_t j = x.size() - n; j < x.size(); ++j) ss += (x[j] - mean) * (x[j] - mean);
    ASSERT_NEAR(moments.Mean(), mean, 1e-10 * 1000) << i;
    ASSERT_NEAR(moments.Variance(), ss / n, 1e-9 * std::max(1.0, ss / n)) << i;
  }
}

}  // namespace
}  // namespace rc::features::internal
