// File: ml/pooled/pooled_silver.h
//
// The pooled model over the lake: every silver series of one timeframe (up to
// a cut-off), its time-cut walk-forward, and the forecast column for the
// series being trained or backtested. What `regimecast backtest --pooled` runs.
//
//   RC_ASSIGN_OR_RETURN(auto run, rc::ml::RunPooledOnSilver(data_dir, tf, 180, {.until = to}, {}));
//   RC_RETURN_IF_ERROR(run.AddColumnTo(symbol, dataset));
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "core/symbol.h"
#include "core/timeframe.h"
#include "ml/dataset.h"
#include "ml/pooled/pooled_forecast.h"
#include "ml/silver_source.h"

namespace rc::ml {

struct PooledSilverRun {
  std::vector<PooledSeries> series;   // every silver series of the timeframe, in symbol order
  PooledForecasts forecasts;

  // AddPooledForecastColumn with `symbol`'s forecasts. Errors: kNotFound
  // when it was not among the series; those of AddPooledForecastColumn.
  Status AddColumnTo(const Symbol& symbol, Dataset& dataset) const;
};

// "a pooled model learns across series and needs at least 2 at timeframe
// 5m, got 1 (TCS.NS)": the start of the error every pooled run gives on a
// lake with fewer than two series at the timeframe.
std::string TooFewSeriesToPool(Timeframe tf, const std::vector<Symbol>& symbols);

// Errors: kNotFound (no silver, no series at the timeframe), kInvalidArgument
// "pooled" with only one series there (TooFewSeriesToPool), kInvalidArgument
// "--horizon-minutes" from HorizonBars, and those of RunPooledForecasts.
Result<PooledSilverRun> RunPooledOnSilver(const std::string& data_dir, Timeframe tf, int horizon_minutes,
                                          const SilverQuery& query, const PooledOptions& options);

}  // namespace rc::ml
