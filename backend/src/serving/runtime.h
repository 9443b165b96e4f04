// File: serving/runtime.h
//
// The serving runtime the server owns and every caller shares: the series in
// memory (SeriesBook), the group-committed gold log (GoldLog), background
// training jobs, and the one prediction flow
//
//   predict (from memory; as-of from the lake) -> log the gating decision and
//   bands (runbook §3.3) -> queue for gold -> broadcast prediction and regime
//
// that POST /api/prediction/trigger, the market-clock scheduler and the CLI
// call. Training jobs reload the series' experiments when they finish, so the
// next prediction uses the new model without a restart.
//
//   rc::serving::Runtime runtime({.data_dir = settings.data_dir}, &hub);
//   RC_ASSIGN_OR_RETURN(auto outcome, runtime.Predict({symbol, tf, 180}));
//   runtime.Shutdown();   // after the last request: commits the gold queue
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/error.h"
#include "core/market_clock.h"
#include "core/mutex.h"
#include "core/thread_annotations.h"
#include "core/time.h"
#include "regime/detector.h"
#include "serving/adaptive_bands.h"
#include "serving/backtest_service.h"
#include "serving/broadcaster.h"
#include "serving/drift_tracker.h"
#include "serving/gold_log.h"
#include "serving/job_runner.h"
#include "serving/pooled_training.h"
#include "serving/prediction_service.h"
#include "serving/series_book.h"
#include "serving/storage_health.h"
#include "serving/training_batch.h"
#include "serving/training_pool.h"
#include "serving/training_service.h"

namespace rc::serving {

struct RuntimeOptions {
  std::string data_dir = "./data";
  bool log_predictions = true;  // queue served predictions for data/gold/predictions
  GoldLogOptions gold;
  TrainingPoolOptions training;  // TRAINING_WORKERS, TRAINING_NICE
  // Called on a training worker after a training run was recorded (health,
  // logs); several workers may call it at once.
  std::function<void(const TrainOutcome&)> on_trained;
  // The time the market lives on: the scheduler's clock, so a replay or the
  // demo answers REST as of replay time, not as of today (where its newest
  // bar is years old and every regime would read `unknown`). Null: wall time.
  std::shared_ptr<const MarketClock> market_clock;
};

// The wire form of a regime state (GET /api/regime `current`, the regime: channel).
boost::json::object RegimeJson(const regime::RegimeState& state);

class Runtime {
 public:
  // `broadcaster` may be null (CLI); otherwise it must outlive the runtime.
  Runtime(RuntimeOptions options, Broadcaster* broadcaster);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // One served prediction (see the file comment). Errors: as SeriesBook::Predict
  // and PredictionService::Predict.
  Result<PredictionOutcome> Predict(const PredictQuery& query) { return Predict(query, Now()); }
  // As above at market time `now` (the scheduler passes its cycle's time).
  Result<PredictionOutcome> Predict(const PredictQuery& query, int64_t now);

  // Market time now (RuntimeOptions::market_clock).
  int64_t Now() const { return options_.market_clock ? options_.market_clock->Now() : NowMicros(); }

  // The series' regime at market time `now` without predicting: sets
  // market_regime_state and publishes on the regime: channel when it changed.
  // The scheduler calls it when a bar close brought no bar, so a feed gap reads
  // `unknown` (stale) as the runbook's Data Feed Gap playbook expects.
  // Errors: as SeriesBook::Regime (kNotFound for a series without data).
  Status RefreshRegime(const Symbol& symbol, Timeframe timeframe, int64_t now);

  // Queues a training run as a background job (GET /api/jobs/{id}); it runs
  // on the training pool (lower priority than serving); on success the
  // series' experiments are reloaded. `reason` goes to the log and the job's
  // params ("api", "schedule", "drift"). Errors: as ValidateTrainRequest;
  // kRateLimited (queue full), kUnavailable (shutting down).
  Result<std::string> SubmitTraining(const TrainRequest& request, const std::string& reason);

  // Queues one "train_batch" job for many series (a watchlist): they train in
  // parallel on the training pool and the job reports progress (done/total,
  // failed, ETA) in GET /api/jobs. It succeeds when every series trained and
  // fails otherwise, keeping the per-series result either way. Errors: as
  // SubmitTraining; kInvalidArgument "series" for an empty list.
  Result<std::string> SubmitBatchTraining(const std::vector<TrainRequest>& requests, const std::string& reason);

  // Queues one "train_pooled" job: TrainPooled (serving/pooled_training.h)
  // on the training pool, then every series' experiments are reloaded.
  // Errors: as ValidatePooledTrainRequest; kRateLimited, kUnavailable.
  Result<std::string> SubmitPooledTraining(const PooledTrainRequest& request, const std::string& reason);

  // Queues a "backtest" job: RunSeriesBacktest on the training pool, its
  // summary saved for GET /api/models/backtest (SaveBacktestSummary) and
  // returned, trimmed to the headline, as the job's result. Progress counts
  // its two steps (backtest run, summary saved). Errors: as
  // ValidateBacktestRequest; kRateLimited (queue full), kUnavailable.
  Result<std::string> SubmitBacktest(const BacktestRequest& request, const std::string& reason);

  // Runs `fn` with registry writes serialised (pruning, curating), then
  // reloads the experiments of every series.
  template <typename F>
  auto WithRegistry(F&& fn) RC_EXCLUDES(registry_mutex_) {
    MutexLock lock(registry_mutex_);
    auto result = fn();
    book_.InvalidateExperiments();
    return result;
  }

  SeriesBook& book() { return book_; }
  AdaptiveBands& adaptive() { return adaptive_; }
  GoldLog& gold() { return gold_; }
  // The drift check's state, fed by every gold commit (serving/drift_tracker.h).
  DriftTracker& drift() { return drift_; }
  // Write failures of the live loop (gold log, bar cycle, training) for /health.
  StorageHealth& storage() { return storage_; }
  JobRunner& jobs() { return jobs_; }
  TrainingPool& training_pool() { return training_pool_; }
  Broadcaster* broadcaster() { return broadcaster_; }
  const std::string& data_dir() const { return options_.data_dir; }

  // Commits the gold queue and writes the realized closes found since the
  // last drift check's write to gold; call after the last request was answered
  // and the scheduler stopped.
  Status Shutdown();

 private:
  const RuntimeOptions options_;
  Broadcaster* const broadcaster_;
  AdaptiveBands adaptive_;  // before book_, which reads it
  SeriesBook book_;
  PredictionService lake_predictions_;  // as-of (backfill) predictions
  StorageHealth storage_;               // before gold_, which reports to it
  DriftTracker drift_;                  // before gold_, which feeds it
  GoldLog gold_;
  void PublishRegimeIfChanged(const Symbol& symbol, Timeframe timeframe, const regime::RegimeState& state)
      RC_EXCLUDES(regime_mutex_);

  Mutex regime_mutex_;
  // regime channel -> (bar, state) last published on it
  std::map<std::string, std::pair<int64_t, regime::Regime>> last_regime_ RC_GUARDED_BY(regime_mutex_);
  // Serialises experiment-registry writes in this process; the registry itself
  // then takes its file lock (ml/registry/registry.h), which the CLI shares.
  Mutex registry_mutex_;
  // Records one training run and reloads the series' experiments.
  Result<TrainOutcome> TrainAndReload(const TrainRequest& request);
  TrainingPool training_pool_;  // before jobs_: a running job waits on it
  JobRunner jobs_;              // last: its worker uses the members above
};

}  // namespace rc::serving
