// The pooled (global) model: time-cut folds across every series, volatility
// normalisation from the past only, no cross-series look-ahead (shown against
// a deliberately leaky split that does benefit), and a planted cross-sectional
// edge that the pooled family learns and is given weight for.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <random>

#include "ml/backtest/backtest.h"
#include "ml_fixtures.h"
#include "ml/predict/predictor.h"
#include "ml/pooled/pooled_features.h"
#include "ml/pooled/pooled_forecast.h"
#include "ml/pooled/time_cut.h"
#include "ml/training/walk_forward.h"
#include "testing/matchers.h"

namespace rc::ml {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;

constexpr int64_t kT0 = testing::kFixtureT0;
constexpr int64_t kBar = testing::kFiveMinutes;

// Log prices of `n_series` series: a common market random walk (weight
// `market`) plus each series' own part, an OU level with reversion `theta`
// (0 = a random walk). Bars on a 5-minute grid with a session gap every 75 bars.
std::vector<std::vector<double>> LogPrices(size_t n_series, size_t bars, uint64_t seed, double market, double theta) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n01(0.0, 1.0);
  std::vector<std::vector<double>> out(n_series, std::vector<double>(bars));
  std::vector<double> level(n_series, 0.0);
  double m = 0;
  for (size_t t = 0; t < bars; ++t) {
    m += 0.001 * n01(rng);
    for (size_t s = 0; s < n_series; ++s) {
      level[s] = (1 - theta) * level[s] + 0.001 * n01(rng);
      out[s][t] = std::log(100.0 + 10.0 * static_cast<double>(s)) + market * m + level[s];
    }
  }
  return out;
}

std::vector<int64_t> SessionTimestamps(size_t bars, size_t offset = 0) {
  std::vector<int64_t> ts;
  for (size_t t = 0; t < bars; ++t) {
    const size_t k = t + offset;
    ts.push_back(kT0 + static_cast<int64_t>(k) * kBar + static_cast<int64_t>(k / 75) * 200 * kBar);  // overnight gaps
  }
  return ts;
}

// A per-series Dataset (feature ret_12, all bars neutral) from log prices.
Dataset SeriesDataset(const std::vector<double>& log_price, const std::vector<int64_t>& ts, int h) {
  Dataset ds;
  ds.horizon_bars = h;
  ds.feature_names = {"ret_12"};
  const size_t n = log_price.size();
  ds.X = Eigen::MatrixXd::Constant(static_cast<Eigen::Index>(n), 1, std::nan(""));
  ds.y = Eigen::VectorXd::Constant(static_cast<Eigen::Index>(n), std::nan(""));
  for (size_t t = 0; t < n; ++t) {
    ds.ts.push_back(ts[t]);
    ds.last_close.push_back(std::exp(log_price[t]));
    ds.regime.push_back(regime::Regime::kNeutral);
    ds.regime_confidence.push_back(1.0);
    if (t >= 12) ds.X(static_cast<Eigen::Index>(t), 0) = log_price[t] - log_price[t - 12];
    if (t + static_cast<size_t>(h) < n) ds.y[static_cast<Eigen::Index>(t)] = log_price[t + h] - log_price[t];
  }
  return ds;
}

std::vector<PooledSeries> Series(const std::vector<Dataset>& datasets) {
  std::vector<PooledSeries> out;
  for (size_t s = 0; s < datasets.size(); ++s) out.push_back(PooledSeriesFromDataset("S" + std::to_string(s), datasets[s]));
  return out;
}

struct Score {
  double mape_ratio = 0, directional = 0;
  size_t n = 0;
};

// The forecasts of one series over rows [begin, end) against its realized returns.
Score ScoreForecasts(const PooledSeries& s, const std::vector<double>& forecast, size_t begin, size_t end) {
  double ape = 0, naive_ape = 0, hits = 0;
  Score sc;
  for (size_t row = begin; row < end; ++row) {
    if (!std::isfinite(forecast[row]) || !std::isfinite(s.y[row])) continue;
    ape += std::abs(std::exp(forecast[row] - s.y[row]) - 1);
    naive_ape += std::abs(std::exp(-s.y[row]) - 1);
    hits += (forecast[row] > 0) == (s.y[row] > 0) ? 1.0 : 0.0;
    ++sc.n;
  }
  sc.mape_ratio = ape / naive_ape;
  sc.directional = hits / static_cast<double>(sc.n);
  return sc;
}

