// File: ml/bands.h
//
// Split-conformal prediction bands. From out-of-fold residuals (realized -
// predicted log return) of the gated ensemble, the band half-width at level L
// is the ceil((n+1)L)-th smallest |residual|. All levels use the same residual
// set, so q50 <= q80 <= q95 and the bands are nested by construction (the
// quantile crossing of per-quantile models cannot happen); monotonicity is also
// enforced explicitly. Per regime (Mondrian): each regime's quantile at a level
// is shrunk toward the pooled one by how many of its residuals lie beyond it
// (RegimeBandMethod::kTailShrunk), so a rare regime gets a band of its own size
// without trusting a tail quantile read off five points. Coverage is measured
// by the walk-forward, not assumed.
//
// Volatility scaling (the default): volatility clusters, so a residual is
// divided by the volatility current when its forecast was made (ml/volatility.h,
// blended with the calibration's median volatility to tame the noise of a
// short window) before the quantile is taken; a prediction multiplies the
// quantile back by the volatility current at its own bar. Bands widen in
// turbulent markets and narrow in calm ones instead of being right only on
// average. The time of day too (ml/session_profile.h): the volatility is
// divided by the profile of the bars it was measured on and the quantile
// multiplied by the profile of the bars the horizon spans, so a forecast
// across the close carries the overnight gap and one at lunch the lull. Each
// quantile set also carries a grid of quantiles over levels, so adaptive
// conformal inference (ml/adaptive_conformal.h) can ask for any level.
//
//   RC_ASSIGN_OR_RETURN(auto cal, rc::ml::CalibrateBands(residuals, regimes, {}, vol_at_each_residual));
//   rc::ml::BandQuantiles q = cal.HalfWidths(regime, vol_now);   // q.half_width[level index]
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "ml/session_profile.h"
#include "ml/volatility.h"
#include "regime/regime.h"

namespace rc::ml {

// How a regime's own quantiles are formed from its calibration scores.
enum class RegimeBandMethod {
  // Every regime with residuals gets, per level L, a geometric blend of its own
  // conformal quantile and the pooled one, weighted by the residuals beyond
  // the quantile: w = t / (t + tail_pseudo_count), t = n * min(L, 1 - L). A
  // quantile rests on the scores in its tail, so a regime with 100 residuals
  // mostly trusts its own median (t = 50) but not its own 95 % point (t = 5).
  kTailShrunk,
  // The earlier rule: own quantiles from min_regime_residuals, the pooled band
  // rescaled by the median ratio from min_scaled_regime_residuals, pooled
  // below. Kept so the backtest can report it beside the default.
  kThreshold,
};

// "tail_shrunk" / "threshold": the method's name in experiment records.
std::string_view RegimeBandMethodName(RegimeBandMethod method);

struct BandOptions {
  std::vector<double> levels = {0.5, 0.8, 0.95};  // strictly increasing, each in (0,1)
  // kThreshold (RegimeBandMethod) only, from here to regime_shrinkage.
  int min_regime_residuals = 200;                 // residuals a regime needs for its own band. Default 200, >= 1
  // Fewer than that but at least this many: the pooled band rescaled by the
  // regime's own median score over the pooled median, shrunk towards 1 with
  // `regime_shrinkage` pseudo-residuals (source "regime_scaled"). A handful of
  // volatile bars cannot give a 95 % quantile, but they do say "wider". 0 = off.
  int min_scaled_regime_residuals = 30;           // >= 0
  double regime_shrinkage = 20;                   // >= 0
  bool volatility_scaled = true;                  // divide residuals by the volatility of their bar (needs scales)
  // Share of the bar's own variance in the scale, the rest the calibration's
  // median: a 20-bar volatility is noisy, so it is shrunk. (0,1]; 0.7 chosen on GARCH seed 7.
  double scale_weight = 0.7;
  // Last, so positional initialisers ({levels, min_regime_residuals}) keep their meaning.
  RegimeBandMethod regime_method = RegimeBandMethod::kTailShrunk;
  // kTailShrunk: pseudo-count of tail residuals standing for the pooled quantile. > 0.
  double tail_pseudo_count = 10;
  // Scale by the time of day too (ml/session_profile.h): the trailing
  // volatility is divided by the profile of the bars it was measured on and
  // the band multiplied by the profile of the bars the horizon spans, the
  // overnight gap included (ForecastTimes::profile). On the real NSE bars it
  // calibrates forecasts across the close (80 % bands covered 0.21-0.29 of
  // them at 15 minutes without it) and narrows the 95 % bands by 7 %
  // (docs/ml_audit.md, "Bands by time of day of the forecast").
  bool session_profile = true;
};

// OK or kInvalidArgument naming "levels" / "tail_pseudo_count" /
// "min_regime_residuals" / "min_scaled_regime_residuals" / "regime_shrinkage".
Status ValidateBandOptions(const BandOptions& options);

struct BandQuantiles {
  std::vector<double> half_width;  // per level, in log-return units, non-decreasing
  int64_t n = 0;                   // residuals behind them
  std::string source;              // "regime_shrunk", "regime", "regime_scaled", "pooled" or "volatility" (degraded)
  std::vector<double> grid;        // quantile at each of BandGridLevels() (empty on old records)
};

// Levels of BandQuantiles::grid: 0.01, 0.02, ..., 0.99, 0.995.
const std::vector<double>& BandGridLevels();

// When each residual's forecast was made, for CalibrateBands: the bars' open
// times (one per residual) and the session profile learned from the bars
// before the calibration's end, with the horizon its forecasts span
// (BandOptions::session_profile).
struct ForecastTimes {
  std::vector<int64_t> ts;
  SessionProfile profile;
  int horizon_bars = 1;
};

struct BandCalibration {
  std::vector<double> levels;
  BandQuantiles pooled;
  std::map<regime::Regime, BandQuantiles> per_regime;  // only regimes with enough residuals
  bool scaled = false;          // quantiles are in units of Scale(vol), not of log return
  double reference_vol = 0;     // median per-bar volatility of the calibration residuals
  double scale_weight = 1.0;    // see BandOptions::scale_weight
  // Time-of-day profile (BandOptions::session_profile); empty = none. The
  // horizon it spans and the window the volatility is measured over.
  SessionProfile session_profile;
  int horizon_bars = 1;
  int vol_window = static_cast<int>(kDefaultVolWindow);

