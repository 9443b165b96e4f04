// File: serving/training_service.h
//
// One training run the way the runbook's retraining procedure asks for it
// (bot "orchestrator" trains every family; a family name trains that one with
// naive as baseline): silver at its current version -> walk-forward -> the
// experiment registry. The CLI `train` and POST /api/prediction/train (as a
// background job) both call Train().
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/mutex.h"
#include "core/symbol.h"
#include "core/timeframe.h"
#include "ml/dataset.h"
#include "ml/silver_source.h"
#include "ml/training/walk_forward.h"

namespace rc::serving {

struct TrainRequest {
  Symbol symbol;
  Timeframe timeframe;
  int horizon_minutes = 180;
  std::string bot = "orchestrator";  // "orchestrator" or a model family
  int folds = 5;
  int min_train_rows = 500;
  std::optional<int64_t> until;      // train on bars up to this time only
  int family_threads = 2;            // families fitted at once (walk-forward max_parallel); 1 when series train in parallel
};

struct TrainOutcome {
  std::string experiment_id;
  ml::TrainingResult result;
  int64_t silver_version = -1;

  // experiment_id, champion, challenger, rows, folds, per-family overall metrics.
  boost::json::object SummaryJson() const;
};

// A series' silver (as `query` selects it) as the dataset of one horizon: the
// feature set's model features, the forward return over the horizon as target.
struct SeriesDataset {
  ml::Dataset dataset;
  int64_t silver_version = -1;      // the silver version read
  std::string feature_set_version;  // e.g. "core_v1"
};

// Errors: ml::HorizonBars's (kInvalidArgument "horizon_minutes"); kNotFound
// without silver rows; kInvalidArgument naming a column silver lacks (the
// horizon's target when it is not in HORIZONS_MINUTES).
Result<SeriesDataset> LoadSeriesDataset(const std::string& data_dir, const Symbol& symbol, Timeframe timeframe,
                                        int horizon_minutes, const ml::SilverQuery& query);

// Validates the request. Errors: kInvalidArgument naming "bot", "folds",
// "min_train_rows" or "horizon_minutes".
Status ValidateTrainRequest(const TrainRequest& request);

// An orchestrator run of a series the current pooled model of its (timeframe,
// horizon) covers trains with the pooled column and family
// (serving/pooled_training.h PooledRetrainInputFor); when that pooled run
// fails it trains without them and logs why.
// Errors: as ValidateTrainRequest; kNotFound without silver rows; training and
// registry errors. `registry_mutex`, when given, is held only while the
// experiment is recorded, so several series can train at once in one process;
// without it the caller serialises registry writes.
Result<TrainOutcome> Train(const std::string& data_dir, const TrainRequest& request,
                           Mutex* registry_mutex = nullptr);

// Train on a dataset already loaded (and possibly extended: `train --pooled`
// appends the pooled forecast column first). `extra_parameters` are merged
// into the record's parameters (e.g. "pooled": the pooled model's id).
// Errors: as Train.
Result<TrainOutcome> TrainOnDataset(const std::string& data_dir, const TrainRequest& request,
                                    const SeriesDataset& series, const boost::json::object& extra_parameters,
                                    Mutex* registry_mutex = nullptr);

}  // namespace rc::serving
