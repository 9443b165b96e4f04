// File: ml/adaptive_conformal.h
//
// Adaptive conformal inference (Gibbs & Candès, 2021) for the live service:
// the realized coverage of served predictions steers the level each band's
// quantile is taken at. Per nominal level L with miss rate a = 1 - L, after
// each realized prediction: a_t+1 = a_t + gamma * (a - miss_t), miss_t = 1 when
// the realized return fell outside that band. Misses push the effective level
// up (wider bands), hits pull it down, so long-run coverage tracks L even
// when the market's volatility shifts away from the calibration's.
//
// The serving side feeds it from the gold prediction log as horizons realize
// (one object per series key, in the order predictions were made) and passes
// EffectiveLevels() as PredictionRequest::adaptive_levels; Predict then takes
// the calibration's quantile at those levels (BandCalibration::ServedHalfWidths).
//
//   RC_ASSIGN_OR_RETURN(auto aci, AdaptiveConformal::Create({0.5, 0.8, 0.95}, {}));
//   aci.Observe(realized_return, prediction.bands);   // when the horizon has passed
//   request.adaptive_levels = aci.EffectiveLevels();
//   double live80 = aci.RealizedCoverage(1);          // prediction_quality_metric{metric="coverage_80"}
#pragma once

#include <cstdint>
#include <vector>

#include "core/error.h"
#include "ml/predict/predictor.h"

namespace rc::ml {

struct AdaptiveConformalOptions {
  double gamma = 0.01;         // step size of the level update. Default 0.01, in (0, 0.5)
  double min_level = 0.01;     // effective levels are kept in [min_level, max_level]
  double max_level = 0.995;    // (the calibration grid's range)
  int coverage_window = 500;   // realized predictions behind RealizedCoverage. Default 500, >= 1
  // How far the miss-rate state may run beyond what the level clamp can
  // express, in [0, 1]. Overlapping horizons miss in bursts (a 180-minute
  // horizon on 5-minute bars spans 36 forecasts that one big move misses
  // together); a state clamped at the level's edge forgets all but the first
  // few misses of a burst, and the 95 % band then under-covers for good
  // (0.928 on TCS at 180 minutes, docs/ml_audit.md). 0.35 remembers one whole
  // burst at 95 % (36 x 0.0095 = 0.34 with gamma 0.01), repaid by ~800 hits
  // at the widest band, and still bounds how long a long-broken series keeps
  // its bands at the widest once it heals.
  double windup = 0.35;
};

class AdaptiveConformal {
 public:
  // Errors: kInvalidArgument naming "levels" (empty, not increasing, outside
  // (0,1)), "gamma", "min_level"/"max_level", "coverage_window" or "windup".
  static Result<AdaptiveConformal> Create(std::vector<double> levels, const AdaptiveConformalOptions& options);

  // One realized outcome of the band at `level_index`. Ignored when out of range.
  void Observe(size_t level_index, bool covered);
  // One realized prediction: each band (matched to the levels by position)
  // covered when lower_return <= realized <= upper_return. Non-finite realized
  // returns and band lists of another length are ignored (returns false).
  bool Observe(double realized_return, const std::vector<BandOut>& bands);

  const std::vector<double>& levels() const { return levels_; }
  // The level each band's quantile should be taken at now.
  std::vector<double> EffectiveLevels() const;
  // Share covered over the last coverage_window outcomes of that level (NaN before any).
  double RealizedCoverage(size_t level_index) const;
  int64_t observed(size_t level_index) const;

 private:
  AdaptiveConformal(std::vector<double> levels, const AdaptiveConformalOptions& options);
  std::vector<double> levels_;
  AdaptiveConformalOptions options_;
  std::vector<double> miss_rate_;               // a_t per level
  std::vector<std::vector<uint8_t>> recent_;    // ring buffer of covered flags per level
  std::vector<size_t> next_;
  std::vector<int64_t> seen_;
};

}  // namespace rc::ml