  // The regime's own quantiles when calibrated, else the pooled ones (raw, in
  // scale units when `scaled`).
  const BandQuantiles& For(regime::Regime r) const;
  // sqrt(w vol^2 + (1 - w) reference^2) when scaled (reference when vol is not
  // a positive number), else 1: Scale without the time of day, for a `vol`
  // already divided by its session profile's trailing factor.
  double VolatilityScale(double vol) const;
  // The session profile's factors at the bar (both 1 without a profile or
  // when unscaled).
  SessionProfile::Factors ProfileFactors(int64_t bar_ts) const;
  // The divisor of a residual of the forecast made at the bar opening at
  // `bar_ts` with per-bar volatility `vol`: VolatilityScale of vol over the
  // profile's trailing factor, times its factor ahead.
  double Scale(double vol, int64_t bar_ts) const;
  // Half-widths in log-return units for a prediction at volatility `vol` made
  // at the bar opening at `bar_ts`.
  BandQuantiles HalfWidths(regime::Regime r, double vol, int64_t bar_ts) const;
  // The quantile at any level in [0.01, 0.995] (interpolated on the grid; the
  // nearest calibrated level when the record has no grid), raw like For's:
  // times Scale(vol, bar_ts) it is the half-width at that level.
  double QuantileAt(regime::Regime r, double level) const;
  // The half-widths a prediction is served with: HalfWidths, or, when
  // `adaptive_levels` holds one level in (0,1) per calibrated level (ACI's
  // effective levels), the quantile at each of them (QuantileAt) times the
  // scale; `*adaptive` says which.
  // Predict and the backtest's reference bands both call this.
  BandQuantiles ServedHalfWidths(regime::Regime r, double vol, int64_t bar_ts,
                                 const std::vector<double>& adaptive_levels, bool* adaptive) const;

  boost::json::object ToJson() const;
  static Result<BandCalibration> FromJson(const boost::json::object& obj);
};

// Calibrates from residuals with their bars' regimes (same length; NaN
// residuals are skipped). `vols`: the per-bar volatility at each residual's
// forecast bar (same length); scaled when options.volatility_scaled and vols
// is given. `times` (optional): the residuals' bar times and the session
// profile; with options.session_profile, scaled bands and a profile, the
// scale follows the time of day.
// Errors: kInvalidArgument "residuals" when none are finite or lengths differ,
// "vols" / "times" on a length mismatch, or from ValidateBandOptions.
Result<BandCalibration> CalibrateBands(const std::vector<double>& residuals, const std::vector<regime::Regime>& regimes,
                                       const BandOptions& options, const std::vector<double>& vols = {},
                                       const ForecastTimes& times = {});

// Degraded bands from volatility only: half-width = z(L) * sigma_bar * sqrt(horizon_bars),
// z the two-sided normal quantile. Source "volatility".
BandQuantiles VolatilityBands(double sigma_per_bar, int horizon_bars, const std::vector<double>& levels);

}  // namespace rc::ml
