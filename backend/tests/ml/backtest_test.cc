#include "ml/backtest/backtest.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cmath>
#include <iostream>
#include <random>

#include "ml_fixtures.h"
#include "testing/matchers.h"

namespace rc::ml {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;

BacktestOptions Opts(const Dataset& ds, size_t from, size_t to, int retrain_every) {
  BacktestOptions o;
  o.from_ts = ds.ts[from];
  o.to_ts = to < ds.rows() ? ds.ts[to] : ds.ts.back() + 1;
  o.retrain_every = retrain_every;
  o.training.folds = 2;
  o.training.min_train_rows = 400;
  o.training.families = {"trend", "mean_reversion", "ridge"};
  o.key = {"SIM", "5m", 30};
  return o;
}

regime::testing::SimSeries Simulated(size_t bars, uint64_t seed) {
  regime::testing::SimOptions so;
  so.bars = bars;
  so.seed = seed;
  return regime::testing::SimulateRegimes(so);
}

// The series with every bar after t moved by a smooth factor (bars <= t untouched).
regime::testing::SimSeries PerturbedAfter(regime::testing::SimSeries series, size_t t, double amplitude, double freq) {
  for (size_t idx = t + 1; idx < series.close.size(); ++idx) {
    double f = 1.0 + amplitude * std::cos(freq * static_cast<double>(idx));
    series.close[idx] *= f;
    series.high[idx] *= f * 1.01;
    series.low[idx] *= f * 0.99;
  }
  return series;
}

TEST(BacktestTest, OneRowPerBarInTheRangeWithNestedBandsAndCsv) {
  regime::testing::SimOptions so;
  so.bars = 2000;
  so.seed = 31;
  Dataset ds = testing::SimDataset(regime::testing::SimulateRegimes(so), 6);
  auto r = RunBacktest(ds, Opts(ds, 1200, 1500, 150));
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->rows.size(), 300u);
  EXPECT_EQ(r->summary.retrains, 2);
  EXPECT_EQ(r->summary.degraded_rows, 0);
  for (const BacktestRow& row : r->rows) {
    ASSERT_EQ(row.bands.size(), 3u);
    EXPECT_LE(row.bands[2].lower, row.bands[1].lower);
    EXPECT_LE(row.bands[1].lower, row.bands[0].lower);
    EXPECT_LE(row.bands[0].upper, row.bands[1].upper);
    EXPECT_LE(row.bands[1].upper, row.bands[2].upper);
  }
  std::string csv = BacktestCsv(*r);
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "ts,last_close,regime,expected_close,lower_50,upper_50,lower_80,upper_80,lower_95,upper_95,"
            "realized_close");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 301);
  EXPECT_EQ(r->summary.model.n, 300);
  EXPECT_EQ(r->summary.naive.n, 300);
  EXPECT_NE(BacktestSummaryText(*r).find("overall"), std::string::npos);
}

TEST(BacktestTest, TooLittleHistoryGivesDegradedNaiveRowsNotAnError) {
  regime::testing::SimOptions so;
  so.bars = 800;
  Dataset ds = testing::SimDataset(regime::testing::SimulateRegimes(so), 6);
  auto r = RunBacktest(ds, Opts(ds, 100, 120, 50));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->summary.degraded_rows, 20);
  EXPECT_DOUBLE_EQ(r->rows[0].expected_close, r->rows[0].last_close);
}

TEST(BacktestTest, InvalidRangeIsRejected) {
  Dataset ds = testing::SignalDataset(600, 1);
  BacktestOptions o = Opts(ds, 500, 501, 10);
  o.to_ts = o.from_ts;
  EXPECT_THAT(RunBacktest(ds, o), ErrorIs(ErrorCode::kInvalidArgument, "to_ts"));
  o = Opts(ds, 500, 501, 0);
  EXPECT_THAT(RunBacktest(ds, o), ErrorIs(ErrorCode::kInvalidArgument, "retrain_every"));
}

