// File: cli/commands/ml_args.h
// The (symbol, timeframe, horizon) options shared by train, predict and
// backtest, parsed with the same validation and error fields everywhere.
#pragma once

#include <memory>
#include <string>

#include "cli/command.h"
#include "core/symbol.h"
#include "core/timeframe.h"
#include "ml/dataset.h"
#include "ml/pooled/pooled_forecast.h"
#include "ml/registry/experiment_record.h"

namespace rc::cli {

struct SeriesArgs {
  std::string symbol, timeframe;
  int horizon_minutes = 180;
};

// The options, required unless `required` is false (a command that can also
// run on many series checks them itself).
struct SeriesOptions {
  CLI::Option* symbol = nullptr;
  CLI::Option* timeframe = nullptr;
  CLI::Option* horizon = nullptr;  // when with_horizon
};

inline SeriesOptions AddSeriesOptions(CLI::App* cmd, SeriesArgs& args, bool with_horizon, bool required = true) {
  SeriesOptions out;
  out.symbol = cmd->add_option("--symbol", args.symbol, "Symbol, Yahoo style (TCS.NS)")->required(required);
  out.timeframe =
      cmd->add_option("--timeframe", args.timeframe, "Bar timeframe (1m 5m 15m 30m 1h 1d)")->required(required);
  if (with_horizon) {
    out.horizon = cmd->add_option("--horizon-minutes", args.horizon_minutes, "Prediction horizon in trading minutes")
                      ->required(required);
  }
  return out;
}

struct Series {
  Symbol symbol;
  Timeframe timeframe;
  int horizon_bars = 0;
  ml::ExperimentKey key;
};

// Validates the options. Errors name the flag (kInvalidArgument).
inline Result<Series> ParseSeries(const SeriesArgs& args) {
  RC_ASSIGN_OR_RETURN(auto parsed, ParseSymbolTimeframe(args.symbol, args.timeframe));
  const auto& [symbol, tf] = parsed;
  auto bars = ml::HorizonBars(tf, args.horizon_minutes);
  if (!bars) return InvalidArgument("--horizon-minutes", bars.error().message);
  return Series{symbol, tf, *bars, ml::ExperimentKey{symbol.str(), std::string(tf.ToString()), args.horizon_minutes}};
}

// The pooled model's options (`backtest --pooled`, `train --pooled`): learner
// and time-cut folds, each valid only with `pooled` (the --pooled flag).
struct PooledArgs {
  std::string learner = "ridge";
  int block = 250;
  int min_rows = 1000;

  ml::PooledOptions ToOptions() const {
    ml::PooledOptions options;
    options.learner = learner;
    options.time_cut.block_timestamps = block;
    options.time_cut.min_train_rows = min_rows;
    return options;
  }
};

inline void AddPooledOptions(CLI::App* cmd, PooledArgs& args, CLI::Option* pooled) {
  cmd->add_option("--pooled-learner", args.learner, "With --pooled: ridge or gbdt")
      ->check(CLI::IsMember({"ridge", "gbdt"}))
      ->needs(pooled);
  cmd->add_option("--pooled-block", args.block, "With --pooled: timestamps per time-cut fold (between pooled refits)")
      ->check(CLI::Range(1, 1'000'000))
      ->needs(pooled);
  cmd->add_option("--pooled-min-rows", args.min_rows,
                  "With --pooled: realized labels (all series) before the first out-of-fold pooled forecast")
      ->check(CLI::Range(50, 10'000'000))
      ->needs(pooled);
}

}  // namespace rc::cli
