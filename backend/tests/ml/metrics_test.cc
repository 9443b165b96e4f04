#include "ml/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "testing/matchers.h"

namespace rc::ml {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;

TEST(MetricsTest, ComputesPriceAndReturnErrorsAndBands) {
  std::vector<ForecastPoint> pts = {
      {0.01, 0.02, 100, {0.0}, {0.03}},    // inside, right direction
      {0.01, -0.01, 100, {0.005}, {0.015}},  // below the band, wrong direction
  };
  Metrics m = ComputeMetrics(pts, {0.8});
  EXPECT_EQ(m.n, 2);
  EXPECT_NEAR(m.mape, (std::abs(std::expm1(-0.01)) + std::abs(std::expm1(0.02))) / 2, 1e-12);
  EXPECT_NEAR(m.rmse, std::sqrt((0.0001 + 0.0004) / 2), 1e-12);
  EXPECT_NEAR(m.mae, 0.015, 1e-12);
  EXPECT_DOUBLE_EQ(m.directional_accuracy, 0.5);
  ASSERT_EQ(m.bands.size(), 1u);
  EXPECT_DOUBLE_EQ(m.bands[0].coverage, 0.5);
  double is2 = 0.01 + 2 / 0.2 * (0.005 + 0.01);
  EXPECT_NEAR(m.bands[0].interval_score, (0.03 + is2) / 2, 1e-12);
  EXPECT_NEAR(m.bands[0].mean_width, ((std::exp(0.03) - 1) + (std::exp(0.015) - std::exp(0.005))) / 2, 1e-12);
}

TEST(MetricsTest, ZeroPredictionCountsHalfForDirection) {
  Metrics m = ComputeMetrics({{0.0, 0.01, 1, {}, {}}, {0.0, -0.01, 1, {}, {}}}, {});
  EXPECT_DOUBLE_EQ(m.directional_accuracy, 0.5);
}

TEST(MetricsTest, EmptyIsNaNAndLossOrientation) {
  Metrics empty = ComputeMetrics({}, {0.8});
  EXPECT_TRUE(std::isnan(empty.mape));
  EXPECT_TRUE(std::isnan(LossOf(empty, "mape")));
  Metrics m = ComputeMetrics({{0.01, 0.02, 1, {}, {}}}, {});
  EXPECT_DOUBLE_EQ(LossOf(m, "directional_accuracy"), 0.0);
  EXPECT_THAT(ValidateMetricName("r2"), ErrorIs(ErrorCode::kInvalidArgument, "primary_metric"));
  EXPECT_THAT(ValidateMetricName("rmse"), IsOk());
}

}  // namespace
}  // namespace rc::ml
