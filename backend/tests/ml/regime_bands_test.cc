// Per-regime (Mondrian) conformal bands with tail-count shrinkage toward the
// pooled quantile (RegimeBandMethod::kTailShrunk), issue 10 goal 3.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <map>
#include <random>

#include "ml/bands.h"
#include "testing/matchers.h"

namespace rc::ml {
namespace {

using regime::Regime;
using rc::testing::ErrorIs;
using rc::testing::IsOk;

// A series of regime spells (Markov chain, stay probability 0.98) whose
// residuals have a different scale in each regime; trending_up is rare.
struct RegimeSeries {
  std::vector<double> residuals;
  std::vector<Regime> regimes;
};

const std::map<Regime, double>& Scales() {
  static const std::map<Regime, double> scales = {{Regime::kNeutral, 1.0},
                                                  {Regime::kRangeBound, 0.5},
                                                  {Regime::kVolatile, 2.5},
                                                  {Regime::kTrendingUp, 1.8}};
  return scales;
}

RegimeSeries Simulate(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0, 1);
  std::uniform_real_distribution<double> u(0, 1);
  RegimeSeries s;
  Regime r = Regime::kNeutral;
  for (size_t i = 0; i < n; ++i) {
    if (u(rng) > 0.98) {  // a new spell: neutral 45 %, range_bound 35 %, volatile 17 %, trending_up 3 %
      const double x = u(rng);
      r = x < 0.45 ? Regime::kNeutral : x < 0.80 ? Regime::kRangeBound : x < 0.97 ? Regime::kVolatile : Regime::kTrendingUp;
    }
    s.residuals.push_back(Scales().at(r) * normal(rng));
    s.regimes.push_back(r);
  }
  return s;
}

// Coverage per regime and level of bands calibrated on `cal_set`, on `test`.
std::map<Regime, std::vector<double>> CoverageByRegime(const BandCalibration& cal, const RegimeSeries& test) {
  std::map<Regime, std::vector<double>> inside;
  std::map<Regime, double> count;
  for (size_t i = 0; i < test.residuals.size(); ++i) {
    const BandQuantiles q = cal.HalfWidths(test.regimes[i], 0, 0);
    auto& v = inside[test.regimes[i]];
    v.resize(q.half_width.size());
    for (size_t l = 0; l < q.half_width.size(); ++l) v[l] += std::abs(test.residuals[i]) <= q.half_width[l] ? 1 : 0;
    count[test.regimes[i]] += 1;
  }
  for (auto& [r, v] : inside)
    for (double& c : v) c /= count[r];
  return inside;
}

TEST(RegimeBandsTest, PerRegimeCoverageWithinFivePointsWhereThePooledBandMisses) {
  const RegimeSeries calibration = Simulate(8000, 11), test = Simulate(40000, 12);
  BandOptions pooled_only;  // the threshold rule with every regime left on the pooled band
  pooled_only.regime_method = RegimeBandMethod::kThreshold;
  pooled_only.min_regime_residuals = 1 << 30;
  pooled_only.min_scaled_regime_residuals = 0;
  auto mondrian = CalibrateBands(calibration.residuals, calibration.regimes, {});
  auto pooled = CalibrateBands(calibration.residuals, calibration.regimes, pooled_only);
  ASSERT_THAT(mondrian, IsOk());
  ASSERT_THAT(pooled, IsOk());
  std::map<Regime, int> n_cal;
  for (Regime r : calibration.regimes) ++n_cal[r];
  const auto with = CoverageByRegime(*mondrian, test), without = CoverageByRegime(*pooled, test);
  const std::vector<double>& levels = mondrian->levels;
  int pooled_misses = 0;
  for (const auto& [r, cov] : with) {
    std::cout << regime::ToString(r) << " (" << n_cal[r] << " calibration residuals):";
    for (size_t l = 0; l < levels.size(); ++l) {
      std::cout << " " << levels[l] << ": shrunk " << cov[l] << " pooled " << without.at(r)[l] << ";";
      if (std::abs(without.at(r)[l] - levels[l]) > 0.05) ++pooled_misses;
      if (n_cal[r] >= 300) {
        EXPECT_NEAR(cov[l], levels[l], 0.05) << regime::ToString(r) << " at " << levels[l];
      } else {
        // A rare regime: at least as close as the pooled band at every level.
        EXPECT_LE(std::abs(cov[l] - levels[l]), std::abs(without.at(r)[l] - levels[l]) + 1e-9)
            << regime::ToString(r) << " at " << levels[l];
      }
    }
    std::cout << "\n";
    EXPECT_EQ(mondrian->For(r).source, "regime_shrunk");
  }
  EXPECT_GE(pooled_misses, 6) << "the scenario must be one the pooled band gets wrong";
  EXPECT_LT(n_cal[Regime::kTrendingUp], 300) << "trending_up is meant to be rare";
}

// Few residuals: the band stays near the pooled one, and more so at the tail
// levels, which rest on fewer of them; many residuals: the regime's own.
TEST(RegimeBandsTest, FewResidualsAreShrunkTowardThePooledQuantileByTheirTailCount) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal(0, 1);
  for (int n_rare : {4, 40, 200, 4000}) {
    std::vector<double> residuals;
    std::vector<Regime> regimes;
    for (int i = 0; i < 5000; ++i) {
      residuals.push_back(normal(rng));
      regimes.push_back(Regime::kNeutral);
    }
    for (int i = 0; i < n_rare; ++i) {  // |residual| = 4 exactly: the regime's own quantile is 4 at every level
      residuals.push_back(i % 2 == 0 ? 4.0 : -4.0);
      regimes.push_back(Regime::kVolatile);
    }
    BandOptions o;
    auto cal = CalibrateBands(residuals, regimes, o);
    ASSERT_THAT(cal, IsOk());
    const BandQuantiles& q = cal->For(Regime::kVolatile);
    EXPECT_EQ(q.n, n_rare);
    for (size_t l = 0; l < o.levels.size(); ++l) {
      const double level = o.levels[l], tail = n_rare * std::min(level, 1 - level);
      const double w = tail / (tail + o.tail_pseudo_count);
      const double expected = std::exp(w * std::log(4.0) + (1 - w) * std::log(cal->pooled.half_width[l]));
      EXPECT_NEAR(q.half_width[l], std::max(expected, l > 0 ? q.half_width[l - 1] : 0.0), 1e-12) << n_rare;
      const double pooled = cal->pooled.half_width[l];
      if (n_rare == 4) {
        EXPECT_LT(q.half_width[l] / pooled, std::pow(4.0 / pooled, 0.2));
      }
      if (n_rare == 4000) {
        EXPECT_NEAR(q.half_width[l], 4.0, 0.05);
      }
    }
    // The 95 % quantile trusts the regime less than the median does.
    const double own_share_50 = std::log(q.half_width[0] / cal->pooled.half_width[0]) / std::log(4.0 / cal->pooled.half_width[0]);
    const double own_share_95 = std::log(q.half_width[2] / cal->pooled.half_width[2]) / std::log(4.0 / cal->pooled.half_width[2]);
    if (n_rare < 4000) {
      EXPECT_GT(own_share_50, own_share_95 + 0.05) << n_rare;
    }
    EXPECT_LE(q.half_width[0], q.half_width[1]);
    EXPECT_LE(q.half_width[1], q.half_width[2]);
    for (size_t g = 1; g < q.grid.size(); ++g) ASSERT_LE(q.grid[g - 1], q.grid[g]);
    auto back = BandCalibration::FromJson(cal->ToJson());
    ASSERT_THAT(back, IsOk());
    EXPECT_EQ(back->For(Regime::kVolatile).half_width, q.half_width);
  }
  // A regime whose residuals are all zero says nothing about scale: the pooled band.
  auto zeros = CalibrateBands({0.5, -1.0, 2.0, 0.0, 0.0}, {Regime::kNeutral, Regime::kNeutral, Regime::kNeutral,
                                                          Regime::kRangeBound, Regime::kRangeBound}, {});
  ASSERT_THAT(zeros, IsOk());
  EXPECT_EQ(zeros->For(Regime::kRangeBound).half_width, zeros->pooled.half_width);
  BandOptions bad;
  bad.tail_pseudo_count = 0;
  EXPECT_THAT(ValidateBandOptions(bad), ErrorIs(ErrorCode::kInvalidArgument, "tail_pseudo_count"));
}

