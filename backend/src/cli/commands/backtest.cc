// `regimecast backtest`: for every bar in [from, to) the prediction the live
// service would have made at its close, with models trained only on data
// available then (walk-forward, retrained every N bars); summary vs naive
// (MAPE ratio, directional accuracy with CI, coverage / width / interval score
// per level and regime, each family's evidence of skill), as text or --json;
// --save keeps it for GET /api/models/backtest. --pooled adds the pooled
// family: a model trained across every silver series of the timeframe on
// time-cut folds (ml/pooled/), up to --to as well.
#include <boost/json.hpp>
#include <fstream>
#include <iostream>

#include "cli/command.h"
#include "cli/ml_args.h"
#include "core/time.h"
#include "ml/backtest/backtest.h"
#include "serving/backtest_service.h"

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
    PooledArgs pooled_args;
    bool save = false;
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
  AddPooledOptions(cmd, args->pooled_args, pooled);
  cmd->add_flag("--save", args->save,
                "Keep the summary as the series' latest (GET /api/models/backtest, the UI's Models page)");
  cmd->callback([&ctx, args] {
    auto settings = ctx.LoadSettings();
    if (!settings) return ReportError(ctx, settings.error());
    auto series = ParseSeries(args->series);
    if (!series) return ReportError(ctx, series.error(), 2);
    // Both flags are required, so both parse to a time.
    auto from = ParseTimeFlag(args->from, "--from");
    if (!from) return ReportError(ctx, from.error(), 2);
    auto to = ParseTimeFlag(args->to, "--to");
    if (!to) return ReportError(ctx, to.error(), 2);
    if (auto window = CheckFromBeforeTo(**from, **to); !window) return ReportError(ctx, window.error(), 2);
    serving::BacktestRequest request{series->symbol, series->timeframe, args->series.horizon_minutes, **from, **to,
                                     args->retrain_every, args->folds, args->min_train_rows, {}};
    if (args->pooled) request.pooled = args->pooled_args.ToOptions();
    auto run = serving::RunSeriesBacktest(settings->data_dir, request);
    // A request the lake cannot serve (one series with --pooled, a horizon no
    // multiple of the bar) is a usage error, exit 2, as for `train --pooled`.
    if (!run) return ReportError(ctx, run.error(), run.error().code == ErrorCode::kInvalidArgument ? 2 : 1);
    const ml::BacktestResult& result = run->result;
    if (!args->out.empty()) {
      std::ofstream out(args->out);
      out << ml::BacktestCsv(result);
      if (!out) return ReportError(ctx, IoError("cannot write " + args->out).value());
    }
    if (args->save) {
      if (auto saved = serving::SaveBacktestSummary(settings->data_dir, *run, NowMicros()); !saved) {
        return ReportError(ctx, saved.error());
      }
    }
    if (args->json) {
      // The same fields as GET /api/models/backtest (serving/backtest_service.h).
      std::cout << boost::json::serialize(run->SummaryJson()) << "\n";
    } else {
      std::cout << ml::BacktestSummaryText(result);
      if (args->pooled) std::cout << "pooled: " << boost::json::serialize(run->pooled_info) << "\n";
    }
  });
}

}  // namespace rc::cli
