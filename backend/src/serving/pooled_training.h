// File: serving/pooled_training.h
//
// `regimecast train --pooled` and POST /api/prediction/train {"pooled": true}:
// for each horizon, the pooled (global) model over every series of one
// timeframe (ml/pooled/):
//   1. every series' silver dataset (up to `until`);
//   2. the time-cut walk-forward of the pooled learner (out-of-fold forecasts
//      for every bar, scored against the random walk per series);
//   3. the final learner on every realized row, stored ONCE in the registry
//      (ml/registry/pooled_store.h, keyed by timeframe and horizon);
//   4. each series trained as `train` does, with the out-of-fold pooled
//      forecast as its "pooled_forecast" column, so the per-series family
//      `pooled` competes through the skill test and gating, and its
//      experiment records the pooled model id serving must use.
//
//   RC_ASSIGN_OR_RETURN(auto out, rc::serving::TrainPooled(data_dir, {.timeframe = tf, .horizons_minutes = {180}}));
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/mutex.h"
#include "core/symbol.h"
#include "core/timeframe.h"
#include "ml/pooled/pooled_forecast.h"
#include "ml/registry/pooled_store.h"
#include "serving/training_service.h"

namespace rc::serving {

struct PooledTrainRequest {
  Timeframe timeframe = Timeframe::k5m;
  std::vector<int> horizons_minutes;     // each trains its own pooled model
  std::vector<Symbol> symbols;           // empty = every silver series of the timeframe; else >= 2
  ml::PooledOptions pooled;              // learner, time-cut folds
  int folds = 5;                         // the per-series walk-forward, as TrainRequest
  int min_train_rows = 500;
  std::optional<int64_t> until;
  int family_threads = 2;
};

// Every series' dataset of one horizon and the pooled learner's time-cut
// walk-forward over them: the out-of-fold forecasts (ml::RunPooledForecasts).
struct PooledOutOfFold {
  std::vector<SeriesDataset> datasets;   // in `symbols` order
  std::vector<ml::PooledSeries> series;
  ml::PooledForecasts forecasts;
};
Result<PooledOutOfFold> RunPooledOutOfFold(const std::string& data_dir, Timeframe timeframe, int horizon_minutes,
                                           const std::vector<Symbol>& symbols, const ml::SilverQuery& query,
                                           const ml::PooledOptions& options);

// An orchestrator retrain (`train`, the scheduled and drift retrains) of a
// series the current pooled model of its (timeframe, horizon) covers keeps the
// pooled family: the series' dataset with the out-of-fold pooled column over
// that model's series (its learner and folds), and the parameters naming it.
// nullopt when there is no pooled model, it does not cover the series, or the
// bot is a single family. Errors: registry and pooled-run errors.
struct PooledRetrainInput {
  SeriesDataset dataset;
  boost::json::object parameters;
};
Result<std::optional<PooledRetrainInput>> PooledRetrainInputFor(const std::string& data_dir,
                                                                const TrainRequest& request,
                                                                const ml::SilverQuery& query);

// Errors: kInvalidArgument naming "horizons_minutes", "symbols" (one series:
// a pooled model learns across series), "learner", a time-cut field, "folds"
// or "min_train_rows".
Status ValidatePooledTrainRequest(const PooledTrainRequest& request);

struct PooledHorizonOutcome {
  int horizon_minutes = 0;
  ml::PooledModelRecord pooled;          // as stored (id set)
  std::vector<TrainOutcome> series;      // one per pooled series, in pooled.series order
};

struct PooledTrainOutcome {
  std::vector<PooledHorizonOutcome> horizons;
  boost::json::object SummaryJson() const;
};

// The job parameters GET /api/jobs shows for a pooled run.
boost::json::object PooledTrainParams(const PooledTrainRequest& request);

// Reports each series' experiment as it is recorded (CLI progress). May be empty.
using PooledProgress = std::function<void(int horizon_minutes, const std::string& symbol, const TrainOutcome&)>;

// Errors: as ValidatePooledTrainRequest; kNotFound (no silver at the
// timeframe, or a listed symbol without silver); kInvalidArgument "series"
// when fewer than 2 series have silver; the pooled run's ("rows": too few
// realized labels) and training/registry errors. A failure after a pooled
// model was stored leaves that model (not yet used by any experiment).
// `registry_mutex`, when given, is held while the pooled model and each
// experiment are recorded (the server shares the registry with other jobs).
Result<PooledTrainOutcome> TrainPooled(const std::string& data_dir, const PooledTrainRequest& request,
                                       const PooledProgress& progress = {}, Mutex* registry_mutex = nullptr);

}  // namespace rc::serving