TEST(PooledTimeCutTest, EveryTrainingRowOfEverySeriesEndsAnEmbargoBeforeTheBlock) {
  const int h = 6;
  // Three series with different calendars: one starts later, one has a feed gap.
  std::vector<Dataset> datasets;
  auto prices = LogPrices(3, 3000, 5, 1.0, 0.0);
  datasets.push_back(SeriesDataset(prices[0], SessionTimestamps(3000), h));
  datasets.push_back(SeriesDataset(prices[1], SessionTimestamps(3000, 40), h));
  std::vector<int64_t> gappy = SessionTimestamps(3000);
  for (size_t t = 1500; t < gappy.size(); ++t) gappy[t] += 37 * kBar;
  datasets.push_back(SeriesDataset(prices[2], gappy, h));
  const std::vector<PooledSeries> series = Series(datasets);
  auto blocks = PlanTimeCutBlocks(series, {.min_train_rows = 600, .block_timestamps = 300});
  ASSERT_THAT(blocks, IsOk());
  ASSERT_GE(blocks->size(), 8u);
  std::vector<int> tested(3 * 3000, 0);
  for (const PooledBlock& b : *blocks) {
    EXPECT_EQ(b.embargo_us, h * kBar);
    int64_t max_train = INT64_MIN, min_test = INT64_MAX;
    size_t train_rows = 0;
    for (size_t s = 0; s < series.size(); ++s) {
      for (size_t row : b.train_rows[s]) {
        max_train = std::max(max_train, series[s].ts[row]);
        // The label's last bar opened before the block: its return is known.
        ASSERT_LT(series[s].ts[row + h], b.test_begin_ts);
        ++train_rows;
      }
      for (size_t row : b.test_rows[s]) {
        min_test = std::min(min_test, series[s].ts[row]);
        ASSERT_GE(series[s].ts[row], b.test_begin_ts);
        ASSERT_LT(series[s].ts[row], b.test_end_ts);
        ++tested[s * 3000 + row];
      }
    }
    ASSERT_GT(train_rows, 0u);
    ASSERT_NE(min_test, INT64_MAX);
    // Across ALL series: the newest training bar plus the embargo is before the oldest test bar.
    EXPECT_LT(max_train + b.embargo_us, min_test);
  }
  // Blocks tile the time after the first one: no bar is tested twice.
  EXPECT_EQ(*std::max_element(tested.begin(), tested.end()), 1);
  EXPECT_GT(std::count(tested.begin(), tested.end(), 1), 7000);
}

TEST(PooledTimeCutTest, BadOptionsAndTooLittleDataAreRejectedNamingTheField) {
  auto prices = LogPrices(1, 300, 1, 1.0, 0.0);
  std::vector<PooledSeries> series = Series({SeriesDataset(prices[0], SessionTimestamps(300), 6)});
  EXPECT_THAT(PlanTimeCutBlocks(series, {.min_train_rows = 10}), ErrorIs(ErrorCode::kInvalidArgument, "min_train_rows"));
  EXPECT_THAT(PlanTimeCutBlocks(series, {.block_timestamps = 0}), ErrorIs(ErrorCode::kInvalidArgument, "block_timestamps"));
  EXPECT_THAT(PlanTimeCutBlocks(series, {.min_train_rows = 5000}), ErrorIs(ErrorCode::kInvalidArgument, "rows"));
  EXPECT_THAT(PlanTimeCutBlocks({}, {}), ErrorIs(ErrorCode::kInvalidArgument, "series"));
  PooledOptions bad;
  bad.learner = "lstm";
  EXPECT_THAT(RunPooledForecasts(series, bad), ErrorIs(ErrorCode::kInvalidArgument, "learner"));
  series[0].horizon_bars = 0;
  EXPECT_THAT(BuildPooledFeatures(series), ErrorIs(ErrorCode::kInvalidArgument, "series[0].horizon_bars"));
  series[0].horizon_bars = 6;
  series[0].close[5] = -1;
  EXPECT_THAT(BuildPooledFeatures(series), ErrorIs(ErrorCode::kInvalidArgument, "series[0].close"));
}

