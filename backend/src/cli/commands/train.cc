// `regimecast train --bot orchestrator|<family>`: walk-forward training on
// silver at a pinned version, recorded in data/experiments (runbook §4,
// Prediction Drift: retrain with bot_name="orchestrator"). `--all` trains every
// WATCHLIST series (every HORIZONS_MINUTES unless --horizon-minutes) in
// parallel on the training pool (TRAINING_WORKERS, TRAINING_NICE), printing
// progress (done/total, ETA) as each series finishes. `--pooled` fits the
// pooled (global) model once per (timeframe, horizon) over every series of the
// lake at --timeframe (or of the WATCHLIST with --all), stores it once in the
// registry and trains each of those series with the pooled family competing
// (serving/pooled_training.h).
#include <iomanip>
#include <iostream>

#include "cli/command.h"
#include "cli/ml_args.h"
#include "core/time.h"
#include "ml/models/family_registry.h"
#include "serving/pooled_training.h"
#include "serving/training_batch.h"
#include "serving/training_pool.h"
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

void PrintProgress(const serving::JobProgress& progress, const serving::BatchItem& item) {
  std::cerr << "[" << progress.done << "/" << progress.total << "] " << item.Label() << ": "
            << (item.ok() ? "experiment " + item.outcome->experiment_id + ", champion " +
                                (item.outcome->result.champion.empty() ? "-" : item.outcome->result.champion)
                          : "failed: " + item.error.ToString())
            << std::fixed << std::setprecision(1) << " (" << item.seconds << " s";
  if (progress.eta_seconds) std::cerr << ", ETA " << *progress.eta_seconds << " s";
  std::cerr << ")" << std::defaultfloat << std::endl;
}

// Every requested series on the training pool; exit 1 when any failed.
void TrainAll(CommandContext& ctx, const Settings& settings, std::vector<serving::TrainRequest> requests,
              int workers) {
  const serving::TrainingPoolOptions pool_options{workers, settings.training_nice, settings.training_sched == "idle"};
  if (auto valid = serving::ValidateTrainingPoolOptions(pool_options); !valid) {
    return ReportError(ctx, Error{ErrorCode::kInvalidArgument, valid.error().message, "--workers"}, 2);
  }
  serving::TrainingPool pool(pool_options);
  Mutex registry_mutex;
  std::cerr << "training " << requests.size() << " series on " << workers << " worker(s) at nice "
            << settings.training_nice << std::endl;
  const auto items = serving::TrainMany(
      std::move(requests), pool,
      [&](const serving::TrainRequest& request) { return serving::Train(settings.data_dir, request, &registry_mutex); },
      PrintProgress);
  size_t failed = 0;
  for (const auto& item : items) {
    failed += item.ok() ? 0 : 1;
    std::cout << std::left << std::setw(28) << item.Label() << std::right << " "
              << (item.ok() ? item.outcome->experiment_id : "failed: " + item.error.message) << "\n";
  }
  std::cout << "trained " << items.size() - failed << " of " << items.size() << " series\n";
  if (failed > 0) ctx.exit_code = 1;
}

void PrintPooled(const serving::PooledTrainOutcome& outcome) {
  for (const serving::PooledHorizonOutcome& h : outcome.horizons) {
    std::cout << "pooled model " << h.pooled.id << ": " << h.pooled.learner << ", " << h.pooled.series.size()
              << " series, " << h.pooled.train_rows << " rows [" << FormatIsoUtc(h.pooled.first_ts) << ", "
              << FormatIsoUtc(h.pooled.last_ts) << "], horizon " << h.horizon_minutes << " min\n";
    std::cout << std::left << std::setw(16) << "series" << std::setw(56) << "experiment" << std::right << std::setw(12)
              << "oof/naive" << std::setw(10) << "weight" << "  pooled family\n";
    for (size_t s = 0; s < h.series.size(); ++s) {
      const std::string& name = h.pooled.series[s];
      const ml::TrainingResult& result = h.series[s].result;
      const auto w = result.gating.pooled.weights.find(ml::kPooledFamily);
      const auto why = result.gating.pooled.gated_out.find(ml::kPooledFamily);
      std::cout << std::left << std::setw(16) << name << std::setw(56) << h.series[s].experiment_id << std::right
                << std::setw(12) << std::setprecision(4) << h.pooled.oof_mape_ratio.at(name) << std::setw(10)
                << std::setprecision(3) << (w == result.gating.pooled.weights.end() ? 0.0 : w->second) << "  "
                << (why != result.gating.pooled.gated_out.end() ? "gated out: " + why->second : "weighted") << "\n";
    }
  }
}

