// Volatility-scaled conformal bands on a GARCH-like series and adaptive
// conformal inference after a volatility shift.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <iostream>
#include <random>

#include "ml/adaptive_conformal.h"
#include "ml/bands.h"
#include "ml/volatility.h"
#include "testing/matchers.h"

namespace rc::ml {
namespace {

using regime::Regime;
using rc::testing::ErrorIs;
using rc::testing::IsOk;

// GARCH(1,1) one-bar log returns (persistent volatility clusters) as closes.
std::vector<double> GarchCloses(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n01(0, 1);
  const double omega = 1e-7, alpha = 0.08, beta = 0.90;
  double var = omega / (1 - alpha - beta), r = 0, price = 100;
  std::vector<double> close;
  for (size_t i = 0; i < n; ++i) {
    var = omega + alpha * r * r + beta * var;
    r = std::sqrt(var) * n01(rng);
    price *= std::exp(r);
    close.push_back(price);
  }
  return close;
}

struct Coverage {
  std::vector<double> all, calm, turbulent;  // per level; calm/turbulent: lowest/highest third of current volatility
};

// Forecast 0 (naive) of the h-bar forward return; calibrate on the first
// half, measure coverage on the second.
Coverage Measure(const std::vector<double>& close, int h, const BandOptions& options) {
  const std::vector<double> vol = TrailingVolPerBar(close);
  std::vector<double> res, vols;
  std::vector<Regime> regs;
  const size_t n = close.size() - static_cast<size_t>(h), half = n / 2;
  for (size_t i = 30; i < half; ++i) {
    res.push_back(std::log(close[i + static_cast<size_t>(h)] / close[i]));
    vols.push_back(vol[i]);
    regs.push_back(Regime::kNeutral);
  }
  auto cal = CalibrateBands(res, regs, options, vols);
  EXPECT_THAT(cal, IsOk());
  std::vector<double> test_vols(vol.begin() + static_cast<std::ptrdiff_t>(half), vol.begin() + static_cast<std::ptrdiff_t>(n));
  std::vector<double> sorted = test_vols;
  std::sort(sorted.begin(), sorted.end());
  const double lo = sorted[sorted.size() / 3], hi = sorted[2 * sorted.size() / 3];
  const size_t levels = options.levels.size();
  Coverage c{std::vector<double>(levels), std::vector<double>(levels), std::vector<double>(levels)};
  double n_all = 0, n_calm = 0, n_turb = 0;
  for (size_t i = half; i < n; ++i) {
    const double y = std::log(close[i + static_cast<size_t>(h)] / close[i]);
    BandQuantiles q = cal->HalfWidths(Regime::kNeutral, vol[i], 0);
    n_all += 1;
    if (vol[i] <= lo) n_calm += 1;
    if (vol[i] >= hi) n_turb += 1;
    for (size_t l = 0; l < levels; ++l) {
      const double in = std::abs(y) <= q.half_width[l] ? 1.0 : 0.0;
      c.all[l] += in;
      if (vol[i] <= lo) c.calm[l] += in;
      if (vol[i] >= hi) c.turbulent[l] += in;
    }
  }
  for (size_t l = 0; l < levels; ++l) {
    c.all[l] /= n_all;
    c.calm[l] /= n_calm;
    c.turbulent[l] /= n_turb;
  }
  return c;
}

TEST(VolScaledBandsTest, OnAGarchSeriesScaledBandsHoldCoverageWhereUnscaledMiss) {
  // The default scale_weight (0.7) was chosen on GARCH seed 7; this seed (2024) was not used for it.
  const std::vector<double> close = GarchCloses(60000, 2024);
  BandOptions scaled;
  BandOptions unscaled;
  unscaled.volatility_scaled = false;
  const Coverage s = Measure(close, 3, scaled), u = Measure(close, 3, unscaled);
  const std::vector<double> levels = scaled.levels;
  for (size_t l = 0; l < levels.size(); ++l) {
    std::cout << "level " << levels[l] << ": scaled all/calm/turbulent " << s.all[l] << " " << s.calm[l] << " "
              << s.turbulent[l] << " | unscaled " << u.all[l] << " " << u.calm[l] << " " << u.turbulent[l] << "\n";
    EXPECT_NEAR(s.all[l], levels[l], 0.02) << levels[l];
    EXPECT_NEAR(s.calm[l], levels[l], 0.02) << levels[l];
    EXPECT_NEAR(s.turbulent[l], levels[l], 0.02) << levels[l];
  }
  // Unscaled: right on average at best, but too wide when calm and too narrow when turbulent.
  EXPECT_GT(u.calm[1] - 0.80, 0.05);
  EXPECT_GT(0.80 - u.turbulent[1], 0.05);
}

TEST(VolScaledBandsTest, ScaledCalibrationRoundTripsAndWidensWithVolatility) {
  std::vector<double> res, vols;
  std::vector<Regime> regs;
  std::mt19937_64 rng(9);
  std::normal_distribution<double> n01(0, 1);
  for (int i = 0; i < 2000; ++i) {
    const double v = 0.001 * (1 + i % 5);
    vols.push_back(v);
    res.push_back(v * n01(rng));
    regs.push_back(Regime::kVolatile);
  }
  auto cal = CalibrateBands(res, regs, {}, vols);
  ASSERT_THAT(cal, IsOk());
  EXPECT_TRUE(cal->scaled);
  EXPECT_NEAR(cal->reference_vol, 0.003, 1e-12);
  EXPECT_LT(cal->HalfWidths(Regime::kVolatile, 0.001, 0).half_width[1], cal->HalfWidths(Regime::kVolatile, 0.005, 0).half_width[1]);
  // Unknown volatility: the reference.
  EXPECT_DOUBLE_EQ(cal->HalfWidths(Regime::kVolatile, 0.0, 0).half_width[1], cal->HalfWidths(Regime::kVolatile, 0.003, 0).half_width[1]);
  // The grid agrees with the calibrated levels and is non-decreasing.
  EXPECT_NEAR(cal->QuantileAt(Regime::kVolatile, 0.8) * cal->Scale(0.002, 0),
              cal->HalfWidths(Regime::kVolatile, 0.002, 0).half_width[1], 1e-12);
  EXPECT_LE(cal->QuantileAt(Regime::kVolatile, 0.85), cal->QuantileAt(Regime::kVolatile, 0.86));
  auto back = BandCalibration::FromJson(boost::json::parse(boost::json::serialize(cal->ToJson())).as_object());
  ASSERT_THAT(back, IsOk());
  EXPECT_TRUE(back->scaled);
  EXPECT_EQ(back->reference_vol, cal->reference_vol);
  EXPECT_EQ(back->HalfWidths(Regime::kVolatile, 0.004, 0).half_width, cal->HalfWidths(Regime::kVolatile, 0.004, 0).half_width);
  EXPECT_EQ(back->QuantileAt(Regime::kVolatile, 0.9) * back->Scale(0.004, 0),
            cal->QuantileAt(Regime::kVolatile, 0.9) * cal->Scale(0.004, 0));

  BandOptions bad;
  bad.scale_weight = 0;
  EXPECT_THAT(CalibrateBands(res, regs, bad, vols), ErrorIs(ErrorCode::kInvalidArgument, "scale_weight"));
  EXPECT_THAT(CalibrateBands(res, regs, {}, {0.1}), ErrorIs(ErrorCode::kInvalidArgument, "vols"));
}

TEST(AdaptiveConformalTest, CoverageRecoversAfterAVolatilityShift) {
  // Calibrated on calm residuals N(0,1); the market then doubles its volatility.
  std::mt19937_64 rng(31);
  std::normal_distribution<double> n01(0, 1);
  std::vector<double> res;
  for (int i = 0; i < 5000; ++i) res.push_back(n01(rng));
  BandOptions bo;
  bo.volatility_scaled = false;
  auto cal = CalibrateBands(res, std::vector<Regime>(res.size(), Regime::kNeutral), bo);
  ASSERT_THAT(cal, IsOk());
  auto aci = AdaptiveConformal::Create(bo.levels, {});
  ASSERT_THAT(aci, IsOk());
  const int calm = 3000, shifted = 8000, tail = 3000;
  double static_in[2] = {0, 0}, adaptive_in[2] = {0, 0};
  for (int t = 0; t < calm + shifted; ++t) {
    const double y = (t < calm ? 1.0 : 2.0) * n01(rng);
    std::vector<BandOut> bands;
    bool adaptive = false;  // served as Predict serves them: at ACI's effective levels
    const BandQuantiles served = cal->ServedHalfWidths(Regime::kNeutral, 0, 0, aci->EffectiveLevels(), &adaptive);
    ASSERT_TRUE(adaptive);
    for (size_t l = 0; l < bo.levels.size(); ++l) {
      const double hw = served.half_width[l];
      bands.push_back(BandOut{bo.levels[l], 0, 0, -hw, hw});
      if (t >= calm + shifted - tail && l < 2) {
        adaptive_in[l] += std::abs(y) <= hw ? 1 : 0;
        static_in[l] += std::abs(y) <= cal->pooled.half_width[l] ? 1 : 0;
      }
    }
    ASSERT_TRUE(aci->Observe(y, bands));
  }
  for (size_t l = 0; l < 2; ++l) {
    const double adaptive = adaptive_in[l] / tail, fixed = static_in[l] / tail;
    std::cout << "level " << bo.levels[l] << ": after the shift static " << fixed << ", adaptive " << adaptive
              << ", effective level " << aci->EffectiveLevels()[l] << "\n";
    EXPECT_NEAR(adaptive, bo.levels[l], 0.03);
    EXPECT_LT(fixed, bo.levels[l] - 0.15);
    EXPECT_GT(aci->EffectiveLevels()[l], bo.levels[l] + 0.05);
  }
  EXPECT_NEAR(aci->RealizedCoverage(1), 0.80, 0.06);
  EXPECT_EQ(aci->observed(0), calm + shifted);
  EXPECT_FALSE(aci->Observe(std::nan(""), std::vector<BandOut>{}));
}

// Forecasts of a 36-bar sum whose shocks include rare jumps: one jump makes
// every forecast whose horizon spans it miss together, and those outcomes
// arrive 36 bars later, in a burst. A state clamped at the widest level
// forgets all but the first misses of each burst, so the 95 % band
// under-covers for good (0.914 here); remembered (the default windup), the
// burst is repaid by the hits after it and long-run coverage is the level's.
TEST(AdaptiveConformalTest, BurstsOfMissesFromOverlappingHorizonsAreRepaid) {
  constexpr int kHorizon = 36, kSteps = 60000;
  std::mt19937_64 rng(5);
  std::normal_distribution<double> n01(0, 1);
  std::uniform_real_distribution<double> u01(0, 1);
  std::vector<double> shock;
  for (int t = 0; t < kSteps + 20000 + kHorizon; ++t) shock.push_back(n01(rng) + (u01(rng) < 1.0 / 500 ? 12.0 : 0.0));
  std::vector<double> outcome;  // outcome[t] = shocks t+1 .. t+kHorizon
  double sum = 0;
  for (int t = 1; t <= kHorizon; ++t) sum += shock[t];
  for (size_t t = 0; t + kHorizon + 1 < shock.size(); ++t) {
    outcome.push_back(sum);
    sum += shock[t + kHorizon + 1] - shock[t + 1];
  }
  // Calibrated on the first 20,000 outcomes: the jumps are in it, so the static band is right on average.
  const std::vector<double> calibration(outcome.begin(), outcome.begin() + 20000);
  BandOptions bo;
  bo.volatility_scaled = false;
  auto cal = CalibrateBands(calibration, std::vector<Regime>(calibration.size(), Regime::kNeutral), bo);
  ASSERT_THAT(cal, IsOk());
  auto run = [&](double windup) {
    AdaptiveConformalOptions o;
    o.windup = windup;
    auto aci = AdaptiveConformal::Create(bo.levels, o);
    EXPECT_THAT(aci, IsOk());
    std::vector<std::vector<BandOut>> served;
    int covered = 0, n = 0;
    for (int t = 20000; t < 20000 + kSteps; ++t) {
      if (t - kHorizon >= 20000) {  // the forecast made kHorizon bars ago has realized
        const auto& bands = served[static_cast<size_t>(t - kHorizon - 20000)];
        aci->Observe(outcome[static_cast<size_t>(t - kHorizon)], bands);
        covered += std::abs(outcome[static_cast<size_t>(t - kHorizon)]) <= bands[2].upper_return;
        ++n;
      }
      std::vector<BandOut> bands;
      bool adaptive = false;
      const BandQuantiles widths = cal->ServedHalfWidths(Regime::kNeutral, 0, 0, aci->EffectiveLevels(), &adaptive);
      EXPECT_TRUE(adaptive);
      for (size_t l = 0; l < bo.levels.size(); ++l) {
        const double hw = widths.half_width[l];
        bands.push_back(BandOut{bo.levels[l], 0, 0, -hw, hw});
      }
      served.push_back(std::move(bands));
    }
    return static_cast<double>(covered) / n;
  };
  const double clamped = run(0.0), remembered = run(AdaptiveConformalOptions{}.windup);
  std::cout << "95 % coverage with bursts of misses: clamped state " << clamped << ", default windup " << remembered
            << "\n";
  EXPECT_NEAR(remembered, 0.95, 0.005);
  EXPECT_LT(clamped, 0.93);
}

TEST(AdaptiveConformalTest, InvalidSettingsAreRejectedNamingTheField) {
  EXPECT_THAT(AdaptiveConformal::Create({}, {}), ErrorIs(ErrorCode::kInvalidArgument, "levels"));
  EXPECT_THAT(AdaptiveConformal::Create({0.8, 0.5}, {}), ErrorIs(ErrorCode::kInvalidArgument, "levels"));
  AdaptiveConformalOptions o;
  o.gamma = 0;
  EXPECT_THAT(AdaptiveConformal::Create({0.8}, o), ErrorIs(ErrorCode::kInvalidArgument, "gamma"));
  o = {};
  o.coverage_window = 0;
  EXPECT_THAT(AdaptiveConformal::Create({0.8}, o), ErrorIs(ErrorCode::kInvalidArgument, "coverage_window"));
  o = {};
  o.windup = 1.5;
  EXPECT_THAT(AdaptiveConformal::Create({0.8}, o), ErrorIs(ErrorCode::kInvalidArgument, "windup"));
}


// The reference rule (RegimeBandMethod::kThreshold): a regime with too few
// residuals for its own quantiles (80 volatile bars, 40 calm ones, beside 5,000
// neutral) still gets a band of its own size: the pooled band rescaled by its
// median score, shrunk towards the pooled band.
TEST(MondrianFallbackTest, SmallRegimesAreRescaledNotLeftOnThePooledBand) {
  std::mt19937_64 rng(99);
  std::normal_distribution<double> normal(0, 1);
  std::vector<double> residuals;
  std::vector<Regime> regimes;
  auto add = [&](Regime r, int n, double sigma) {
    for (int i = 0; i < n; ++i) {
      residuals.push_back(sigma * normal(rng));
      regimes.push_back(r);
    }
  };
  add(Regime::kNeutral, 5000, 1.0);
  add(Regime::kVolatile, 80, 2.0);
  add(Regime::kRangeBound, 40, 0.5);
  add(Regime::kTrendingUp, 10, 3.0);  // below min_scaled_regime_residuals: pooled
  BandOptions threshold;
  threshold.regime_method = RegimeBandMethod::kThreshold;
  BandOptions off = threshold;
  off.min_scaled_regime_residuals = 0;
  auto scaled = CalibrateBands(residuals, regimes, threshold);
  auto pooled_only = CalibrateBands(residuals, regimes, off);
  ASSERT_THAT(scaled, IsOk());
  ASSERT_THAT(pooled_only, IsOk());
  EXPECT_EQ(scaled->For(Regime::kVolatile).source, "regime_scaled");
  EXPECT_EQ(scaled->For(Regime::kTrendingUp).source, "pooled");
  EXPECT_EQ(pooled_only->For(Regime::kVolatile).source, "pooled");
  // Held-out coverage at 80 % of fresh draws of each regime.
  auto coverage = [&](const BandCalibration& cal, Regime r, double sigma) {
    const double half = cal.HalfWidths(r, 0, 0).half_width[1];
    int inside = 0;
    for (int i = 0; i < 20000; ++i) inside += std::abs(sigma * normal(rng)) <= half;
    return inside / 20000.0;
  };
  for (auto [r, sigma] : {std::pair{Regime::kVolatile, 2.0}, std::pair{Regime::kRangeBound, 0.5}}) {
    const double with = coverage(*scaled, r, sigma), without = coverage(*pooled_only, r, sigma);
    std::cout << regime::ToString(r) << " 80 % coverage: rescaled " << with << ", pooled " << without << "\n";
    EXPECT_LT(std::abs(with - 0.8), std::abs(without - 0.8));
    EXPECT_NEAR(with, 0.8, 0.1);
  }
  // Nested levels survive the rescaling, and the record round-trips.
  const auto& q = scaled->For(Regime::kVolatile).half_width;
  EXPECT_LE(q[0], q[1]);
  EXPECT_LE(q[1], q[2]);
  auto back = BandCalibration::FromJson(scaled->ToJson());
  ASSERT_THAT(back, IsOk());
  EXPECT_DOUBLE_EQ(back->For(Regime::kVolatile).half_width[1], q[1]);
  BandOptions bad;
  bad.regime_shrinkage = -1;
  EXPECT_THAT(ValidateBandOptions(bad), ErrorIs(ErrorCode::kInvalidArgument, "regime_shrinkage"));
}

}  // namespace
}  // namespace rc::ml
