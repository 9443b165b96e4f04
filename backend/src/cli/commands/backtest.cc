// `regimecast backtest`: for every bar in [from, to) the prediction the live
// service would have made at its close, with models trained only on data
// available then (walk-forward, retrained every N bars); summary vs naive
// (MAPE ratio, directional accuracy with CI, coverage / width / interval score
// per level and regime, each family's evidence of skill), as text or --json.
// --pooled adds the pooled family: a model trained across every silver series
// of the timeframe on time-cut folds (ml/pooled/), up to --to as well.
#include <boost/json.hpp>
#include <fstream>
#include <iostream>

#include "cli/command.h"
#include "cli/ml_args.h"
#include "ml/backtest/backtest.h"
#include "ml/pooled/pooled_silver.h"
#include "ml/silver_source.h"

namespace rc::cli {

void RegisterCommand_backtest(CLI::App& app, CommandContext& ctx) {
  struct Args {
    SeriesArgs series;
    std::string from, to, out;
    int retrain_every = 500;
    int folds = 3;
    int min_train_rows = 500;
    bool json = false;
    bool pooled = false;
    std::string pooled_learner = "ridge";
    int pooled_block = 250;
    int pooled_min_rows = 1000;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("backtest", "Replay the live prediction path over a past period");
  AddSeriesOptions(cmd, args->series, true);
  cmd->add_option("--from", args->from, "First bar predicted (ISO-8601)")->required();
  cmd->add_option("--to", args->to, "End, exclusive (ISO-8601)")->required();
  cmd->add_option("--retrain-every", args->retrain_every, "Bars between retrains")->check(CLI::Range(1, 1'000'000));
  cmd->add_option("--folds", args->folds, "Walk-forward folds of each retrain")->check(CLI::Range(1, 50));
  cmd->add_option("--min-train-rows", args->min_train_rows, "Rows before the first test fold of each retrain")
      ->check(CLI::Range(50, 10'000'000));
  cmd->add_option("--out", args->out, "Write one row per prediction to this CSV");
  cmd->add_flag("--json", args->json, "Print the summary as one JSON object");
  CLI::Option* pooled = cmd->add_flag("--pooled", args->pooled,
                "Add the pooled family: one model (per horizon) trained on the volatility-normalised bars of EVERY "
                "silver series of this timeframe, walk-forward on folds cut on time across all series. Off by "
                "default: it reads every series of the lake. It earns ensemble weight only through the skill test");
  cmd->add_option("--pooled-learner", args->pooled_learner, "With --pooled: ridge or gbdt")
      ->check(CLI::IsMember({"ridge", "gbdt"}))
      ->needs(pooled);
  cmd->add_option("--pooled-block", args->pooled_block, "With --pooled: timestamps between pooled retrains")
      ->check(CLI::Range(1, 1'000'000))
      ->needs(pooled);
  cmd->add_option("--pooled-min-rows", args->pooled_min_rows,
                  "With --pooled: realized labels (all series) before the first pooled model")
      ->check(CLI::Range(50, 10'000'000))
      ->needs(pooled);
  cmd->callback([&ctx, args] {
    auto settings = ctx.LoadSettings();
    if (!settings) return ReportError(ctx, settings.error());
    auto series = ParseSeries(args->series);
    if (!series) return ReportError(ctx, series.error(), 2);
    auto from = ParseIsoUtc(args->from, "--from");
    if (!from) return ReportError(ctx, from.error(), 2);
    auto to = ParseIsoUtc(args->to, "--to");
    if (!to) return ReportError(ctx, to.error(), 2);
    if (*to <= *from) return ReportError(ctx, InvalidArgument("--to", "must be after --from").value(), 2);
    // Silver up to --to only: the backtest must not even load later bars.
    auto slice = ml::LoadSilver(settings->data_dir, series->symbol, series->timeframe, {.until = *to});
    if (!slice) return ReportError(ctx, slice.error());
    ml::DatasetSpec spec;
    spec.feature_names = slice->model_features;
    spec.horizon_bars = series->horizon_bars;
    spec.target_column = ml::TargetColumnName(args->series.horizon_minutes);
    auto dataset = ml::BuildDataset(slice->table, spec);
    if (!dataset) return ReportError(ctx, dataset.error());
    boost::json::object pooled_info{{"enabled", args->pooled}};
    if (args->pooled) {
      ml::PooledOptions pooled_options;
      pooled_options.learner = args->pooled_learner;
      pooled_options.time_cut.block_timestamps = args->pooled_block;
      pooled_options.time_cut.min_train_rows = args->pooled_min_rows;
      auto run = ml::RunPooledOnSilver(settings->data_dir, series->timeframe, args->series.horizon_minutes,
                                       {.until = *to}, pooled_options);
      if (!run) return ReportError(ctx, run.error());
      if (auto added = run->AddColumnTo(series->symbol, *dataset); !added) return ReportError(ctx, added.error());
      boost::json::array names;
      for (const ml::PooledSeries& s : run->series) names.push_back(boost::json::value(s.name));
      pooled_info["learner"] = args->pooled_learner;
      pooled_info["series"] = names;
      pooled_info["blocks"] = run->forecasts.blocks.size();
      pooled_info["fitted_blocks"] = run->forecasts.fitted_blocks;
      pooled_info["last_train_rows"] = run->forecasts.last_train_rows;
      pooled_info["last_model"] = run->forecasts.last_model;
    }
    ml::BacktestOptions options;
    options.from_ts = *from;
    options.to_ts = *to;
    options.retrain_every = args->retrain_every;
    options.bar_spacing_us = series->timeframe.DurationMicros();
    options.training.folds = args->folds;
    options.training.min_train_rows = args->min_train_rows;
    options.key = series->key;
    auto result = ml::RunBacktest(*dataset, options);
    if (!result) return ReportError(ctx, result.error());
    if (!args->out.empty()) {
      std::ofstream out(args->out);
      out << ml::BacktestCsv(*result);
      if (!out) return ReportError(ctx, IoError("cannot write " + args->out).value());
    }
    if (args->json) {
      boost::json::object summary = result->summary.ToJson();
      summary["symbol"] = series->key.symbol;
      summary["timeframe"] = series->key.timeframe;
      summary["horizon_minutes"] = series->key.horizon_minutes;
      summary["predictions"] = result->rows.size();
      summary["pooled"] = pooled_info;
      std::cout << boost::json::serialize(summary) << "\n";
    } else {
      std::cout << ml::BacktestSummaryText(*result);
      if (args->pooled) {
        std::cout << "pooled: " << boost::json::serialize(pooled_info) << "\n";
      }
    }
  });
}

}  // namespace rc::cli
