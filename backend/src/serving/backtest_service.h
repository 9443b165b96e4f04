// File: serving/backtest_service.h
//
// A prediction backtest of one series (ml/backtest/backtest.h) the way a user
// asks for it, and its summary kept per series and horizon so the Models page
// can judge a series before anyone trusts it. The CLI `backtest` and POST
// /api/models/backtest (a background job) both call RunSeriesBacktest, so the
// summary has the same fields in `backtest --json` and in
// GET /api/models/backtest.
//
//   BacktestRequest request{symbol, tf, 180};          // the last 40 % of the series
//   RC_ASSIGN_OR_RETURN(SeriesBacktest run, RunSeriesBacktest(data_dir, request));
//   RC_RETURN_IF_ERROR(SaveBacktestSummary(data_dir, run, NowMicros()));
//   RC_ASSIGN_OR_RETURN(boost::json::object latest, LoadBacktestSummary(data_dir, symbol, tf, 180));
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/symbol.h"
#include "core/timeframe.h"
#include "ml/backtest/backtest.h"
#include "ml/pooled/pooled_forecast.h"

namespace rc::serving {

// Without `from`, the backtest predicts this share of the series' bars at its
// end (before `to` when given): the issue-10 measurement, long enough for the
// per-regime coverage to mean something, short enough to leave history to train on.
inline constexpr double kDefaultBacktestShare = 0.4;

struct BacktestRequest {
  Symbol symbol;
  Timeframe timeframe;
  int horizon_minutes = 180;
  std::optional<int64_t> from;  // first bar predicted (UTC micros); default: see kDefaultBacktestShare
  std::optional<int64_t> to;    // end, exclusive; default: just after the series' last bar
  int retrain_every = 500;      // bars between retrains
  int folds = 3;                // walk-forward folds of each retrain
  int min_train_rows = 500;     // rows before the first test fold of each retrain
  // When set, the pooled family joins the backtest (ml/pooled/): one model per
  // horizon over every silver series of the timeframe up to `to`, on folds
  // cut on time across all series. It reads the whole timeframe of the lake.
  std::optional<ml::PooledOptions> pooled;
};

// Errors: kInvalidArgument naming "horizon_minutes", "retrain_every",
// "folds", "min_train_rows" or "to" (not after "from").
Status ValidateBacktestRequest(const BacktestRequest& request);

struct SeriesBacktest {
  BacktestRequest request;  // with `from` and `to` resolved
  ml::BacktestResult result;
  boost::json::object pooled_info;  // {"enabled": false} or the pooled run's series, learner and blocks

  // ml::BacktestSummary::ToJson plus symbol, timeframe, horizon_minutes,
  // predictions, from, to, retrain_every, folds, min_train_rows and pooled.
  boost::json::object SummaryJson() const;
};

// Loads silver up to `to` only (the backtest must not even see later bars),
// resolves the default range and runs the backtest. Errors: as
// ValidateBacktestRequest; kNotFound without silver rows; kInvalidArgument
// "from" when the range holds no bar; ml::RunBacktest's errors.
Result<SeriesBacktest> RunSeriesBacktest(const std::string& data_dir, const BacktestRequest& request);

// <data_dir>/backtests/<SYMBOL>/<TF>/<H>m.json: the latest summary of a series and horizon.
std::string BacktestSummaryPath(const std::string& data_dir, const Symbol& symbol, Timeframe timeframe,
                                int horizon_minutes);

// Writes run.SummaryJson() with `finished_at` (ISO-8601) atomically over the
// previous summary of its series and horizon. Errors: kIo.
Status SaveBacktestSummary(const std::string& data_dir, const SeriesBacktest& run, int64_t finished_at);

// The latest saved summary. Errors: kNotFound naming the series when none was
// saved; kDataCorrupt when the file is not a JSON object; kIo.
Result<boost::json::object> LoadBacktestSummary(const std::string& data_dir, const Symbol& symbol,
                                                Timeframe timeframe, int horizon_minutes);

}  // namespace rc::serving
