// File: ml/pooled/pooled_forecast.h
//
// The pooled (global) model: one learner (ridge or gbdt, from the family
// registry) fitted on the volatility-normalised rows of EVERY series
// (pooled_features.h), walk-forward on time-cut blocks (time_cut.h), one model
// per horizon. Each bar of each series gets the out-of-sample forecast of the
// model trained before its block; that forecast becomes the column
// "pooled_forecast" of the series' own Dataset, and the per-series family
// "pooled" (models/pooled.cc) fits how much of it to use. The family then
// competes in the per-series walk-forward like any other, so it earns weight
// only through the skill test against naive (gating.h).
//
//   RC_ASSIGN_OR_RETURN(auto pooled, rc::ml::RunPooledForecasts(series, {.learner = "ridge"}));
//   RC_RETURN_IF_ERROR(rc::ml::AddPooledForecastColumn(tcs_dataset, series[0].ts, pooled.forecast[0]));
#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "ml/dataset.h"
#include "ml/models/model.h"
#include "ml/pooled/pooled_features.h"
#include "ml/pooled/time_cut.h"

namespace rc::ml {

inline constexpr char kPooledFamily[] = "pooled";
// The Dataset column carrying the pooled forecast. Only the pooled family
// reads it: the walk-forward hides it (zeros) from every other family, whose
// fitted models therefore ignore it.
inline constexpr char kPooledForecastFeature[] = "pooled_forecast";

struct PooledOptions {
  std::string learner = "ridge";  // a family of the registry fitted on the pooled rows: ridge | gbdt
  TimeCutOptions time_cut;
  uint64_t seed = 42;
  int nthread = 1;                // threads the learner may use (gbdt)
};

// OK or kInvalidArgument naming "learner" or a time_cut field.
Status ValidatePooledOptions(const PooledOptions& options);

struct PooledForecasts {
  std::vector<std::vector<double>> forecast;  // per series and bar: log return over the horizon; NaN = no model yet
  std::vector<PooledBlock> blocks;
  int fitted_blocks = 0;                      // blocks with enough rows to fit
  int64_t last_train_rows = 0;                // rows of the newest fit
  boost::json::object last_model;             // the newest fit's Describe()
};

// The time-cut walk-forward over `series`. Errors: from BuildPooledFeatures,
// PlanTimeCutBlocks and ValidatePooledOptions; a learner failing on a block is
// an error naming the block.
Result<PooledForecasts> RunPooledForecasts(const std::vector<PooledSeries>& series, const PooledOptions& options);

// Fits and predicts the given blocks (RunPooledForecasts with its own plan;
// tests pass a deliberately leaky plan to show the leakage test can fail).
// Blocks with fewer than 50 trainable rows predict nothing (NaN).
Result<PooledForecasts> RunPooledBlocks(const std::vector<PooledSeries>& series,
                                        const std::vector<PooledFeatures>& features, std::vector<PooledBlock> blocks,
                                        const PooledOptions& options);

// One fit of the pooled learner. `model` is null when fewer than 50 rows
// were trainable (a block that predicts nothing).
struct PooledFit {
  std::unique_ptr<Model> model;
  int64_t rows = 0;                  // rows fitted on (all series)
  int64_t first_ts = 0, last_ts = 0; // bar times of the oldest and newest row fitted on
};

// Fits `options.learner` on `train_rows` (per series) of every series, in time
// order across series. Rows whose features or target are not finite are left
// out. Errors: the learner's, and kInvalidArgument "features" on ragged input.
Result<PooledFit> FitPooledLearner(const std::vector<PooledSeries>& series, const std::vector<PooledFeatures>& features,
                                   const std::vector<std::vector<size_t>>& train_rows, const PooledOptions& options);

// The model `train --pooled` stores and serving applies: the learner fitted on
// every row of every series whose label has realized (y finite). Errors: as
// BuildPooledFeatures and FitPooledLearner; kInvalidArgument "rows" when fewer
// than 50 rows are complete.
Result<PooledFit> FitFinalPooledModel(const std::vector<PooledSeries>& series, const PooledOptions& options);

// Appends kPooledForecastFeature to `dataset`: for each row the forecast of the
// pooled series' bar with the same ts. A missing bar or NaN becomes 0, the
// random walk's forecast, so a bar with no pooled model yet stays usable by
// every other family. Errors: kInvalidArgument "forecast" (length differs from
// ts), "feature_names" (the column already exists).
Status AddPooledForecastColumn(Dataset& dataset, const std::vector<int64_t>& ts, const std::vector<double>& forecast);

}  // namespace rc::ml
