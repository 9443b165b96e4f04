// File: serving/pooled_column.h
//
// The pooled family's input at prediction time, shared by both prediction
// paths: the series book (from memory, serving/series_book.cc) and the as-of
// path (from the lake, serving/prediction_service.cc). A series whose
// experiment has the pooled family gets a "pooled_forecast" column: the pooled
// model the experiment names (ml/registry/pooled_store.h) applied to the row
// built from the recent bars of every series of that model at or before the
// predicted bar (ml/pooled/pooled_live.h). Where the bars come from is the
// caller's: memory, or silver read as of a time.
//
//   PooledModelCache models(data_dir);
//   RC_ASSIGN_OR_RETURN(auto pooled, models.ForExperiment(experiment, tf, 180, &request.pooled_model_id));
//   SetPooledColumn(PooledForecastFrom(*pooled, symbol, own, bar_ts, history_of), request);
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/mutex.h"
#include "core/symbol.h"
#include "core/timeframe.h"
#include "ml/pooled/pooled_live.h"
#include "ml/predict/predictor.h"
#include "ml/registry/pooled_store.h"

namespace rc::serving {

// Pooled models by (timeframe, horizon, id), loaded once: an id never changes
// content. Thread-safe. A load counts as a cache miss of "model".
class PooledModelCache {
 public:
  explicit PooledModelCache(const std::string& data_dir) : store_(data_dir) {}

  // Errors: those of PooledModelStore::Load (kNotFound for a missing model).
  Result<std::shared_ptr<const ml::LoadedPooledModel>> Get(const std::string& timeframe, int horizon_minutes,
                                                          const std::string& id) RC_EXCLUDES(mutex_);
  // The pooled model `experiment` was trained with (parameters.pooled.model_id;
  // `model_id` is set to it, "" when it names none). Errors: kNotFound when it
  // names none or the model is gone; those of Get.
  Result<std::shared_ptr<const ml::LoadedPooledModel>> ForExperiment(const ml::LoadedExperiment& experiment,
                                                                    Timeframe timeframe, int horizon_minutes,
                                                                    std::string* model_id) RC_EXCLUDES(mutex_);

 private:
  ml::PooledModelStore store_;
  Mutex mutex_;
  std::map<std::string, std::shared_ptr<const ml::LoadedPooledModel>> loaded_ RC_GUARDED_BY(mutex_);
};

// The recent bars of one series for the cross-section, or nullopt when the
// series has none (it then contributes nothing, as a series without a bar at
// that time does in training). An error stops the forecast.
using PooledHistoryOf = std::function<Result<std::optional<ml::PooledSeries>>(const Symbol&)>;

// The pooled forecast (a log return over the horizon) of `symbol` at its bar
// `bar_ts`: every series of `pooled`, in the model's order, `own` for the
// target and `history_of` for the others. Errors: kNotFound when `symbol` is
// not among the model's series or has no bar at `bar_ts`; those of
// ml::PooledRowAt / PooledForecastFor (Unavailable during warm-up) and of
// `history_of`.
Result<double> PooledForecastFrom(const ml::LoadedPooledModel& pooled, const Symbol& symbol,
                                  const ml::PooledSeries& own, int64_t bar_ts, const PooledHistoryOf& history_of);

// The last ml::kPooledHistoryBars bars of `symbol` in silver that were closed
// by `closed_by` (all of them when unset), as the pooled row builder reads
// them. Reads a window of recent bars first and the whole partition only when
// the window holds fewer. Errors: kNotFound when silver has no such bar; lake errors.
Result<ml::PooledSeries> PooledHistoryFromSilver(const std::string& data_dir, const Symbol& symbol,
                                                 Timeframe timeframe, int horizon_bars,
                                                 std::optional<int64_t> closed_by);

// The last ml::kPooledHistoryBars of a series' bars (open times and closes in
// time order) as a pooled input with no targets.
ml::PooledSeries PooledTail(const std::string& name, const std::vector<int64_t>& ts, const std::vector<double>& close,
                            int horizon_bars);

// Appends the forecast to `request` as its ml::kPooledForecastFeature column,
// or, when there is none, sets request.pooled_unavailable to why (the
// prediction is then served without the pooled family and says so).
void SetPooledColumn(const Result<double>& forecast, ml::PredictionRequest& request);

}  // namespace rc::serving