TEST(PooledFeaturesTest, NormalisationAndCrossSectionUseOnlyBarsUpToEachRow) {
  const int h = 6;
  auto prices = LogPrices(3, 2000, 9, 1.0, 0.05);
  std::vector<Dataset> datasets;
  for (const auto& p : prices) datasets.push_back(SeriesDataset(p, SessionTimestamps(2000), h));
  const std::vector<PooledSeries> series = Series(datasets);
  auto before = BuildPooledFeatures(series);
  ASSERT_THAT(before, IsOk());
  for (size_t cut : {300u, 1000u, 1700u}) {
    // Rewrite every bar after `cut` of series 1 (its future, and through the
    // cross-section, the other series' "market" columns if they looked ahead).
    std::vector<PooledSeries> changed = series;
    for (size_t row = cut + 1; row < changed[1].close.size(); ++row) changed[1].close[row] *= 1.5 + 0.01 * (row % 7);
    auto after = BuildPooledFeatures(changed);
    ASSERT_THAT(after, IsOk());
    for (size_t s = 0; s < series.size(); ++s) {
      for (size_t row = 0; row <= cut; ++row) {
        for (Eigen::Index col = 0; col < before->at(s).X.cols(); ++col) {
          const double a = before->at(s).X(static_cast<Eigen::Index>(row), col);
          const double b = after->at(s).X(static_cast<Eigen::Index>(row), col);
          ASSERT_TRUE((std::isnan(a) && std::isnan(b)) || a == b) << "series " << s << " row " << row << " col " << col;
        }
        const double a = before->at(s).scale[row], b = after->at(s).scale[row];
        ASSERT_TRUE((std::isnan(a) && std::isnan(b)) || a == b) << "scale, series " << s << " row " << row;
      }
    }
    // The check can fail: the future did change the features after the cut.
    EXPECT_NE(before->at(1).X(static_cast<Eigen::Index>(cut + 30), 0), after->at(1).X(static_cast<Eigen::Index>(cut + 30), 0));
  }
  // Normalised returns are on a unit scale whatever the series' volatility.
  for (size_t s = 0; s < series.size(); ++s) {
    double sq = 0;
    int n = 0;
    for (size_t row = 300; row < 2000; ++row) {
      const double v = before->at(s).X(static_cast<Eigen::Index>(row), 0);
      if (std::isfinite(v)) {
        sq += v * v;
        ++n;
      }
    }
    EXPECT_NEAR(std::sqrt(sq / n), 1.0, 0.25) << "series " << s;
  }
}