// The leakage guard: perturbing any bar after t changes no feature, no regime
// and no prediction at t, with models trained on data available at t.
TEST(BacktestTest, PerturbingBarsAfterTChangesNothingAtT) {
  const regime::testing::SimSeries series = Simulated(2400, 47);
  Dataset base = testing::SimDataset(series, 6);
  for (size_t t : {1000u, 1700u}) {
    Dataset changed = testing::SimDataset(PerturbedAfter(series, t, 0.03, 0.7), 6);
    // The perturbation reaches the labels of bars before t (whose horizon crosses t)
    // and the features after t: a leak would show.
    EXPECT_NE(changed.y[static_cast<Eigen::Index>(t - 2)], base.y[static_cast<Eigen::Index>(t - 2)]);
    for (size_t row = 0; row <= t; ++row) {
      for (Eigen::Index col = 0; col < base.X.cols(); ++col) {
        double a = base.X(static_cast<Eigen::Index>(row), col), b = changed.X(static_cast<Eigen::Index>(row), col);
        ASSERT_TRUE((std::isnan(a) && std::isnan(b)) || a == b) << "feature " << col << " row " << row;
      }
      ASSERT_EQ(base.regime[row], changed.regime[row]) << "regime at row " << row;
    }
    auto a = RunBacktest(base, Opts(base, t, t + 1, 1));
    auto b = RunBacktest(changed, Opts(changed, t, t + 1, 1));
    ASSERT_THAT(a, IsOk());
    ASSERT_THAT(b, IsOk());
    ASSERT_EQ(a->rows.size(), 1u);
    EXPECT_FALSE(a->rows[0].degraded);
    EXPECT_EQ(a->rows[0].expected_close, b->rows[0].expected_close) << "t " << t;
    for (size_t lvl = 0; lvl < 3; ++lvl) {
      EXPECT_EQ(a->rows[0].bands[lvl].lower, b->rows[0].bands[lvl].lower);
      EXPECT_EQ(a->rows[0].bands[lvl].upper, b->rows[0].bands[lvl].upper);
    }
  }
}

// The same guard over a stretch of predictions, so that what steers the bands
// at t is exercised: per-regime calibration from each retrain and the
// per-regime ACI fed realized outcomes (served and reference bands alike). A
// prediction whose horizon crosses t has a perturbed label; feeding it to ACI
// before it realizes would move the bands at t.
TEST(BacktestTest, AdaptiveAndPerRegimeBandsAtTUseOnlyOutcomesRealizedByT) {
  const regime::testing::SimSeries series = Simulated(2400, 53);
  Dataset base = testing::SimDataset(series, 6);
  const size_t t = 1500;
  Dataset changed = testing::SimDataset(PerturbedAfter(series, t, 0.05, 0.9), 6);
  auto a = RunBacktest(base, Opts(base, 1000, t + 1, 250));
  auto b = RunBacktest(changed, Opts(changed, 1000, t + 1, 250));
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  ASSERT_EQ(a->rows.size(), t + 1 - 1000);
  ASSERT_EQ(a->rows.size(), b->rows.size());
  for (size_t idx = 0; idx < a->rows.size(); ++idx) {
    const BacktestRow &x = a->rows[idx], &y = b->rows[idx];
    ASSERT_FALSE(x.degraded);
    ASSERT_EQ(x.bands.size(), 3u);
    ASSERT_EQ(x.reference_bands.size(), 3u);
    for (size_t lvl = 0; lvl < 3; ++lvl) {
      ASSERT_EQ(x.bands[lvl].lower_return, y.bands[lvl].lower_return) << "row " << idx << " level " << lvl;
      ASSERT_EQ(x.bands[lvl].upper_return, y.bands[lvl].upper_return) << "row " << idx << " level " << lvl;
      ASSERT_EQ(x.reference_bands[lvl].lower_return, y.reference_bands[lvl].lower_return) << "row " << idx;
      ASSERT_EQ(x.reference_bands[lvl].upper_return, y.reference_bands[lvl].upper_return) << "row " << idx;
    }
  }
  // ACI did steer these bands (else the check above would be vacuous for it).
  EXPECT_FALSE(a->summary.adaptive_levels.empty());
  bool moved = false;
  for (const auto& [reg, lv] : a->summary.adaptive_levels) moved = moved || lv[1] != 0.8;
  EXPECT_TRUE(moved);
  // The reference bands are reported beside the served ones.
  EXPECT_EQ(a->summary.model_reference_bands.n, a->summary.model.n);
  EXPECT_EQ(a->summary.reference_gamma, 0.005);
}

// The simulated market cut into sessions of 75 bars: the next session opens
// 17 h 45 min after the last bar's open and its prices carry an overnight gap
// 6x a calm bar's noise.
regime::testing::SimSeries InSessions(regime::testing::SimSeries series, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> gap(0.0, 6 * 0.002);
  int64_t shift = 0;
  double factor = 1;
  for (size_t idx = 0; idx < series.ts.size(); ++idx) {
    if (idx > 0 && idx % 75 == 0) {
      shift += (1440 - 375) * 60'000'000LL;
      factor *= std::exp(gap(rng));
    }
    series.ts[idx] += shift;
    for (auto* price : {&series.open, &series.high, &series.low, &series.close}) (*price)[idx] *= factor;
  }
  return series;
}

