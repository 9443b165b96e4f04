#include "ml/bands.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <random>

#include "core/time.h"
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

// Bar open times of `days` sessions of `bars_per_day` 5-minute bars from
// 03:45 UTC (NSE's 09:15 IST), one day apart: every session ends in a break.
std::vector<int64_t> SessionBars(int days, int bars_per_day) {
  constexpr int64_t kMinute = 60'000'000;
  std::vector<int64_t> ts;
  for (int day = 0; day < days; ++day) {
    for (int bar = 0; bar < bars_per_day; ++bar) ts.push_back(day * 1440 * kMinute + (225 + 5 * bar) * kMinute);
  }
  return ts;
}

TEST(BandsTest, BreakMinutesAreTheBarsWhoseHorizonRunsIntoTheNextSession) {
  std::vector<int64_t> ts = SessionBars(10, 6);  // 03:45 .. 04:10 UTC
  // A one-off feed gap mid-session on day 3 (the 04:00 bar missing): the
  // 03:50 / 03:55 bars' horizons span it that day only, not a majority.
  ts.erase(ts.begin() + 3 * 6 + 3);
  EXPECT_EQ(BreakMinutes(ts, 2, ts.size()), (std::vector<int32_t>{245, 250}));  // 04:05, 04:10
  EXPECT_EQ(BreakMinutes(ts, 1, ts.size()), (std::vector<int32_t>{250}));
  EXPECT_EQ(MinuteOfUtcDay(ts[1]), 230);
  EXPECT_EQ(MinuteOfUtcDay(-60'000'000), 1439);  // before the epoch: the previous day's last minute
  // A market that never pauses, and too few bars: no break minutes.
  std::vector<int64_t> round_the_clock;
  for (int bar = 0; bar < 2000; ++bar) round_the_clock.push_back(bar * 300'000'000LL);
  EXPECT_TRUE(BreakMinutes(round_the_clock, 12, round_the_clock.size()).empty());
  EXPECT_TRUE(BreakMinutes(ts, 2, 3).empty());
  // Only rows before `end` count.
  EXPECT_EQ(BreakMinutes(ts, 2, 12), (std::vector<int32_t>{245, 250}));
}

// Forecasts across a break whose outcomes are three times as wide: one scale
// for all covers them far less than their level and the others more; their
// own scale (split_breaks) covers each group near its level, out of sample.
TEST(BandsTest, ForecastsAcrossABreakGetTheirOwnScale) {
  const std::vector<int64_t> ts = SessionBars(400, 10);
  const int horizon = 2;
  const std::vector<int32_t> minutes = BreakMinutes(ts, horizon, ts.size());
  ASSERT_EQ(minutes.size(), 2u);
  std::mt19937_64 rng(11);
  std::normal_distribution<double> noise(0.0, 0.01);
  std::vector<double> residuals(ts.size());
  std::vector<uint8_t> crossing(ts.size());
  for (size_t row = 0; row < ts.size(); ++row) {
    crossing[row] = std::binary_search(minutes.begin(), minutes.end(), MinuteOfUtcDay(ts[row]));
    residuals[row] = noise(rng) * (crossing[row] ? 3.0 : 1.0);
  }
  const size_t half = ts.size() / 2;
  const std::vector<double> calibration(residuals.begin(), residuals.begin() + half);
  const std::vector<Regime> regimes(half, Regime::kNeutral);
  BandOptions split;
  split.split_breaks = true;
  const BreakSplit breaks{{ts.begin(), ts.begin() + half}, minutes};
  auto with = CalibrateBands(calibration, regimes, split, {}, breaks);
  auto without = CalibrateBands(calibration, regimes, BandOptions{}, {}, breaks);  // the option is off
  ASSERT_THAT(with, IsOk());
  ASSERT_THAT(without, IsOk());
  EXPECT_NEAR(with->crossing_scale, 3.0, 0.45);
  EXPECT_EQ(with->break_minutes, minutes);
  EXPECT_TRUE(without->break_minutes.empty());
  EXPECT_DOUBLE_EQ(without->crossing_scale, 1.0);

  // Coverage of the 80 % band on the second half, per group.
  auto coverage = [&](const BandCalibration& cal, bool across) {
    int inside = 0, n = 0;
    for (size_t row = half; row < ts.size(); ++row) {
      if (static_cast<bool>(crossing[row]) != across) continue;
      ++n;
      inside += std::abs(residuals[row]) <= cal.HalfWidths(Regime::kNeutral, 0, ts[row]).half_width[1];
    }
    return static_cast<double>(inside) / n;
  };
  EXPECT_NEAR(coverage(*with, true), 0.80, 0.04);
  EXPECT_NEAR(coverage(*with, false), 0.80, 0.03);
  EXPECT_LT(coverage(*without, true), 0.55);
  EXPECT_GT(coverage(*without, false), 0.85);

  // The split survives the record; a malformed one is refused, not misread.
  auto back = BandCalibration::FromJson(boost::json::parse(boost::json::serialize(with->ToJson())).as_object());
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->break_minutes, with->break_minutes);
  EXPECT_DOUBLE_EQ(back->crossing_scale, with->crossing_scale);
  EXPECT_FALSE(without->ToJson().contains("break_minutes"));
  boost::json::object bad = with->ToJson();
  bad["break_minutes"] = boost::json::array{250, 245};
  EXPECT_THAT(BandCalibration::FromJson(bad), ErrorIs(ErrorCode::kDataCorrupt, "calibration.break_minutes"));
  bad["break_minutes"] = boost::json::array{1440};
  EXPECT_THAT(BandCalibration::FromJson(bad), ErrorIs(ErrorCode::kDataCorrupt, "calibration.break_minutes"));
  bad = with->ToJson();
  bad["crossing_scale"] = "0";
  EXPECT_THAT(BandCalibration::FromJson(bad), ErrorIs(ErrorCode::kDataCorrupt, "calibration.crossing_scale"));

  // Too few forecasts across a break: no split.
  std::vector<int64_t> few(breaks.ts.begin(), breaks.ts.begin() + 100);  // 20 across a break
  auto small = CalibrateBands({calibration.begin(), calibration.begin() + 100}, std::vector<Regime>(100, Regime::kNeutral),
                              split, {}, BreakSplit{few, minutes});
  ASSERT_THAT(small, IsOk());
  EXPECT_TRUE(small->break_minutes.empty());
  EXPECT_THAT(CalibrateBands(calibration, regimes, split, {}, BreakSplit{{ts[0]}, minutes}),
              ErrorIs(ErrorCode::kInvalidArgument, "breaks"));
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
