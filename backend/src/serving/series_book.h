// File: serving/series_book.h
//
// The server's series in memory: one SeriesState (serving/series_state.h) per
// (symbol, timeframe), built from silver on first use, plus the active
// experiment of each horizon, so a prediction or a regime query does no I/O.
//
// Staying current:
//  - CatchUp(symbol, tf): the live loop calls it after the pipeline committed
//    new bars; it reads only the silver rows after the newest bar it has and
//    advances one bar at a time.
//  - Refresh(): called periodically (the server: every second). A series whose
//    silver partition changed underneath it (a CLI `pipeline` run, a replaced
//    partition) is rebuilt off-lock and swapped in; a changed experiment index
//    (training elsewhere, curate, clear) drops the cached experiments.
//  - InvalidateExperiments(): in-process training/curating/pruning call it so
//    the next prediction uses the new experiment at once.
//
// Thread-safety: every method may be called from any thread. Each series has
// its own mutex; building or rebuilding a series from the lake happens outside
// it, so readers of other series, and of this one until the swap, never wait
// for the lake.
//
//   rc::serving::SeriesBook book(settings.data_dir);
//   RC_ASSIGN_OR_RETURN(auto outcome, book.Predict({symbol, tf, 180}, rc::NowMicros()));
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/mutex.h"
#include "core/symbol.h"
#include "core/timeframe.h"
#include "ml/pooled/pooled_live.h"
#include "ml/predict/predictor.h"
#include "ml/registry/pooled_store.h"
#include "ml/registry/registry.h"
#include "serving/adaptive_bands.h"
#include "serving/pooled_column.h"
#include "serving/prediction_service.h"
#include "serving/series_state.h"

namespace rc::monitoring {
class Histogram;
}  // namespace rc::monitoring

namespace rc::serving {

class SeriesBook {
 public:
  // `adaptive` (may be null) steers the band levels of predictions (ACI); it
  // must outlive the book.
  explicit SeriesBook(std::string data_dir, const AdaptiveBands* adaptive = nullptr);
  ~SeriesBook();
  SeriesBook(const SeriesBook&) = delete;
  SeriesBook& operator=(const SeriesBook&) = delete;

  // A prediction from memory (query.as_of must be empty: backfills take the
  // lake path, PredictionService). Records prediction_latency_seconds and
  // market_regime_state. Errors: kInvalidArgument ("as_of", "horizon_minutes");
  // kNotFound when silver has no rows for the series; lake/registry errors.
  Result<PredictionOutcome> Predict(const PredictQuery& query, int64_t wall_now);

  // The current regime and up to `history` recent states (oldest first).
  struct RegimeView {
    regime::RegimeState current;            // at wall_now: "stale" unknown after a feed gap
    std::vector<regime::RegimeState> history;
    int64_t silver_version = -1;
    // More history was asked than memory keeps (SeriesState::kRegimeHistory):
    // callers that need it all read the lake.
    bool history_truncated = false;
  };
  // Errors: as Predict.
  Result<RegimeView> Regime(const Symbol& symbol, Timeframe timeframe, size_t history, int64_t wall_now);

  // Advances the series by the silver rows newer than its newest bar (building
  // it when absent). Returns the bars consumed, oldest first.
  Result<std::vector<Bar>> CatchUp(const Symbol& symbol, Timeframe timeframe);

  // Rebuilds series whose silver partition changed underneath them and drops
  // cached experiments when the registry index changed. Errors are logged per
  // series (a broken partition does not stop the others) and returned first.
  Status Refresh();

  // Every series reloads its experiments on the next prediction.
  void InvalidateExperiments();

  // Drops the series' state: the next use rebuilds it from silver (a late bar
  // landed in the middle of its history).
  void Invalidate(const Symbol& symbol, Timeframe timeframe);

  // Bars the series has consumed (building it from silver when needed), or
  // nullopt when silver has none or cannot be read.
  std::optional<size_t> BarsSeen(const Symbol& symbol, Timeframe timeframe);

  // Series currently in memory.
  std::vector<std::pair<Symbol, Timeframe>> Series() const;

  // How many states in memory were built from the lake so far (tests, metrics).
  int64_t builds() const;

 private:
  struct ActiveModel {
    std::optional<ml::IndexEntry> entry;
    std::shared_ptr<const ml::LoadedExperiment> experiment;
  };
  // One series. build_mutex is taken before mutex, never after.
  struct Slot {
    Slot(const Symbol& s, Timeframe tf);

