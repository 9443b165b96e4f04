#include "ml/bands.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <random>

#include "testing/matchers.h"

namespace rc::ml {
namespace {

using regime::Regime;
using rc::testing::ErrorIs;
using rc::testing::IsOk;

TEST(BandsTest, ConformalQuantilesAreNestedAndPerRegimeWhenEnoughData) {
  std::mt19937_64 rng(4);
  std::normal_distribution<double> n01(0, 1);
  std::vector<double> res;
  std::vector<Regime> regs;
  for (int idx = 0; idx < 1000; ++idx) {
    bool vol = idx % 4 == 0;
    res.push_back((vol ? 3.0 : 1.0) * n01(rng));
    regs.push_back(vol ? Regime::kVolatile : (idx % 4 == 1 ? Regime::kUnknown : Regime::kNeutral));
  }
  BandOptions o;
  o.regime_method = RegimeBandMethod::kThreshold;
  o.min_regime_residuals = 300;
  auto cal = CalibrateBands(res, regs, o);
  ASSERT_THAT(cal, IsOk());
  EXPECT_EQ(cal->per_regime.count(Regime::kNeutral), 1u);
  // 250 < 300: the pooled band, rescaled by the regime's median score (>= 30 residuals).
  EXPECT_EQ(cal->For(Regime::kUnknown).source, "regime_scaled");
  o.min_scaled_regime_residuals = 0;  // off: the pooled band itself
  auto plain = CalibrateBands(res, regs, o);
  ASSERT_THAT(plain, IsOk());
  EXPECT_EQ(plain->per_regime.count(Regime::kUnknown), 0u);
  EXPECT_EQ(plain->For(Regime::kUnknown).source, "pooled");
  EXPECT_GT(cal->For(Regime::kVolatile).half_width[2], cal->For(Regime::kNeutral).half_width[2]);
  for (const BandQuantiles* q : {static_cast<const BandQuantiles*>(&cal->pooled), &cal->For(Regime::kVolatile), &cal->For(Regime::kNeutral)}) {
    ASSERT_EQ(q->half_width.size(), 3u);
    EXPECT_LE(q->half_width[0], q->half_width[1]);
    EXPECT_LE(q->half_width[1], q->half_width[2]);
  }
  // Exact conformal rank on the pooled set: ceil(1001 * 0.8) = 801st smallest.
  std::vector<double> sorted;
  for (double r : res) sorted.push_back(std::abs(r));
  std::sort(sorted.begin(), sorted.end());
  EXPECT_DOUBLE_EQ(cal->pooled.half_width[1], sorted[800]);
}

TEST(BandsTest, JsonRoundTrip) {
  auto cal = CalibrateBands({0.1, -0.2, 0.3, 0.05}, std::vector<Regime>(4, Regime::kNeutral), BandOptions{{0.5, 0.8}, 2});
  ASSERT_THAT(cal, IsOk());
  auto back = BandCalibration::FromJson(boost::json::parse(boost::json::serialize(cal->ToJson())).as_object());
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->pooled.half_width, cal->pooled.half_width);
  EXPECT_EQ(back->For(Regime::kNeutral).half_width, cal->For(Regime::kNeutral).half_width);
}

TEST(BandsTest, InvalidLevelsAndEmptyResidualsAreRejected) {
  EXPECT_THAT(CalibrateBands({}, {}, {}), ErrorIs(ErrorCode::kInvalidArgument, "residuals"));
  EXPECT_THAT(ValidateBandOptions(BandOptions{{0.8, 0.5}, 1}), ErrorIs(ErrorCode::kInvalidArgument, "levels"));
  EXPECT_THAT(ValidateBandOptions(BandOptions{{0.5, 1.0}, 1}), ErrorIs(ErrorCode::kInvalidArgument, "levels"));
}

TEST(BandsTest, VolatilityBandsScaleWithSqrtHorizon) {
  BandQuantiles q = VolatilityBands(0.01, 4, {0.5, 0.8, 0.95});
  EXPECT_EQ(q.source, "volatility");
  EXPECT_NEAR(q.half_width[2], 1.959964 * 0.02, 1e-6);
  EXPECT_NEAR(q.half_width[1], 1.281552 * 0.02, 1e-6);
  EXPECT_NEAR(q.half_width[0], 0.674490 * 0.02, 1e-6);
}

}  // namespace
}  // namespace rc::ml
