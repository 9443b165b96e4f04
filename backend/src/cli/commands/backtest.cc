// `regimecast backtest`: for every bar in [from, to) the prediction the live
// service would have made at its close, with models trained only on data
// available then (walk-forward, retrained every N bars); summary vs naive
// (MAPE ratio, directional accuracy with CI, coverage / width / interval score
// per level and regime, each family's evidence of skill), as text or --json.
#include <boost/json.hpp>
#include <fstream>
#include <iostream>

#include "cli/command.h"
#include "cli/ml_args.h"
#include "ml/backtest/backtest.h"
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
      std::cout << boost::json::serialize(summary) << "\n";
    } else {
      std::cout << ml::BacktestSummaryText(*result);
    }
  });
}

}  // namespace rc::cli
