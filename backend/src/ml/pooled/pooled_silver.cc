#include "ml/pooled/pooled_silver.h"

namespace rc::ml {

Status PooledSilverRun::AddColumnTo(const Symbol& symbol, Dataset& dataset) const {
  for (size_t s = 0; s < series.size(); ++s) {
    if (series[s].name == symbol.str()) return AddPooledForecastColumn(dataset, series[s].ts, forecasts.forecast[s]);
  }
  return NotFound("symbol " + symbol.str() + " is not among the pooled series");
}

std::string TooFewSeriesToPool(Timeframe tf, const std::vector<Symbol>& symbols) {
  std::string names;
  for (const Symbol& s : symbols) names += (names.empty() ? "" : ", ") + s.str();
  return "a pooled model learns across series and needs at least 2 at timeframe " + std::string(tf.ToString()) +
         ", got " + std::to_string(symbols.size()) + (names.empty() ? "" : " (" + names + ")");
}

Result<PooledSilverRun> RunPooledOnSilver(const std::string& data_dir, Timeframe tf, int horizon_minutes,
                                          const SilverQuery& query, const PooledOptions& options) {
  RC_RETURN_IF_ERROR(ValidatePooledOptions(options));
  auto bars = HorizonBars(tf, horizon_minutes);
  if (!bars) return InvalidArgument("--horizon-minutes", bars.error().message);
  RC_ASSIGN_OR_RETURN(std::vector<Symbol> symbols, ListSilverSymbols(data_dir, tf));
  if (symbols.empty()) return NotFound("no silver series at timeframe " + std::string(tf.ToString()));
  // One series has nothing to pool with, and training refuses it too
  // (serving/pooled_training.cc): a backtest must not judge a model that
  // could never be served.
  if (symbols.size() < 2) {
    return InvalidArgument("pooled", TooFewSeriesToPool(tf, symbols) + "; leave the pooled model out for this series");
  }
  PooledSilverRun run;
  for (const Symbol& symbol : symbols) {
    RC_ASSIGN_OR_RETURN(SilverSlice slice, LoadSilver(data_dir, symbol, tf, query));
    // Only ts, close and the target are needed: no regime detection.
    DatasetSpec spec;
    spec.feature_names = slice.model_features;
    spec.horizon_bars = *bars;
    spec.target_column = TargetColumnName(horizon_minutes);
    spec.detect_regimes = false;
    RC_ASSIGN_OR_RETURN(Dataset ds, BuildDataset(slice.table, spec));
    run.series.push_back(PooledSeriesFromDataset(symbol.str(), ds));
  }
  RC_ASSIGN_OR_RETURN(run.forecasts, RunPooledForecasts(run.series, options));
  return run;
}

}  // namespace rc::ml