// What Predict serves: the nominal quantiles, or the grid at ACI's levels when
// every level given is usable.
TEST(RegimeBandsTest, ServedHalfWidthsTakeUsableAdaptiveLevelsOnly) {
  std::vector<double> residuals;
  for (int i = 1; i <= 1000; ++i) residuals.push_back(i % 2 ? i / 1000.0 : -i / 1000.0);
  auto cal = CalibrateBands(residuals, std::vector<Regime>(residuals.size(), Regime::kNeutral), {});
  ASSERT_THAT(cal, IsOk());
  bool adaptive = true;
  const BandQuantiles nominal = cal->ServedHalfWidths(Regime::kNeutral, 0, 0, {}, &adaptive);
  EXPECT_FALSE(adaptive);
  EXPECT_EQ(nominal.half_width, cal->HalfWidths(Regime::kNeutral, 0, 0).half_width);
  const BandQuantiles wider = cal->ServedHalfWidths(Regime::kNeutral, 0, 0, {0.6, 0.9, 0.97}, &adaptive);
  EXPECT_TRUE(adaptive);
  for (size_t l = 0; l < 3; ++l) EXPECT_GT(wider.half_width[l], nominal.half_width[l]);
  EXPECT_NEAR(wider.half_width[1], 0.9, 0.01);
  for (const std::vector<double>& bad : {std::vector<double>{0.6, 0.9}, {0.6, std::nan(""), 0.97}, {0.6, 0.9, 1.0}}) {
    EXPECT_EQ(cal->ServedHalfWidths(Regime::kNeutral, 0, 0, bad, &adaptive).half_width, nominal.half_width);
    EXPECT_FALSE(adaptive);
  }
}

}  // namespace
}  // namespace rc::ml