// A forecast whose horizon runs across the overnight carries the gap. The
// backtest reports those forecasts apart from the others; with the bands'
// session profile both groups are covered near their levels, without it the
// ones across the break are not (their band knows only the last bars' noise).
TEST(BacktestTest, ForecastsAcrossTheOvernightAreReportedApartAndCovered) {
  const Dataset ds = testing::SimDataset(InSessions(Simulated(6000, 61), 62), 6);
  BacktestOptions o = Opts(ds, 3000, 6000, 500);
  auto with = RunBacktest(ds, o);
  o.training.bands.session_profile = false;
  auto without = RunBacktest(ds, o);
  ASSERT_THAT(with, IsOk());
  ASSERT_THAT(without, IsOk());
  const BacktestSummary& s = with->summary;
  // The last 6 bars of a session predict across the break (the last 6 rows have no outcome yet).
  int64_t across = 0;
  for (size_t row = 3000; row + 6 < 6000; ++row) across += row % 75 >= 69 ? 1 : 0;
  EXPECT_EQ(s.model_across_break.n, across);
  EXPECT_EQ(s.model_within_session.n + s.model_across_break.n, s.model.n);
  for (size_t lvl = 0; lvl < 3; ++lvl) {
    const double level = s.levels[lvl];
    std::cout << "level " << level << ": within " << s.model_within_session.bands[lvl].coverage << " across "
              << s.model_across_break.bands[lvl].coverage << "; without the profile within "
              << without->summary.model_within_session.bands[lvl].coverage << " across "
              << without->summary.model_across_break.bands[lvl].coverage << "\n";
    EXPECT_NEAR(s.model_within_session.bands[lvl].coverage, level, 0.03);
    // 234 forecasts in runs of 6 overlapping horizons: ~5 points of sampling error at 50 %.
    EXPECT_NEAR(s.model_across_break.bands[lvl].coverage, level, 0.10);
  }
  EXPECT_LT(without->summary.model_across_break.bands[0].coverage, 0.40);
  EXPECT_LT(without->summary.model_across_break.bands[1].coverage, 0.65);
  // Reported in the summary a user reads and in --json.
  const boost::json::object json = s.ToJson();
  EXPECT_EQ(json.at("model_by_break").at("across_break").at("n").as_int64(), across);
  EXPECT_NE(BacktestSummaryText(*with).find("across a break n="), std::string::npos);
}

TEST(BacktestTest, OnAKnownSignalTheModelBeatsNaive) {
  Dataset ds = testing::SignalDataset(3000, 61);
  BacktestOptions o = Opts(ds, 2000, 2900, 300);
  o.training.families = {"ridge"};
  o.training.min_train_rows = 800;
  auto r = RunBacktest(ds, o);
  ASSERT_THAT(r, IsOk());
  EXPECT_LT(r->summary.model.mape, r->summary.naive.mape);
  EXPECT_GT(r->summary.model.directional_accuracy, 0.6);
}

}  // namespace
}  // namespace rc::ml

namespace rc::ml {
namespace {

// Hits in runs of `run` equal values (one draw per run: what overlapping horizons do).
std::vector<double> RunHits(size_t draws, size_t run, double p, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution hit(p);
  std::vector<double> out;
  for (size_t d = 0; d < draws; ++d) out.insert(out.end(), run, hit(rng) ? 1.0 : 0.0);
  return out;
}

TEST(DirectionalAccuracyTest, WilsonIntervalUsesTheEffectiveNumberOfDraws) {
  // Independent hits: the effective n is about n and the interval covers p.
  DirectionalAccuracy iid = DirectionalAccuracyWithCi(RunHits(4000, 1, 0.6, 3), 1);
  EXPECT_EQ(iid.n, 4000);
  EXPECT_DOUBLE_EQ(iid.n_effective, 4000);
  EXPECT_LT(iid.wilson_low, 0.6);
  EXPECT_GT(iid.wilson_high, 0.6);
  EXPECT_LT(iid.wilson_high - iid.wilson_low, 0.035);
  // The same number of bars made of 400 draws repeated over a 10-bar horizon:
  // far fewer independent draws, a much wider interval.
  DirectionalAccuracy overlapping = DirectionalAccuracyWithCi(RunHits(400, 10, 0.6, 3), 10);
  EXPECT_EQ(overlapping.n, 4000);
  EXPECT_LT(overlapping.n_effective, 1000);
  EXPECT_GT(overlapping.wilson_high - overlapping.wilson_low, 2 * (iid.wilson_high - iid.wilson_low));
  // Near the edge the Wilson interval stays inside [0, 1] and is not symmetric.
  DirectionalAccuracy perfect = DirectionalAccuracyWithCi(std::vector<double>(50, 1.0), 1);
  EXPECT_EQ(perfect.value, 1.0);
  EXPECT_EQ(perfect.wilson_high, 1.0);
  EXPECT_GT(perfect.wilson_low, 0.9);
  EXPECT_LT(perfect.wilson_low, 1.0);
  EXPECT_TRUE(std::isnan(DirectionalAccuracyWithCi({}, 1).wilson_low));
}

}  // namespace
}  // namespace rc::ml
