// File: ml/predict/predictor.h
//
// The prediction function the service (and the backtest) call: latest feature
// row + last close + regime -> gating weights (curated override if any) ->
// gated-ensemble expected return and price -> conformal bands per level, plus
// everything the API reports (weights, gated-out families with reasons,
// champion/challenger, experiment id, model age, data freshness). Without a
// trained model it falls back to the naive family with volatility bands and
// says so (degraded = true); it never fails.
//
//   rc::ml::ModelCache cache(&registry);
//   auto entry = registry.Entry(key);                       // may be NotFound
//   auto exp = entry ? cache.Get(entry->active_experiment) : nullptr-ish;
//   rc::ml::Prediction p = rc::ml::Predict(request, entry ? &*entry : nullptr, exp.get());
#pragma once

#include <Eigen/Dense>
#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "ml/bands.h"
#include "ml/gating.h"
#include "ml/models/model.h"
#include "ml/registry/experiment_record.h"
#include "ml/registry/registry.h"
#include "regime/detector.h"

namespace rc::ml {

// An experiment ready to predict: its record and its models in memory.
struct LoadedExperiment {
  ExperimentRecord record;
  std::map<std::string, std::shared_ptr<Model>> models;
};

// Builds a LoadedExperiment from an in-memory training run (the backtest path).
std::shared_ptr<const LoadedExperiment> MakeLoadedExperiment(ExperimentRecord record, const TrainingResult& result);

// Loaded experiments by id, kept in memory so a prediction does no I/O.
// Thread-safe. Entries are immutable; an experiment id never changes content.
class ModelCache {
 public:
  explicit ModelCache(const ExperimentRegistry* registry) : registry_(registry) {}
  // The experiment, loading it on first use. Errors from the registry (kNotFound, kDataCorrupt).
  Result<std::shared_ptr<const LoadedExperiment>> Get(const std::string& experiment_id);
  void Clear();
  // Drops every experiment not in `keep` (the registry's active ones): a
  // long-running server retrains daily and on drift, and each retired
  // experiment's models would otherwise stay in memory for good.
  void RetainOnly(const std::set<std::string>& keep);
  size_t size() const;

 private:
  const ExperimentRegistry* registry_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const LoadedExperiment>> cache_;
};

struct PredictionRequest {
  std::vector<std::string> feature_names;  // names of `features` (any order; matched to the model's)
  Eigen::RowVectorXd features;             // the latest silver feature row
  double last_close = 0;                   // close of the latest bar (> 0)
  int64_t last_bar_ts = 0;                 // open time of the latest bar
  int64_t bar_spacing_us = 0;              // timeframe duration
  int64_t now = 0;                         // wall clock (market time), for freshness and model age
  int horizon_bars = 1;
  regime::RegimeState regime;              // from the streaming detector (StateAt(now))
  double recent_vol_per_bar = 0;           // realized vol of 1-bar log returns (degraded bands)
  std::vector<double> levels = {0.5, 0.8, 0.95};  // used when no experiment
  double stale_after_bars = 2.0;           // data older than this many bar spacings is stale
  // Optional, one per calibrated level: the level to take each band's
  // quantile at instead of the nominal one (adaptive conformal inference,
  // ml/adaptive_conformal.h). Empty = the nominal levels.
  std::vector<double> adaptive_levels;
  // The pooled family's input (ml/pooled/pooled_live.h): the pooled model whose
  // forecast is the row's "pooled_forecast", or, when the row has none, why
  // (told in the prediction instead of the generic "missing" reason).
  std::string pooled_model_id;
  std::string pooled_unavailable;
};

struct BandOut {
  double level = 0;
  double lower = 0, upper = 0;                 // price: last_close * exp(ret -/+ q)
  double lower_return = 0, upper_return = 0;   // log returns
};

// The bands around `expected_return` with `q`'s half-widths at `levels`,
// nested even when a stored calibration's half-widths are not (each at least
// the one before), in log returns and as prices from `last_close`.
std::vector<BandOut> BandsAround(double expected_return, const BandQuantiles& q, const std::vector<double>& levels,
                                 double last_close);

struct Prediction {
  regime::Regime regime = regime::Regime::kUnknown;
  double regime_confidence = 0;
  std::map<std::string, double> weights;          // families that contributed
  std::map<std::string, std::string> gated_out;   // family -> reason
  std::map<std::string, double> family_returns;   // each contributing family's prediction
  std::string weights_source;                     // regime | pooled | uniform | curated | fallback
  double expected_return = 0;                     // log return over the horizon
  double expected_price = 0;
  std::vector<BandOut> bands;                     // nested, one per level
  std::string band_source;                        // regime | pooled | volatility
  bool bands_volatility_scaled = false;           // conformal quantiles were scaled by recent volatility
  bool bands_adaptive = false;                    // adaptive levels (ACI) chose the quantiles
  std::string champion, challenger;
  std::string experiment_id;                      // active experiment ("" when degraded)
  std::string curated_experiment_id;              // when a curated override applied
  int64_t model_trained_at = 0;
  double model_age_seconds = 0;                   // max(0, now - model_trained_at): never negative
  int64_t data_last_ts = 0;
  double data_age_seconds = 0;                    // now - close of the latest bar
  bool stale = false;
  bool degraded = false;
  std::string degraded_reason;
  int horizon_bars = 1;
  // When the experiment has the pooled family: the pooled model it read, its
  // forecast (NaN when the row had none) and, when the family did not
  // contribute, why (serving could not build the row, or the gate's reason).
  bool pooled_in_experiment = false;
  std::string pooled_model_id;
  double pooled_forecast = 0;
  std::string pooled_reason;

  boost::json::object ToJson() const;
};

// Never fails. `entry` and `experiment` may be null (no trained model):
// degraded naive prediction with volatility bands.
Prediction Predict(const PredictionRequest& request, const IndexEntry* entry, const LoadedExperiment* experiment);

}  // namespace rc::ml
