// File: ml/backtest/backtest.h
//
// Prediction backtest: for every bar in [from_ts, to_ts) the prediction the
// live service would have made at that bar's close, with models trained only on
// data available then (walk-forward on the rows whose labels had fully realized
// before the block, retrained every N bars) and through the same Predict() the
// service calls. One row per bar in the CSV form of the issue, and a summary
// vs the naive family, overall and per regime.
//
//   BacktestOptions o;  o.from_ts = t1;  o.to_ts = t2;  o.retrain_every = 500;
//   RC_ASSIGN_OR_RETURN(BacktestResult r, RunBacktest(dataset, o));
//   std::cout << BacktestCsv(r) << BacktestSummaryText(r);
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "ml/dataset.h"
#include "ml/metrics.h"
#include "ml/predict/predictor.h"
#include "ml/training/walk_forward.h"

namespace rc::ml {

struct BacktestOptions {
  int64_t from_ts = 0;          // first bar predicted (inclusive)
  int64_t to_ts = 0;            // end (exclusive); > from_ts
  int retrain_every = 500;      // bars between retrains (>= 1)
  int64_t bar_spacing_us = 0;   // 0 = inferred (smallest gap between bars)
  int vol_window = 20;          // bars of 1-bar log returns behind the degraded/naive volatility bands
  WalkForwardOptions training;  // how each retrain trains
  ExperimentKey key;            // names the in-memory experiments
};

struct BacktestRow {
  int64_t ts = 0;
  double last_close = 0;
  regime::Regime regime = regime::Regime::kUnknown;
  double expected_close = 0;
  std::vector<BandOut> bands;   // per level
  bool degraded = false;
  std::string experiment_id;
  double realized_close = 0;    // NaN when the horizon runs past the data (not in the CSV)
};

struct BacktestSummary {
  std::vector<double> levels;
  Metrics model, naive;                                  // over rows with a realized close
  std::map<regime::Regime, Metrics> model_by_regime, naive_by_regime;
  int retrains = 0;
  int degraded_rows = 0;
  boost::json::object ToJson() const;
};

struct BacktestResult {
  std::vector<BacktestRow> rows;
  BacktestSummary summary;
};

// Errors: kInvalidArgument naming "to_ts" (empty range), "retrain_every",
// "vol_window", or from Dataset::Validate / ValidateWalkForwardOptions. A
// retrain with too little history is not an error: those bars get the
// degraded naive prediction, exactly as live would.
Result<BacktestResult> RunBacktest(const Dataset& dataset, const BacktestOptions& options);

// "ts,last_close,regime,expected_close,lower_50,upper_50,lower_80,upper_80,lower_95,upper_95"
// (level columns follow the levels used), ts ISO-8601 UTC.
std::string BacktestCsv(const BacktestResult& result);

// Human-readable summary: MAPE, directional accuracy, coverage per level, model vs naive, overall and per regime.
std::string BacktestSummaryText(const BacktestResult& result);

}  // namespace rc::ml
