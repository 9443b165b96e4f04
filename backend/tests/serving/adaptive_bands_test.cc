// Live ACI per series, horizon and regime: misses widen the next bands' levels,
// hits narrow them, and keys do not leak into each other.
#include "serving/adaptive_bands.h"

#include <gtest/gtest.h>

namespace rc::serving {
namespace {

std::vector<ml::BandOut> Bands(double half_width) {
  // 50/80/95 bands of widening log-return half widths.
  return {{0.5, 0, 0, -half_width, half_width},
          {0.8, 0, 0, -2 * half_width, 2 * half_width},
          {0.95, 0, 0, -3 * half_width, 3 * half_width}};
}

TEST(AdaptiveBandsTest, NominalLevelsUntilSomethingRealized) {
  AdaptiveBands aci;
  EXPECT_TRUE(aci.Levels({"TCS.NS", "5m", 180}, regime::Regime::kVolatile).empty());
  EXPECT_EQ(aci.observed({"TCS.NS", "5m", 180}, regime::Regime::kVolatile), 0);
}

TEST(AdaptiveBandsTest, MissesWidenAndHitsNarrowPerKeyAndRegime) {
  AdaptiveBands aci({0.5, 0.8, 0.95}, {.gamma = 0.02});
  const ml::ExperimentKey key{"TCS.NS", "5m", 180};
  for (int idx = 0; idx < 100; ++idx) aci.Observe(key, regime::Regime::kVolatile, 0.05, Bands(0.001));  // all missed
  for (int idx = 0; idx < 100; ++idx) aci.Observe(key, regime::Regime::kRangeBound, 0.0, Bands(0.001));  // all hit
  const auto wider = aci.Levels(key, regime::Regime::kVolatile);
  const auto narrower = aci.Levels(key, regime::Regime::kRangeBound);
  ASSERT_EQ(wider.size(), 3u);
  ASSERT_EQ(narrower.size(), 3u);
  for (size_t lvl = 0; lvl < 3; ++lvl) {
    EXPECT_GT(wider[lvl], std::vector<double>({0.5, 0.8, 0.95})[lvl]);
    EXPECT_LT(narrower[lvl], std::vector<double>({0.5, 0.8, 0.95})[lvl]);
  }
  EXPECT_EQ(aci.observed(key, regime::Regime::kVolatile), 100);
  // Another horizon of the same series is untouched.
  EXPECT_TRUE(aci.Levels({"TCS.NS", "5m", 60}, regime::Regime::kVolatile).empty());
}

}  // namespace
}  // namespace rc::serving
