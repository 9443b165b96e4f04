// Shared fixtures of the ml tests: synthetic datasets with and without a
// predictable signal. Deterministic for a seed.
#pragma once

#include <cmath>
#include <random>

#include "ml/dataset.h"
#include "regime_sim.h"

namespace rc::ml::testing {

// Synthetic bar times: an arbitrary 2023 start on a 5-minute grid.
inline constexpr int64_t kFixtureT0 = 1'700'000'000'000'000;
inline constexpr int64_t kFiveMinutes = 300'000'000;

// Features f0..f4 ~ N(0,1); y = 0.002*(f0 - 0.5 f1) + 0.0015*tanh(2 f2)*sign(f3) + N(0, noise).
inline Dataset SignalDataset(size_t rows, uint64_t seed, double noise = 0.002) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n01(0.0, 1.0);
  Dataset ds;
  ds.horizon_bars = 3;
  ds.feature_names = {"f0", "f1", "f2", "f3", "f4"};
  ds.X.resize(static_cast<Eigen::Index>(rows), 5);
  ds.y.resize(static_cast<Eigen::Index>(rows));
  const regime::Regime regimes[] = {regime::Regime::kTrendingUp, regime::Regime::kRangeBound,
                                    regime::Regime::kNeutral};
  for (size_t row = 0; row < rows; ++row) {
    auto r = static_cast<Eigen::Index>(row);
    for (Eigen::Index col = 0; col < 5; ++col) ds.X(r, col) = n01(rng);
    ds.y[r] = 0.002 * (ds.X(r, 0) - 0.5 * ds.X(r, 1)) +
              0.0015 * std::tanh(2 * ds.X(r, 2)) * (ds.X(r, 3) > 0 ? 1 : -1) + noise * n01(rng);
    ds.ts.push_back(1'700'000'000'000'000 + static_cast<int64_t>(row) * 300'000'000);
    ds.last_close.push_back(100.0);
    ds.regime.push_back(regimes[(row / 500) % 3]);
    ds.regime_confidence.push_back(1.0);
  }
  for (size_t row = rows - 3; row < rows; ++row) ds.y[static_cast<Eigen::Index>(row)] = std::nan("");
  return ds;
}

// A dataset built the way the lead will build it from silver: simulator bars ->
// named feature columns -> BuildDataset (regimes detected).
inline Dataset SimDataset(const regime::testing::SimSeries& series, int horizon_bars) {
  regime::ColumnTable table = regime::testing::ComputeFeatures(series, horizon_bars, horizon_bars * 5);
  DatasetSpec spec;
  spec.feature_names = regime::testing::SimFeatureNames();
  spec.horizon_bars = horizon_bars;
  spec.target_column = TargetColumnName(horizon_bars * 5);
  auto ds = BuildDataset(table, spec);
  return std::move(*ds);
}

}  // namespace rc::ml::testing
