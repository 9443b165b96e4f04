// File: ml/bands.h
//
// Split-conformal prediction bands. From out-of-fold residuals (realized -
// predicted log return) of the gated ensemble, the band half-width at level L
// is the ceil((n+1)L)-th smallest |residual|. All levels use the same residual
// set, so q50 <= q80 <= q95 and the bands are nested by construction (the
// quantile crossing of per-quantile models cannot happen); monotonicity is also
// enforced explicitly. Per regime where a regime has enough residuals, pooled
// otherwise. Coverage is measured by the walk-forward, not assumed.
//
//   RC_ASSIGN_OR_RETURN(auto cal, rc::ml::CalibrateBands(residuals, regimes, {}));
//   const auto& q = cal.For(regime);   // q.half_width[level index]
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "regime/regime.h"

namespace rc::ml {

struct BandOptions {
  std::vector<double> levels = {0.5, 0.8, 0.95};  // strictly increasing, each in (0,1)
  int min_regime_residuals = 200;                 // residuals a regime needs for its own band. Default 200, >= 1
};

// OK or kInvalidArgument naming "levels" / "min_regime_residuals".
Status ValidateBandOptions(const BandOptions& options);

struct BandQuantiles {
  std::vector<double> half_width;  // per level, in log-return units, non-decreasing
  int64_t n = 0;                   // residuals behind them
  std::string source;              // "regime", "pooled" or "volatility" (degraded)
};

struct BandCalibration {
  std::vector<double> levels;
  BandQuantiles pooled;
  std::map<regime::Regime, BandQuantiles> per_regime;  // only regimes with enough residuals

  // The regime's own quantiles when calibrated, else the pooled ones.
  const BandQuantiles& For(regime::Regime r) const;

  boost::json::object ToJson() const;
  static Result<BandCalibration> FromJson(const boost::json::object& obj);
};

// Calibrates from residuals with their bars' regimes (same length; NaN
// residuals are skipped). Errors: kInvalidArgument "residuals" when none are
// finite or lengths differ, or from ValidateBandOptions.
Result<BandCalibration> CalibrateBands(const std::vector<double>& residuals, const std::vector<regime::Regime>& regimes,
                                       const BandOptions& options);

// Degraded bands from volatility only: half-width = z(L) * sigma_bar * sqrt(horizon_bars),
// z the two-sided normal quantile. Source "volatility".
BandQuantiles VolatilityBands(double sigma_per_bar, int horizon_bars, const std::vector<double>& levels);

}  // namespace rc::ml
