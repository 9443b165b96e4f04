// `regimecast train --bot orchestrator|<family>`: walk-forward training on
// silver at a pinned version, recorded in data/experiments (runbook §4,
// Prediction Drift: retrain with bot_name="orchestrator").
#include <iomanip>
#include <iostream>

#include "cli/command.h"
#include "cli/ml_args.h"
#include "ml/models/family_registry.h"
#include "ml/registry/registry.h"
#include "ml/silver_source.h"
#include "ml/training/walk_forward.h"
#include "monitoring/standard_metrics.h"

namespace rc::cli {
namespace {

void PrintResult(const ml::TrainingResult& result, const std::string& id) {
  std::cout << "experiment " << id << ": " << result.rows << " rows [" << FormatIsoUtc(result.first_ts) << ", "
            << FormatIsoUtc(result.last_ts) << "], " << result.folds.size() << " folds, primary metric "
            << result.primary_metric << "\n";
  std::cout << std::left << std::setw(16) << "family" << std::right << std::setw(12) << "mape" << std::setw(12)
            << "rmse" << std::setw(10) << "dir_acc";
  for (double level : result.levels) std::cout << std::setw(10) << ("cov_" + std::to_string(int(level * 100 + 0.5)));
  std::cout << "\n";
  auto row = [&](const ml::FamilyResult& f) {
    std::cout << std::left << std::setw(16) << f.family << std::right;
    if (!f.ok) {
      std::cout << "  failed: " << f.error << "\n";
      return;
    }
    std::cout << std::setw(12) << std::setprecision(5) << f.overall.mape << std::setw(12) << f.overall.rmse
              << std::setw(10) << std::setprecision(3) << f.overall.directional_accuracy;
    for (const auto& band : f.overall.bands) std::cout << std::setw(10) << band.coverage;
    std::cout << "\n";
  };
  for (const auto& family : result.families) row(family);
  row(result.ensemble);
  std::cout << "champion: " << (result.champion.empty() ? "-" : result.champion)
            << ", challenger: " << (result.challenger.empty() ? "-" : result.challenger) << "\n";
}

}  // namespace

void RegisterCommand_train(CLI::App& app, CommandContext& ctx) {
  struct Args {
    SeriesArgs series;
    std::string bot = "orchestrator", until;
    int folds = 5;
    int min_train_rows = 500;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("train", "Walk-forward training on silver, recorded as an experiment");
  cmd->add_option("--bot", args->bot, "orchestrator (every family) or one family: " + [] {
    std::string names;
    for (const auto& name : ml::FamilyNames()) names += (names.empty() ? "" : ", ") + name;
    return names;
  }());
  AddSeriesOptions(cmd, args->series, true);
  cmd->add_option("--folds", args->folds, "Walk-forward folds")->check(CLI::Range(1, 50));
  cmd->add_option("--min-train-rows", args->min_train_rows, "Rows before the first test fold")
      ->check(CLI::Range(50, 10'000'000));
  cmd->add_option("--until", args->until, "Train only on bars up to this time (ISO-8601)");
  cmd->callback([&ctx, args] {
    auto settings = ctx.LoadSettings();
    if (!settings) return ReportError(ctx, settings.error());
    auto series = ParseSeries(args->series);
    if (!series) return ReportError(ctx, series.error(), 2);
    ml::SilverQuery query;
    if (!args->until.empty()) {
      auto until = ParseIsoUtc(args->until, "--until");
      if (!until) return ReportError(ctx, until.error(), 2);
      query.until = *until;
    }
    ml::WalkForwardOptions options;
    options.folds = args->folds;
    options.min_train_rows = args->min_train_rows;
    const bool orchestrator = args->bot == "orchestrator";
    if (!orchestrator) {
      if (!ml::IsKnownFamily(args->bot)) {
        return ReportError(ctx, InvalidArgument("--bot", "unknown bot '" + args->bot + "'").value(), 2);
      }
      options.families = {args->bot};
    }
    auto slice = ml::LoadSilver(settings->data_dir, series->symbol, series->timeframe, query);
    if (!slice) return ReportError(ctx, slice.error());
    ml::DatasetSpec spec;
    spec.feature_names = slice->model_features;
    spec.horizon_bars = series->horizon_bars;
    spec.target_column = ml::TargetColumnName(args->series.horizon_minutes);
    auto dataset = ml::BuildDataset(slice->table, spec);
    if (!dataset) return ReportError(ctx, dataset.error());
    auto result = ml::RunWalkForward(*dataset, options);
    if (!result) return ReportError(ctx, result.error());
    ml::DataVersion data{std::to_string(slice->silver_version),
                         "silver/features@" + std::to_string(slice->silver_version) + " " + series->key.ToString() +
                             " " + slice->feature_set_version,
                         result->first_ts, result->last_ts, result->rows};
    ml::ExperimentRegistry registry(settings->data_dir);
    auto record = ml::MakeExperimentRecord(*result, series->key, orchestrator ? "orchestrator" : "single", data,
                                           options, NowMicros());
    auto id = registry.Record(record, &*result);
    if (!id) return ReportError(ctx, id.error());
    PrintResult(*result, *id);
  });
}

}  // namespace rc::cli
