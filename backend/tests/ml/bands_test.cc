#include "ml/bands.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <random>

#include "ml/volatility.h"
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

// Closes of `days` NSE-like sessions of 75 five-minute bars (03:45-09:55
// UTC) whose returns follow the time of day: the first bar carries an
// overnight gap 4x a bar's noise, the first hour is busy (1.5x), the lunch
// hour calm (0.6x).
struct IntradayMarket {
  std::vector<int64_t> ts;
  std::vector<double> close;
};
double IntradaySigma(int bar) { return bar == 0 ? 4.0 : bar < 12 ? 1.5 : (bar >= 30 && bar < 42) ? 0.6 : 1.0; }
IntradayMarket SimulateIntraday(int days, uint64_t seed) {
  constexpr int64_t kMinute = 60'000'000;
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n01(0, 1);
  IntradayMarket m;
  double log_price = std::log(100.0);
  for (int day = 0; day < days; ++day) {
    for (int bar = 0; bar < 75; ++bar) {
      log_price += 0.001 * IntradaySigma(bar) * n01(rng);
      m.ts.push_back(day * 1440 * kMinute + (225 + 5 * bar) * kMinute);
      m.close.push_back(std::exp(log_price));
    }
  }
  return m;
}

// Forecasts of the random walk 3 bars ahead on a market whose volatility
// follows the time of day. Scaled by the last 20 bars alone, the 80 % band
// covers those across the close (the gap) far less than 80 % and the lunch
// hour's far more; with the session profile every time of day is near 80 %,
// out of sample.
TEST(BandsTest, TheSessionProfileCalibratesEveryTimeOfDay) {
  const IntradayMarket m = SimulateIntraday(160, 11);
  const int horizon = 3;
  const size_t rows = m.ts.size() - horizon, half = rows / 2;
  const std::vector<double> vol = TrailingVolPerBar(m.close);
  auto residual = [&](size_t row) { return std::log(m.close[row + horizon] / m.close[row]); };
  std::vector<double> residuals, vols;
  for (size_t row = 25; row < half; ++row) {
    residuals.push_back(residual(row));
    vols.push_back(vol[row]);
  }
  ForecastTimes times{{m.ts.begin() + 25, m.ts.begin() + static_cast<std::ptrdiff_t>(half)},
                      LearnSessionProfile(m.ts, m.close, half), horizon};
  ASSERT_EQ(times.profile.minutes.size(), 75u);
  const std::vector<Regime> regimes(residuals.size(), Regime::kNeutral);
  BandOptions off;
  off.session_profile = false;
  auto with = CalibrateBands(residuals, regimes, BandOptions{}, vols, times);
  auto without = CalibrateBands(residuals, regimes, off, vols, times);
  ASSERT_THAT(with, IsOk());
  ASSERT_THAT(without, IsOk());
  EXPECT_EQ(with->session_profile.minutes, times.profile.minutes);
  EXPECT_EQ(with->horizon_bars, horizon);
  EXPECT_TRUE(without->session_profile.empty());

  // Coverage of the 80 % band on the second half: across the close (the
  // session's last 3 bars), the lunch hour, the rest.
  enum Group { kAcross, kLunch, kOther };
  auto group_of = [](size_t row) {
    const size_t bar = row % 75;
    return bar >= 72 ? kAcross : (bar >= 30 && bar < 42) ? kLunch : kOther;
  };
  auto coverage = [&](const BandCalibration& cal, Group group) {
    int inside = 0, n = 0;
    for (size_t row = half; row < rows; ++row) {
      if (group_of(row) != group) continue;
      ++n;
      inside += std::abs(residual(row)) <= cal.HalfWidths(Regime::kNeutral, vol[row], m.ts[row]).half_width[1];
    }
    return static_cast<double>(inside) / n;
  };
  for (Group g : {kAcross, kLunch, kOther}) EXPECT_NEAR(coverage(*with, g), 0.80, 0.05) << "group " << g;
  EXPECT_LT(coverage(*without, kAcross), 0.60);
  EXPECT_GT(coverage(*without, kLunch), 0.88);

  // The profile survives the record; a malformed one is refused, not misread.
  auto back = BandCalibration::FromJson(boost::json::parse(boost::json::serialize(with->ToJson())).as_object());
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->session_profile.minutes, with->session_profile.minutes);
  EXPECT_EQ(back->session_profile.variance, with->session_profile.variance);
  EXPECT_EQ(back->vol_window, with->vol_window);
  EXPECT_DOUBLE_EQ(back->Scale(0.002, m.ts[74]), with->Scale(0.002, m.ts[74]));
  EXPECT_FALSE(without->ToJson().contains("session_profile"));
  boost::json::object bad = with->ToJson();
  bad["session_profile"].as_object()["horizon_bars"] = 0;
  EXPECT_THAT(BandCalibration::FromJson(bad), ErrorIs(ErrorCode::kDataCorrupt, "calibration.session_profile.horizon_bars"));
  bad = with->ToJson();
  bad["session_profile"].as_object()["variance"].as_array().pop_back();
  EXPECT_THAT(BandCalibration::FromJson(bad), ErrorIs(ErrorCode::kDataCorrupt, "calibration.session_profile.variance"));
  bad = with->ToJson();
  bad["session_profile"] = "daily";
  EXPECT_THAT(BandCalibration::FromJson(bad), ErrorIs(ErrorCode::kDataCorrupt, "calibration.session_profile"));

  // One bar time per residual, or an error naming the argument.
  times.ts.pop_back();
  EXPECT_THAT(CalibrateBands(residuals, regimes, BandOptions{}, vols, times),
              ErrorIs(ErrorCode::kInvalidArgument, "times"));
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
