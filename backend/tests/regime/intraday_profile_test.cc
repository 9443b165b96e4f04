// The time-of-day profile: learned from within-session deviations of completed
// sessions only, so the day's level (the regime it was in) leaves no trace in
// the shape, and nothing from the open session is used.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "regime/internal/intraday_profile.h"

namespace rc::regime::internal {
namespace {

constexpr int64_t kDay = 86'400'000'000, kOpen = 13'500'000'000, kBar = 300'000'000;
constexpr int kBarsPerDay = 75;

int64_t Ts(int day, int bar) { return day * kDay + kOpen + bar * kBar; }

// A U-shaped log volume profile (open and close 1.0 above midday), mean ~0.
double TrueShape(int bar) {
  const double x = 2.0 * bar / (kBarsPerDay - 1) - 1.0;
  return x * x - 1.0 / 3.0;
}

TEST(IntradayProfileTest, TheDaysLevelLeavesNoTraceInTheShape) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal(0, 1);
  IntradayProfile profile(IntradayProfile::Kind::kAdditive, 3);
  // 30 sessions at levels that differ far more (sd 0.7) than the bar noise
  // (sd 0.1); a regime also switches mid-session on every third day.
  for (int day = 0; day < 30; ++day) {
    const double level = 0.7 * normal(rng);
    for (int bar = 0; bar < kBarsPerDay; ++bar) {
      const double regime_step = day % 3 == 0 && bar >= 40 ? 0.5 : 0.0;
      profile.StartBar(Ts(day, bar));
      profile.Add(Ts(day, bar), level + regime_step + TrueShape(bar) + 0.1 * normal(rng));
    }
  }
  profile.StartBar(Ts(30, 0));  // the 30th session is folded in when the next one starts
  double worst = 0;
  for (int bar = 0; bar < kBarsPerDay; ++bar) {
    bool known = false;
    const double shape = profile.Shape(Ts(30, bar), &known);
    ASSERT_TRUE(known) << bar;
    // The mid-session steps bias the late slots by their share (10 of 30 days x 0.5 x 35/75).
    const double step_bias = (bar >= 40 ? 0.5 : 0.0) * 10 / 30 - 0.5 * 10 / 30 * 35.0 / 75;
    worst = std::max(worst, std::abs(shape - TrueShape(bar) - step_bias));
  }
  // The noise alone is 0.1 / sqrt(30) = 0.018 per slot; a slot's median of the raw
  // values would carry the days' level spread, 0.7 / sqrt(30) x 1.25 = 0.16.
  EXPECT_LT(worst, 0.07);
}

TEST(IntradayProfileTest, OnlyCompletedSessionsCountAndASlotNeedsMinSessions) {
  IntradayProfile profile(IntradayProfile::Kind::kRatio, 2);
  auto day_of = [&](int day, double open_value) {
    for (int bar = 0; bar < 4; ++bar) {
      profile.StartBar(Ts(day, bar));
      profile.Add(Ts(day, bar), bar == 0 ? open_value : 1.0);
    }
  };
  day_of(0, 5.0);  // the open is 5x the other bars: mean 2, open ratio 2.5
  bool known = true;
  EXPECT_DOUBLE_EQ(profile.Shape(Ts(0, 0), &known), 1.0);  // still open: nothing learned
  EXPECT_FALSE(known);
  day_of(1, 5.0);
  EXPECT_DOUBLE_EQ(profile.Shape(Ts(1, 0), &known), 1.0);  // one completed session < 2
  EXPECT_FALSE(known);
  profile.StartBar(Ts(2, 0));
  EXPECT_DOUBLE_EQ(profile.Shape(Ts(2, 0), &known), 2.5);
  EXPECT_TRUE(known);
  EXPECT_DOUBLE_EQ(profile.Shape(Ts(2, 1)), 0.5);
  // A session of zero sizes has no level to divide by: skipped, not a NaN shape.
  for (int bar = 0; bar < 4; ++bar) {
    profile.StartBar(Ts(2, bar));
    profile.Add(Ts(2, bar), 0.0);
  }
  profile.StartBar(Ts(3, 0));
  EXPECT_DOUBLE_EQ(profile.Shape(Ts(3, 0)), 2.5);
  // Non-finite and (for a ratio) negative values are ignored.
  profile.Add(Ts(3, 0), std::nan(""));
  profile.Add(Ts(3, 1), -1.0);
  profile.StartBar(Ts(4, 0));
  EXPECT_DOUBLE_EQ(profile.Shape(Ts(4, 0)), 2.5);
}

}  // namespace
}  // namespace rc::regime::internal
