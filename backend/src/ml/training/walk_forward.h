// File: ml/training/walk_forward.h
//
// The walk-forward orchestrator. Expanding window, K folds: fold k tests on a
// contiguous block [test_begin, test_end) and trains on [0, train_end) with
// train_end = test_begin - horizon_bars, so the last training label (which
// looks horizon_bars ahead) ends before the first test bar: a purge gap of one
// horizon. Families train in parallel (a small pool); a family that fails is
// recorded and skipped, never aborting the run. Gating weights and bands used
// to evaluate fold k come only from folds before k. At the end every family is
// refit on all labelled rows and the final gating/bands use all folds.
//
//   rc::ml::WalkForwardOptions opt;  opt.folds = 5;
//   RC_ASSIGN_OR_RETURN(rc::ml::TrainingResult r, rc::ml::RunWalkForward(dataset, opt));
//   r.champion, r.gating.For(regime), r.calibration, r.families[i].final_model
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "ml/bands.h"
#include "ml/dataset.h"
#include "ml/gating.h"
#include "ml/metrics.h"
#include "ml/models/model.h"

namespace rc::ml {

struct WalkForwardOptions {
  int folds = 5;                        // K >= 1
  int min_train_rows = 500;             // rows before the first test block (>= 50)
  std::vector<std::string> families;    // empty = every registered family; naive is always added
  std::string primary_metric = "mape";  // see ValidateMetricName; champion = best mean over folds
  GatingOptions gating;
  BandOptions bands;
  int max_parallel = 2;                 // families fitted concurrently (>= 1). Default 2 (two cores)
  int nthread_per_family = 1;           // threads each family may use (gbdt)
  uint64_t seed = 42;
  bool refit_final = true;              // refit every family on all labelled rows after the folds
};

// OK or kInvalidArgument naming the field ("folds", "families[2]", ...).
Status ValidateWalkForwardOptions(const WalkForwardOptions& options);

struct FoldPlan {
  int index = 0;
  size_t train_begin = 0, train_end = 0;  // rows [train_begin, train_end)
  size_t test_begin = 0, test_end = 0;    // rows [test_begin, test_end)
  int64_t train_last_ts = 0;              // ts of row train_end - 1
  int64_t test_first_ts = 0, test_last_ts = 0;
};

// The folds for `dataset`: the labelled rows (finite y, the tail excluded) after
// the first min_train_rows + horizon_bars are cut into `folds` equal blocks.
// Errors: kInvalidArgument "rows" when there are too few labelled rows.
Result<std::vector<FoldPlan>> PlanFolds(const Dataset& dataset, const WalkForwardOptions& options);

struct FamilyResult {
  std::string family;
  bool ok = true;
  std::string error;                                       // why it failed (ok == false)
  std::vector<Metrics> fold_metrics;                       // one per fold
  std::vector<std::map<regime::Regime, Metrics>> fold_regime_metrics;
  Metrics overall;                                         // pooled over every test row of every fold
  std::map<regime::Regime, Metrics> regime_metrics;        // pooled, per regime
  double primary_mean = 0;                                 // mean over folds of the primary metric (loss-oriented)
  boost::json::object description;                         // the final model's Describe()
  std::shared_ptr<Model> final_model;                      // refit on all rows (null when failed / no refit)
  std::vector<double> oof;                                 // out-of-fold prediction per dataset row (NaN elsewhere)
};

struct TrainingResult {
  std::vector<FoldPlan> folds;
  std::vector<FamilyResult> families;       // naive first
  FamilyResult ensemble;                    // the gated ensemble as a pseudo-family ("ensemble")
  std::string champion, challenger;         // family names ("" when fewer succeeded; never one with no signal)
  std::vector<GatingTable> fold_gating;     // weights used to evaluate fold k (from folds < k)
  std::vector<std::string> fold_champion;   // champion used for fold k's gating ("" for fold 0)
  GatingTable gating;                       // final weights (all folds)
  std::vector<FamilyLoss> skill;            // final out-of-sample losses and evidence vs naive, per family
  BandCalibration calibration;              // final bands (ensemble out-of-fold residuals, all folds)
  BandCalibration calibration_unscaled;     // the same residuals without volatility scaling (for comparison)
  BandCalibration calibration_reference;    // the same residuals, per-regime rule RegimeBandMethod::kThreshold (for comparison)
  std::vector<std::string> feature_names;
  int horizon_bars = 1;
  std::string primary_metric;
  std::vector<double> levels;
  int64_t first_ts = 0, last_ts = 0, rows = 0;  // data the run saw

  const FamilyResult* Family(const std::string& name) const;
};

// Runs the walk-forward over `dataset`. Errors only for invalid input
// (options, dataset, too few rows); family failures are recorded in the result.
// Thread-safety: reentrant; uses up to options.max_parallel threads internally.
Result<TrainingResult> RunWalkForward(const Dataset& dataset, const WalkForwardOptions& options);

// Gated-ensemble prediction: sum of weight * family prediction over the
// weighted families present in `predictions`; families without a prediction
// are skipped and the remaining weights renormalised. NaN if none remain.
double EnsemblePrediction(const FamilyWeights& weights, const std::map<std::string, double>& predictions);

}  // namespace rc::ml