    const Symbol symbol;
    const Timeframe timeframe;
    monitoring::Histogram* const latency;  // prediction_latency_seconds{symbol,timeframe}
    Mutex build_mutex RC_ACQUIRED_BEFORE(mutex);  // one lake build of this series at a time
    Mutex mutex;                                  // guards the members below
    std::unique_ptr<SeriesState> state RC_GUARDED_BY(mutex);
    std::map<int, ActiveModel> models RC_GUARDED_BY(mutex);  // by horizon
    std::string published_regime RC_GUARDED_BY(mutex);      // last value given to market_regime_state
    // The last failed build, for LockBuiltOrBackOff: no new attempt before
    // `retry_build_after` (steady clock).
    std::optional<Error> build_failure RC_GUARDED_BY(mutex);
    std::chrono::steady_clock::time_point retry_build_after RC_GUARDED_BY(mutex);
  };
  using SlotPtr = std::shared_ptr<Slot>;
  SlotPtr SlotFor(const Symbol& symbol, Timeframe timeframe) RC_EXCLUDES(mutex_);
  // The slot's state, building it from silver when absent. Caller holds no lock.
  Status EnsureBuilt(Slot& slot) RC_EXCLUDES(slot.build_mutex, slot.mutex);
  // Locks slot.mutex with the state built: true with it held (the caller adopts
  // it: MutexLock(slot.mutex, kAdoptLock)); false with `error` set and no lock.
  bool LockBuilt(Slot& slot, Error* error) RC_TRY_ACQUIRE(true, slot.mutex);
  // As LockBuilt, for a series that another one's prediction only reads (the
  // pooled cross-section): after a failed build (say, a pooled series without
  // silver) the same error is returned without a new lake read for
  // kFailedBuildBackoff, so a missing series costs one read per interval, not
  // one per prediction of every other series.
  bool LockBuiltOrBackOff(Slot& slot, Error* error) RC_TRY_ACQUIRE(true, slot.mutex);
  // As EnsureBuilt, for a caller that holds slot.build_mutex.
  Status BuildIfAbsent(Slot& slot) RC_REQUIRES(slot.build_mutex) RC_EXCLUDES(slot.mutex);
  // A fresh state from the latest silver of the series.
  Result<std::unique_ptr<SeriesState>> Build(const Symbol& symbol, Timeframe timeframe) RC_EXCLUDES(mutex_);
  // The pooled forecast at `bar_ts` for the query's series: the experiment's
  // pooled model applied to the row built from every pooled series' recent
  // bars at or before `bar_ts`. Sets `model_id` when the experiment names one.
  Result<double> PooledForecast(const ml::LoadedExperiment& experiment, const PredictQuery& query,
                                const ml::PooledSeries& own_history, int64_t bar_ts, std::string* model_id)
      RC_EXCLUDES(mutex_);
  // Appends the "pooled_forecast" column to `request`, or sets
  // request.pooled_unavailable (and logs) when it cannot be built. Caller
  // holds no series lock.
  void AddPooledColumn(const ml::LoadedExperiment& experiment, const PredictQuery& query,
                       const ml::PooledSeries& own_history, ml::PredictionRequest& request) RC_EXCLUDES(mutex_);
  // The active experiment of `horizon` for the slot (cached).
  Result<ActiveModel> ActiveFor(Slot& slot, int horizon_minutes) RC_REQUIRES(slot.mutex);

  std::string data_dir_;
  const AdaptiveBands* adaptive_;
  ml::ExperimentRegistry registry_;
  ml::ModelCache models_;
  PooledModelCache pooled_models_;
  mutable Mutex mutex_;  // guards the members below (the map, not the slots); never held with a slot's
  std::map<std::pair<std::string, std::string>, SlotPtr> slots_ RC_GUARDED_BY(mutex_);
  int64_t builds_ RC_GUARDED_BY(mutex_) = 0;
  std::string index_stamp_ RC_GUARDED_BY(mutex_);  // experiments/index.json size+mtime at the last Refresh
  // Why each "SYMBOL|tf|horizon" was last served without its pooled column: the
  // warning is logged when the reason changes, not on every request.
  std::map<std::string, std::string> pooled_unavailable_ RC_GUARDED_BY(mutex_);
};

}  // namespace rc::serving
