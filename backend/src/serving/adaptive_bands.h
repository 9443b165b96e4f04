// File: serving/adaptive_bands.h
//
// Adaptive conformal inference in the live service (ml/adaptive_conformal.h):
// one ACI state per (symbol, timeframe, horizon, regime). The drift check
// feeds it each served prediction whose horizon has realized, in the order the
// predictions were made (RunDriftCheck's on_realized); the series book asks
// for the levels the next prediction's band quantiles are taken at. Misses
// widen the bands, hits narrow them, so coverage tracks 50/80/95 % when the
// market's volatility moves away from the calibration's.
//
// State lives in memory: after a restart it starts again from the nominal
// levels and adapts as new predictions realize (the gold log keeps the
// realized coverage either way: prediction_quality_metric{metric="coverage_80"}).
//
//   AdaptiveBands aci;
//   aci.Observe(key, regime::Regime::kVolatile, realized_log_return, bands);
//   request.adaptive_levels = aci.Levels(key, regime);   // empty: nominal levels
#pragma once

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "core/mutex.h"
#include "ml/adaptive_conformal.h"
#include "ml/registry/experiment_record.h"
#include "regime/regime.h"

namespace rc::serving {

// Thread-safe.
class AdaptiveBands {
 public:
  explicit AdaptiveBands(std::vector<double> levels = {0.5, 0.8, 0.95}, ml::AdaptiveConformalOptions options = {});

  // One realized prediction of `key` made in `regime`: `bands` are its served
  // bands (lower_return/upper_return, one per level, in level order).
  void Observe(const ml::ExperimentKey& key, regime::Regime regime, double realized_return,
               const std::vector<ml::BandOut>& bands);

  // The effective levels for the next prediction, or empty before any
  // prediction of that key and regime has realized (Predict then uses the
  // nominal levels).
  std::vector<double> Levels(const ml::ExperimentKey& key, regime::Regime regime) const;

  // Realized predictions observed so far for the key and regime, at level 0.
  int64_t observed(const ml::ExperimentKey& key, regime::Regime regime) const;

 private:
  using Key = std::tuple<std::string, std::string, int, int>;  // symbol, timeframe, horizon, regime
  static Key MakeKey(const ml::ExperimentKey& key, regime::Regime regime);

  const std::vector<double> levels_;
  const ml::AdaptiveConformalOptions options_;
  mutable Mutex mutex_;  // a leaf: nothing else is locked under it
  std::map<Key, ml::AdaptiveConformal> states_ RC_GUARDED_BY(mutex_);
};

}  // namespace rc::serving
