#include "ml/bands.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "ml/internal/json_io.h"

namespace rc::ml {
namespace {

BandQuantiles Quantiles(std::vector<double> abs_residuals, const std::vector<double>& levels, std::string source) {
  std::sort(abs_residuals.begin(), abs_residuals.end());
  BandQuantiles q;
  q.n = static_cast<int64_t>(abs_residuals.size());
  q.source = std::move(source);
  const auto n = static_cast<double>(abs_residuals.size());
  double prev = 0;
  for (double level : levels) {
    // Split-conformal rank with the finite-sample (n+1) correction, capped at the max.
    auto rank = static_cast<size_t>(std::ceil((n + 1.0) * level));
    rank = std::clamp<size_t>(rank, 1, abs_residuals.size());
    double value = std::max(prev, abs_residuals[rank - 1]);  // nested: never below the lower level
    q.half_width.push_back(value);
    prev = value;
  }
  return q;
}

// Inverse of the standard normal CDF (Acklam's rational approximation, |err| < 1e-9).
double NormalQuantile(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01,  -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  if (p < 0.02425) {
    double q = std::sqrt(-2 * std::log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - 0.02425) return -NormalQuantile(1 - p);
  double q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

boost::json::object QuantilesToJson(const BandQuantiles& q) {
  boost::json::array hw;
  for (double v : q.half_width) hw.push_back(internal::ExactNumber(v));
  return {{"half_width", hw}, {"n", q.n}, {"source", q.source}};
}

Result<BandQuantiles> QuantilesFromJson(const boost::json::object& o, const std::string& where) {
  BandQuantiles q;
  RC_ASSIGN_OR_RETURN(const boost::json::array* hw, internal::GetArray(o, "half_width", where));
  for (const auto& v : *hw) q.half_width.push_back(internal::NumberOrNaN(v));
  RC_ASSIGN_OR_RETURN(q.n, internal::GetInt(o, "n", where));
  RC_ASSIGN_OR_RETURN(q.source, internal::GetString(o, "source", where));
  return q;
}

}  // namespace

Status ValidateBandOptions(const BandOptions& o) {
  if (o.levels.empty()) return InvalidArgument("levels", "must list at least one level");
  for (size_t idx = 0; idx < o.levels.size(); ++idx) {
    if (!(o.levels[idx] > 0 && o.levels[idx] < 1)) return InvalidArgument("levels", "each level must be in (0,1)");
    if (idx > 0 && !(o.levels[idx] > o.levels[idx - 1])) return InvalidArgument("levels", "must be strictly increasing");
  }
  if (o.min_regime_residuals < 1) return InvalidArgument("min_regime_residuals", "must be >= 1");
  return Ok();
}

const BandQuantiles& BandCalibration::For(regime::Regime r) const {
  auto it = per_regime.find(r);
  return it == per_regime.end() ? pooled : it->second;
}

boost::json::object BandCalibration::ToJson() const {
  boost::json::array lv;
  for (double l : levels) lv.push_back(l);
  boost::json::object regimes;
  for (const auto& [r, q] : per_regime) regimes[regime::ToString(r)] = QuantilesToJson(q);
  return {{"method", "split_conformal_abs_residual"}, {"levels", lv}, {"pooled", QuantilesToJson(pooled)},
          {"per_regime", regimes}};
}

Result<BandCalibration> BandCalibration::FromJson(const boost::json::object& obj) {
  BandCalibration cal;
  RC_ASSIGN_OR_RETURN(const boost::json::array* lv, internal::GetArray(obj, "levels", "calibration"));
  for (const auto& v : *lv) cal.levels.push_back(internal::NumberOrNaN(v));
  RC_ASSIGN_OR_RETURN(const boost::json::object* pooled, internal::GetObject(obj, "pooled", "calibration"));
  RC_ASSIGN_OR_RETURN(cal.pooled, QuantilesFromJson(*pooled, "calibration.pooled"));
  RC_ASSIGN_OR_RETURN(const boost::json::object* per, internal::GetObject(obj, "per_regime", "calibration"));
  for (const auto& kv : *per) {
    RC_ASSIGN_OR_RETURN(regime::Regime r, regime::ParseRegime(kv.key(), "calibration.per_regime"));
    if (!kv.value().is_object()) return DataCorrupt("calibration.per_regime entry is not an object");
    RC_ASSIGN_OR_RETURN(cal.per_regime[r], QuantilesFromJson(kv.value().as_object(), "calibration.per_regime"));
  }
  if (cal.pooled.half_width.size() != cal.levels.size()) {
    return DataCorrupt("calibration: pooled half_width does not match levels", "calibration.pooled");
  }
  return cal;
}

Result<BandCalibration> CalibrateBands(const std::vector<double>& residuals, const std::vector<regime::Regime>& regimes,
                                       const BandOptions& options) {
  RC_RETURN_IF_ERROR(ValidateBandOptions(options));
  if (residuals.size() != regimes.size()) return InvalidArgument("residuals", "need one regime per residual");
  std::vector<double> all;
  std::map<regime::Regime, std::vector<double>> by_regime;
  for (size_t idx = 0; idx < residuals.size(); ++idx) {
    if (!std::isfinite(residuals[idx])) continue;
    all.push_back(std::abs(residuals[idx]));
    by_regime[regimes[idx]].push_back(std::abs(residuals[idx]));
  }
  if (all.empty()) return InvalidArgument("residuals", "no finite residuals to calibrate on");
  BandCalibration cal;
  cal.levels = options.levels;
  cal.pooled = Quantiles(std::move(all), options.levels, "pooled");
  for (auto& [r, v] : by_regime) {
    if (static_cast<int>(v.size()) >= options.min_regime_residuals) {
      cal.per_regime[r] = Quantiles(std::move(v), options.levels, "regime");
    }
  }
  return cal;
}

BandQuantiles VolatilityBands(double sigma_per_bar, int horizon_bars, const std::vector<double>& levels) {
  BandQuantiles q;
  q.source = "volatility";
  double sigma_h = std::max(0.0, sigma_per_bar) * std::sqrt(static_cast<double>(std::max(1, horizon_bars)));
  double prev = 0;
  for (double level : levels) {
    double value = std::max(prev, NormalQuantile(0.5 + level / 2.0) * sigma_h);
    q.half_width.push_back(value);
    prev = value;
  }
  return q;
}

}  // namespace rc::ml