// Returns whose 1-bar autocorrelation flips sign at random every 250 bars,
// the same for every series at the same time (a market state seen only in
// hindsight). The past says nothing about the current sign, so an honest
// model cannot use it; but any series' rows in the CURRENT period reveal it.
// A split that trains on series 1 and 2 over the very period it tests
// series 0 (other symbols' rows at the same time, whose labels are series
// 0's future) learns the sign and "beats" the random walk. The time-cut
// split must not.
TEST(PooledLeakageTest, AnotherSymbolsRowAtTheSameTimeDoesNotLeakItsFuture) {
  const int h = 3;
  const size_t bars = 6000, segment = 250;
  std::mt19937_64 rng(17);
  std::normal_distribution<double> n01(0.0, 1.0);
  std::bernoulli_distribution coin(0.5);
  std::vector<double> phi(bars / segment + 1);
  for (double& p : phi) p = coin(rng) ? 0.6 : -0.6;
  std::vector<Dataset> datasets;
  for (size_t s = 0; s < 3; ++s) {
    std::vector<double> lp(bars);
    double r = 0, level = std::log(100.0);
    for (size_t t = 0; t < bars; ++t) {
      r = phi[t / segment] * r + 0.001 * n01(rng);
      level += r;
      lp[t] = level;
    }
    datasets.push_back(SeriesDataset(lp, SessionTimestamps(bars), h));
  }
  const std::vector<PooledSeries> series = Series(datasets);
  PooledOptions options;
  options.learner = "ridge";
  options.time_cut = {.min_train_rows = 1500, .block_timestamps = static_cast<int>(segment)};
  auto honest = RunPooledForecasts(series, options);
  ASSERT_THAT(honest, IsOk());
  const size_t first_test = (static_cast<size_t>(
      std::lower_bound(series[0].ts.begin(), series[0].ts.end(), honest->blocks.front().test_begin_ts) -
      series[0].ts.begin()) / segment + 1) * segment;
  const Score time_cut = ScoreForecasts(series[0], honest->forecast[0], first_test, bars);

  // The leaky split, one block per period: train on series 1 and 2 in the
  // period being tested (labels realized inside it), test series 0 there.
  auto features = BuildPooledFeatures(series);
  ASSERT_THAT(features, IsOk());
  std::vector<PooledBlock> leaky;
  for (size_t begin = first_test; begin + segment <= bars; begin += segment) {
    PooledBlock b;
    b.train_rows.resize(3);
    b.test_rows.resize(3);
    for (size_t s = 1; s < 3; ++s)
      for (size_t row = begin; row + h < begin + segment; ++row) b.train_rows[s].push_back(row);
    for (size_t row = begin; row < begin + segment; ++row) b.test_rows[0].push_back(row);
    leaky.push_back(std::move(b));
  }
  auto leaked = RunPooledBlocks(series, *features, leaky, options);
  ASSERT_THAT(leaked, IsOk());
  const Score leak = ScoreForecasts(series[0], leaked->forecast[0], first_test, bars);

  std::cout << "time-cut: n=" << time_cut.n << " MAPE ratio " << time_cut.mape_ratio << " dir " << time_cut.directional
            << "; leaky: n=" << leak.n << " MAPE ratio " << leak.mape_ratio << " dir " << leak.directional << "\n";
  ASSERT_GT(time_cut.n, 3000u);
  ASSERT_GT(leak.n, 3000u);
  // The leaky split "predicts" series 0 from its own future: the test can fail.
  EXPECT_GT(leak.directional, 0.6);
  EXPECT_LT(leak.mape_ratio, 0.95);
  // The time-cut split cannot: no better than chance, no better than naive.
  EXPECT_LT(time_cut.directional, 0.54);
  EXPECT_GT(time_cut.mape_ratio, 0.99);
}