// `train --pooled`: one pooled run per timeframe (of --timeframe, or of every
// WATCHLIST timeframe with --all).
void TrainPooledCommand(CommandContext& ctx, const Settings& settings, const std::vector<serving::PooledTrainRequest>& runs) {
  for (const serving::PooledTrainRequest& run : runs) {
    std::cerr << "pooled training at " << run.timeframe.ToString() << ": "
              << (run.symbols.empty() ? std::string("every series of the lake") : std::to_string(run.symbols.size()) + " series")
              << ", " << run.horizons_minutes.size() << " horizon(s), learner " << run.pooled.learner << std::endl;
    auto outcome = serving::TrainPooled(
        settings.data_dir, run, [](int horizon, const std::string& symbol, const serving::TrainOutcome& trained) {
          std::cerr << "  " << symbol << " " << horizon << "m: experiment " << trained.experiment_id << std::endl;
        });
    if (!outcome) return ReportError(ctx, outcome.error(), outcome.error().code == ErrorCode::kInvalidArgument ? 2 : 1);
    PrintPooled(*outcome);
  }
}

}  // namespace

void RegisterCommand_train(CLI::App& app, CommandContext& ctx) {
  struct Args {
    SeriesArgs series;
    std::string bot = "orchestrator", until;
    int folds = 5;
    int min_train_rows = 500;
    bool all = false;
    int workers = 0;  // 0 = TRAINING_WORKERS
    bool pooled = false;
    PooledArgs pooled_args;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("train", "Walk-forward training on silver, recorded as an experiment");
  cmd->add_option("--bot", args->bot, "orchestrator (every family) or one family: " + [] {
    std::string names;
    for (const auto& name : ml::FamilyNames()) names += (names.empty() ? "" : ", ") + name;
    return names;
  }());
  const SeriesOptions series_options = AddSeriesOptions(cmd, args->series, true, /*required=*/false);
  CLI::Option* all = cmd->add_flag("--all", args->all,
                                   "Train every WATCHLIST series (every HORIZONS_MINUTES unless --horizon-minutes) "
                                   "in parallel, with progress");
  all->excludes(series_options.symbol)->excludes(series_options.timeframe);
  cmd->add_option("--workers", args->workers, "With --all: series trained at once (default TRAINING_WORKERS)")
      ->check(CLI::Range(1, serving::kMaxTrainingWorkers));
  cmd->add_option("--folds", args->folds, "Walk-forward folds")->check(CLI::Range(1, 50));
  cmd->add_option("--min-train-rows", args->min_train_rows, "Rows before the first test fold")
      ->check(CLI::Range(50, 10'000'000));
  CLI::Option* pooled = cmd->add_flag(
      "--pooled",
      args->pooled,
      "Fit the pooled (global) model once per horizon over every series of the lake at --timeframe (or of the "
      "WATCHLIST with --all; at least 2 series), store it once in the registry (experiments/pooled/), and train "
      "each of those series with the pooled family competing: it earns weight only with evidence of skill "
      "against naive. Serving then builds its input from every series' latest bars");
  pooled->excludes(series_options.symbol);
  AddPooledOptions(cmd, args->pooled_args, pooled);
  cmd->add_option("--until", args->until, "Train only on bars closed by this time (ISO-8601): what was known then");
  cmd->callback([&ctx, args, series_options] {
    auto settings = ctx.LoadSettings();
    if (!settings) return ReportError(ctx, settings.error());
    auto until_flag = ParseTimeFlag(args->until, "--until");
    if (!until_flag) return ReportError(ctx, until_flag.error(), 2);
    const std::optional<TimestampUs> until = *until_flag;
    if (args->pooled) {
      const std::vector<int> horizons = series_options.horizon->count() > 0
                                            ? std::vector<int>{args->series.horizon_minutes}
                                            : settings->horizons_minutes;
      std::vector<serving::PooledTrainRequest> runs;
      auto add_run = [&](Timeframe tf) -> serving::PooledTrainRequest& {
        for (auto& run : runs) {
          if (run.timeframe == tf) return run;
        }
        serving::PooledTrainRequest run;
        run.timeframe = tf;
        run.horizons_minutes = horizons;
        run.pooled = args->pooled_args.ToOptions();
        run.folds = args->folds;
        run.min_train_rows = args->min_train_rows;
        run.until = until;
        return runs.emplace_back(std::move(run));
      };
      if (args->all) {
        auto watchlist = ParseWatchlist(*settings);
        if (!watchlist) return ReportError(ctx, watchlist.error(), 2);
        for (const WatchedSeries& watched : *watchlist) add_run(watched.timeframe).symbols.push_back(watched.symbol);
        if (runs.empty()) return ReportError(ctx, Error{ErrorCode::kInvalidArgument, "is empty", "WATCHLIST"}, 2);
      } else {
        if (series_options.timeframe->count() == 0) {
          return ReportError(
              ctx, Error{ErrorCode::kInvalidArgument, "is required with --pooled (or --all for the WATCHLIST)", "--timeframe"}, 2);
        }
        auto tf = Timeframe::Parse(args->series.timeframe, "--timeframe");
        if (!tf) return ReportError(ctx, tf.error(), 2);
        add_run(*tf);
      }
      for (const serving::PooledTrainRequest& run : runs) {
        if (auto valid = serving::ValidatePooledTrainRequest(run); !valid) {
          Error error = valid.error();
          if (error.field == "symbols") error.field = args->all ? "WATCHLIST" : "--symbol";
          if (error.field == "horizon_minutes") error.field = "--horizon-minutes";
          return ReportError(ctx, error, 2);
        }
      }
      return TrainPooledCommand(ctx, *settings, runs);
    }
    std::vector<serving::TrainRequest> requests;
    if (args->all) {
      auto watchlist = ParseWatchlist(*settings);
      if (!watchlist) return ReportError(ctx, watchlist.error(), 2);
      const std::vector<int> horizons = series_options.horizon->count() > 0
                                            ? std::vector<int>{args->series.horizon_minutes}
                                            : settings->horizons_minutes;
      requests = serving::RequestsForSeries(*watchlist, horizons, args->bot);
      if (requests.empty()) return ReportError(ctx, Error{ErrorCode::kInvalidArgument, "is empty", "WATCHLIST"}, 2);
    } else {
      const std::pair<CLI::Option*, const char*> needed[] = {
          {series_options.symbol, "--symbol"}, {series_options.timeframe, "--timeframe"},
          {series_options.horizon, "--horizon-minutes"}};
      for (const auto& [option, name] : needed) {
        if (option->count() == 0) {
          return ReportError(ctx, Error{ErrorCode::kInvalidArgument, "is required (or --all for every WATCHLIST series)", name}, 2);
        }
      }
      auto series = ParseSeries(args->series);
      if (!series) return ReportError(ctx, series.error(), 2);
      requests.push_back(serving::TrainRequest{series->symbol, series->timeframe, args->series.horizon_minutes,
                                               args->bot});
    }
    for (serving::TrainRequest& request : requests) {
      request.folds = args->folds;
      request.min_train_rows = args->min_train_rows;
      request.until = until;
      if (auto valid = serving::ValidateTrainRequest(request); !valid) {
        Error error = valid.error();
        error.field = "--" + (error.field == "min_train_rows" ? std::string("min-train-rows") : error.field);
        return ReportError(ctx, error, 2);
      }
    }
    if (args->all) return TrainAll(ctx, *settings, std::move(requests), args->workers > 0 ? args->workers
                                                                                           : settings->training_workers);
    const serving::TrainRequest& request = requests.front();
    auto outcome = serving::Train(settings->data_dir, request);
    if (!outcome) return ReportError(ctx, outcome.error());
    PrintResult(outcome->result, outcome->experiment_id);
  });
}

}  // namespace rc::cli
