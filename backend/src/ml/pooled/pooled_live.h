// File: ml/pooled/pooled_live.h
//
// The pooled model at serving time: the newest bar's volatility-normalised
// inputs (pooled_features.h) rebuilt from the recent bars of every series of
// the pooled model, the cross-section at that bar time included, and the
// pooled forecast the per-series family `pooled` reads as its column. Only
// bars at or before the bar time enter, of every series, so a later bar of
// another symbol cannot change a row; and since every input of a row reaches
// back at most kPooledHistoryBars bars, the row equals the one the backtest
// and training build from the full history (backend/tests/ml/pooled_live_test.cc).
//
//   std::vector<rc::ml::PooledSeries> recent = ...;  // the pooled model's series, each its last bars
//   RC_ASSIGN_OR_RETURN(auto row, rc::ml::PooledRowAt(recent, target, last_bar_ts));
//   RC_ASSIGN_OR_RETURN(double forecast, rc::ml::PooledForecastFor(*learner, row));
#pragma once

#include <Eigen/Dense>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/error.h"
#include "ml/models/model.h"
#include "ml/pooled/pooled_features.h"

namespace rc::ml {

// Bars of each series a row depends on: the 250-return long volatility needs
// 251 closes; the rest (36-bar returns, 20-return sigma) fewer. Kept with margin.
inline constexpr size_t kPooledHistoryBars = 260;

struct PooledLiveRow {
  Eigen::RowVectorXd x;            // PooledFeatureNames() order, all finite
  double scale = 0;                // sigma_t * sqrt(horizon_bars) of the target series
  int cross_section_series = 0;    // series with a bar at the row's time (the target included)
};

// The row of series[target] at its bar `ts`, from the bars of every series at
// or before `ts` (the last kPooledHistoryBars of each; `y` is ignored). Pass
// the series in the order the pooled model was trained on (the cross-sectional
// mean sums in that order). Errors: kInvalidArgument "target" (out of range),
// those of BuildPooledFeatures; kNotFound when series[target] has no bar at
// `ts`; Unavailable naming the first non-finite input (warm-up: too few bars).
Result<PooledLiveRow> PooledRowAt(const std::vector<PooledSeries>& series, size_t target, int64_t ts);

// The pooled forecast for `row`: the learner's normalised forecast times the
// row's scale, a log return over the horizon. Errors: Unavailable when not finite.
Result<double> PooledForecastFor(const Model& learner, const PooledLiveRow& row);

}  // namespace rc::ml