// Each series' own part mean-reverts (an OU level) under a common market walk:
// its return relative to the market over the last 12 bars predicts its next
// h bars. The pooled model sees the cross-section (rel_nret_12) and learns it;
// the pooled family then earns weight through the skill test, and the
// ensemble beats naive. On a pure random walk the same pipeline gives it none.
TEST(PooledEdgeTest, APlantedCrossSectionalEdgeIsLearnedAndGetsWeight) {
  const int h = 6;
  const size_t bars = 4000;
  Dataset edge_target;  // the edge run's series 0 with its pooled column, for the backtest below
  auto run = [&](double theta, uint64_t seed, std::vector<double>* ridge_oof) -> TrainingResult {
    auto prices = LogPrices(4, bars, seed, 0.5, theta);
    std::vector<Dataset> datasets;
    for (const auto& p : prices) datasets.push_back(SeriesDataset(p, SessionTimestamps(bars), h));
    PooledOptions options;
    options.time_cut = {.min_train_rows = 1500, .block_timestamps = 500};
    auto pooled = RunPooledForecasts(Series(datasets), options);
    if (!pooled) {
      ADD_FAILURE() << pooled.error().ToString();
      return TrainingResult{};
    }
    Dataset target = datasets[0];
    EXPECT_THAT(AddPooledForecastColumn(target, datasets[0].ts, pooled->forecast[0]), IsOk());
    if (ridge_oof) edge_target = target;
    WalkForwardOptions wf;
    wf.folds = 3;
    wf.min_train_rows = 800;
    wf.families = {"naive", "ridge", "pooled"};
    auto result = RunWalkForward(target, wf);
    if (!result) {
      ADD_FAILURE() << result.error().ToString();
      return TrainingResult{};
    }
    if (ridge_oof) {
      // ridge never sees the pooled column: its forecasts are those of a run without it.
      WalkForwardOptions plain = wf;
      plain.families = {"naive", "ridge"};
      auto without = RunWalkForward(datasets[0], plain);
      if (!without) {
        ADD_FAILURE() << without.error().ToString();
        return TrainingResult{};
      }
      const auto& a = result->Family("ridge")->oof;
      const auto& b = without->Family("ridge")->oof;
      for (size_t row = 0; row < a.size(); ++row) {
        // Equal up to the solver's rounding (the zero column changes the pivot order, not the fit).
        EXPECT_TRUE((std::isnan(a[row]) && std::isnan(b[row])) || std::abs(a[row] - b[row]) < 1e-12) << "row " << row;
      }
    }
    TrainingResult out = std::move(*result);
    return out;
  };
  std::vector<double> unused;
  TrainingResult edge = run(0.3, 23, &unused);
  for (const FamilyLoss& fl : edge.skill) {
    std::cout << fl.family << " loss " << fl.pooled_loss << " DM t " << fl.pooled_skill.dm_stat << "\n";
  }
  const auto& w = edge.gating.pooled.weights;
  ASSERT_TRUE(w.count("pooled")) << "pooled got no weight";
  EXPECT_GT(w.at("pooled"), 0.5);
  EXPECT_LT(edge.ensemble.overall.mape, edge.Family("naive")->overall.mape * 0.97);
  EXPECT_GT(edge.ensemble.overall.directional_accuracy, 0.56);

  // The live prediction path (as the backtest replays it) predicts with the
  // pooled family and reports its own forecasts beside the ensemble's.
  BacktestOptions bo;
  bo.from_ts = edge_target.ts[2500];
  bo.to_ts = edge_target.ts[3900];
  bo.retrain_every = 700;
  bo.training.folds = 2;
  bo.training.min_train_rows = 800;
  bo.training.families = {"naive", "pooled"};
  auto bt = RunBacktest(edge_target, bo);
  ASSERT_THAT(bt, IsOk());
  const auto alone = std::find_if(bt->summary.family_forecasts.begin(), bt->summary.family_forecasts.end(),
                                  [](const FamilyForecastAccuracy& f) { return f.family == "pooled"; });
  ASSERT_NE(alone, bt->summary.family_forecasts.end());
  EXPECT_GT(alone->n, 1000);
  EXPECT_LT(alone->mape_ratio, 0.97);
  EXPECT_GT(alone->directional.wilson_low, 0.5);
  EXPECT_LT(bt->summary.mape_ratio, 0.97);
  const boost::json::object json = bt->summary.ToJson();
  EXPECT_TRUE(json.contains("family_forecasts"));
  EXPECT_TRUE(json.at("directional_accuracy").as_object().contains("wilson95_low"));

  // A prediction whose input row lacks the pooled column (the live path does
  // not build it) skips the pooled family and renormalises the rest; with the
  // column, the pooled family carries its weight.
  ExperimentRecord rec = MakeExperimentRecord(edge, {"S0", "5m", 30}, "orchestrator", {}, WalkForwardOptions{},
                                              edge_target.ts.back() + kBar);
  auto exp = MakeLoadedExperiment(rec, edge);
  IndexEntry entry;
  entry.key = rec.key;
  entry.active_experiment = rec.id;
  entry.gating = rec.gating;
  PredictionRequest req;
  const auto last = static_cast<Eigen::Index>(edge_target.rows() - 1);
  req.feature_names = edge_target.feature_names;
  req.features = edge_target.X.row(last);
  req.last_close = edge_target.last_close.back();
  req.last_bar_ts = edge_target.ts.back();
  req.bar_spacing_us = kBar;
  req.now = edge_target.ts.back() + kBar;
  req.horizon_bars = h;
  req.regime.regime = regime::Regime::kNeutral;
  req.recent_vol_per_bar = 0.001;
  const Prediction with = Predict(req, &entry, exp.get());
  EXPECT_FALSE(with.degraded);
  EXPECT_TRUE(with.weights.count("pooled"));
  req.feature_names.pop_back();  // the pooled column is the last one
  req.features = edge_target.X.row(last).head(edge_target.X.cols() - 1);
  const Prediction without = Predict(req, &entry, exp.get());
  EXPECT_FALSE(without.degraded) << without.degraded_reason;
  EXPECT_FALSE(without.weights.count("pooled"));
  EXPECT_TRUE(without.gated_out.count("pooled"));
  double total = 0;
  for (const auto& [family, weight] : without.weights) total += weight;
  EXPECT_FALSE(without.weights.empty());
  EXPECT_NEAR(total, 1.0, 1e-12);

  TrainingResult none = run(0.0, 29, nullptr);
  const auto& w0 = none.gating.pooled.weights;
  EXPECT_LT(w0.count("pooled") ? w0.at("pooled") : 0.0, 0.05);
}

}  // namespace
}  // namespace rc::ml
