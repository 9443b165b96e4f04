#include "data/pipeline/silver.h"

#include <gtest/gtest.h>

#include <cmath>

#include "features/targets.h"
#include "testing/bars.h"
#include "testing/matchers.h"

namespace rc::data::pipeline {
namespace {

using ::rc::testing::ErrorIs;
using ::rc::testing::IsOk;

const Symbol& Tcs() {
  static const Symbol s = *Symbol::Parse("TCS.NS");
  return s;
}

std::vector<BronzeBar> Bronze(size_t count, uint64_t seed) {
  const auto& nse = ExchangeCalendar::ForSymbol(Tcs());
  std::vector<BronzeBar> out;
  for (const Bar& bar : ::rc::testing::RandomWalkBars(nse, Timeframe::k5m, *ParseIsoUtc("2024-01-02T00:00:00Z"),
                                                       count, seed)) {
    out.push_back({bar, MarketSession::kRegular, false, "sim", "b"});
  }
  return out;
}

TEST(SilverTest, UsesOnlyRegularBarsAndNamesTargets) {
  auto bronze = Bronze(400, 1);
  bronze[10].session = MarketSession::kPre;
  bronze[20].session = MarketSession::kPost;
  auto silver = BuildSilver(Tcs(), Timeframe::k5m, bronze, features::FeatureSet::Default(), {30, 180});
  ASSERT_THAT(silver, IsOk());
  EXPECT_EQ(silver->bars.size(), 398u);
  EXPECT_EQ(silver->features.rows(), 398u);
  EXPECT_EQ(silver->feature_set_version, features::FeatureSet::Default().name());
  ASSERT_EQ(silver->targets.size(), 2u);
  EXPECT_EQ(silver->targets[1].first, "target_ret_180m");
  // 180 minutes of 5m bars = 36 bars ahead; the last 36 targets are unknown.
  const auto& y = silver->targets[1].second;
  EXPECT_TRUE(std::isnan(y.back()));
  EXPECT_TRUE(std::isnan(y[398 - 36]));
  EXPECT_FALSE(std::isnan(y[398 - 37]));
  EXPECT_NEAR(y[0], std::log(silver->bars[36].close / silver->bars[0].close), 1e-15);
}

TEST(SilverTest, BadHorizonIsRejected) {
  EXPECT_THAT(BuildSilver(Tcs(), Timeframe::k5m, Bronze(10, 2), features::FeatureSet::Default(), {7}),
              ErrorIs(ErrorCode::kInvalidArgument, "horizon_minutes"));
}

TEST(SilverTest, FeaturesAtTDoNotChangeWhenLaterBarsChange) {
  auto bronze = Bronze(600, 3);
  auto base = BuildSilver(Tcs(), Timeframe::k5m, bronze, features::FeatureSet::Default(), {180});
  ASSERT_THAT(base, IsOk());
  const size_t t = 450;
  for (size_t later = t + 1; later < bronze.size(); ++later) {
    bronze[later].bar.close *= 1.5;
    bronze[later].bar.high *= 1.5;
    bronze[later].bar.volume *= 3;
  }
  auto perturbed = BuildSilver(Tcs(), Timeframe::k5m, bronze, features::FeatureSet::Default(), {180});
  ASSERT_THAT(perturbed, IsOk());
  for (size_t col = 0; col < base->features.columns.size(); ++col) {
    for (size_t row = 0; row <= t; ++row) {
      const double a = base->features.columns[col][row];
      const double b = perturbed->features.columns[col][row];
      ASSERT_TRUE((std::isnan(a) && std::isnan(b)) || a == b)
          << base->features.names[col] << " at row " << row;
    }
  }
}

}  // namespace
}  // namespace rc::data::pipeline
