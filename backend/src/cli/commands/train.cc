// `regimecast train --bot orchestrator|<family>`: walk-forward training on
// silver at a pinned version, recorded in data/experiments (runbook §4,
// Prediction Drift: retrain with bot_name="orchestrator").
#include <iomanip>
#include <iostream>

#include "cli/command.h"
#include "cli/ml_args.h"
#include "core/time.h"
#include "ml/models/family_registry.h"
#include "serving/training_service.h"

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
  cmd->add_option("--until", args->until, "Train only on bars closed by this time (ISO-8601): what was known then");
  cmd->callback([&ctx, args] {
    auto settings = ctx.LoadSettings();
    if (!settings) return ReportError(ctx, settings.error());
    auto series = ParseSeries(args->series);
    if (!series) return ReportError(ctx, series.error(), 2);
    serving::TrainRequest request{series->symbol, series->timeframe, args->series.horizon_minutes, args->bot,
                                  args->folds, args->min_train_rows, std::nullopt};
    if (!args->until.empty()) {
      auto until = ParseIsoUtc(args->until, "--until");
      if (!until) return ReportError(ctx, until.error(), 2);
      request.until = *until;
    }
    if (auto valid = serving::ValidateTrainRequest(request); !valid) {
      Error error = valid.error();
      error.field = "--" + (error.field == "min_train_rows" ? std::string("min-train-rows") : error.field);
      return ReportError(ctx, error, 2);
    }
    auto outcome = serving::Train(settings->data_dir, request);
    if (!outcome) return ReportError(ctx, outcome.error());
    PrintResult(outcome->result, outcome->experiment_id);
  });
}

}  // namespace rc::cli
