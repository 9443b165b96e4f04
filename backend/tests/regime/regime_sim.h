// File: regime/regime_sim.h (tests)
//
// A small regime-switching market generator with truth labels, and the features
// the detector and the models read, computed the simple (non-streaming) way.
// Shared by the regime and ml test binaries. Deterministic for a seed.
#pragma once

#include <cstdint>
#include <vector>

#include "regime/column_table.h"
#include "regime/regime.h"

namespace rc::regime::testing {

struct SimOptions {
  size_t bars = 20000;
  uint64_t seed = 1;
  double base_vol = 0.002;       // per-bar log-return volatility in calm regimes
  double stay_probability = 0.99;  // Markov chain: chance to keep the regime each bar
  double trend_drift = 0.6;        // drift per bar in units of base_vol (trending regimes)
  double volatile_multiplier = 3;  // vol multiplier in the volatile regime
  double range_kappa = 0.15;       // mean-reversion speed towards the anchor (range_bound)
  int64_t start_ts = 1'700'000'000'000'000;
  int64_t bar_spacing_us = 300'000'000;  // 5 minutes
};

struct SimSeries {
  std::vector<int64_t> ts;
  std::vector<double> open, high, low, close;
  std::vector<Regime> truth;
};

// Markov chain over trending_up, trending_down, range_bound, volatile, neutral
// with per-regime drift / vol / mean reversion.
SimSeries SimulateRegimes(const SimOptions& options);

// A pure geometric random walk (no predictable signal), truth all neutral.
SimSeries SimulateRandomWalk(size_t bars, uint64_t seed, double vol = 0.002);

// Features computed from bars with plain loops (bar t uses bars <= t only):
// ret_1 ret_3 ret_12 rv_20 z_20 er_10 adx_14 plus_di_14 minus_di_14 dist_sma_20,
// plus close and target_ret_<horizon_minutes>m = log(close[t+h]/close[t]) (NaN tail).
ColumnTable ComputeFeatures(const SimSeries& series, int horizon_bars, int horizon_minutes);

// Names of the model feature columns ComputeFeatures produces.
std::vector<std::string> SimFeatureNames();

}  // namespace rc::regime::testing
