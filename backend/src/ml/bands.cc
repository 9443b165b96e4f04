#include "ml/bands.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "core/json_fields.h"
#include "core/numeric.h"
#include "ml/internal/json_io.h"
#include "ml/skill_test.h"  // NormalQuantile

namespace rc::ml {
namespace {

double ConformalQuantile(const std::vector<double>& sorted, double level) {
  // Split-conformal rank with the finite-sample (n+1) correction, capped at the max.
  const auto n = static_cast<double>(sorted.size());
  auto rank = static_cast<size_t>(std::ceil((n + 1.0) * level));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

BandQuantiles Quantiles(std::vector<double> abs_residuals, const std::vector<double>& levels, std::string source) {
  std::sort(abs_residuals.begin(), abs_residuals.end());
  BandQuantiles q;
  q.n = static_cast<int64_t>(abs_residuals.size());
  q.source = std::move(source);
  double prev = 0;
  for (double level : levels) {
    double value = std::max(prev, ConformalQuantile(abs_residuals, level));  // nested: never below the lower level
    q.half_width.push_back(value);
    prev = value;
  }
  for (double level : BandGridLevels()) q.grid.push_back(ConformalQuantile(abs_residuals, level));
  return q;
}

// Per-regime quantiles blended with the pooled ones (RegimeBandMethod::kTailShrunk):
// in log space, weight t / (t + pseudo) on the regime's own quantile, t the
// number of its scores beyond that level (n * min(L, 1 - L)). Non-decreasing
// over the levels and over the grid, like every other quantile set.
BandQuantiles TailShrunkQuantiles(std::vector<double> scores, const BandQuantiles& pooled,
                                  const std::vector<double>& levels, double pseudo) {
  std::sort(scores.begin(), scores.end());
  const auto n = static_cast<double>(scores.size());
  auto blend = [&](double level, double pooled_q) {
    const double own = ConformalQuantile(scores, level);
    if (!(own > 0) || !(pooled_q > 0)) return pooled_q;  // an all-zero regime says nothing about scale
    const double tail = n * std::min(level, 1.0 - level);
    const double w = tail / (tail + pseudo);
    return std::exp(w * std::log(own) + (1.0 - w) * std::log(pooled_q));
  };
  BandQuantiles q;
  q.n = static_cast<int64_t>(scores.size());
  q.source = "regime_shrunk";
  double prev = 0;
  for (size_t idx = 0; idx < levels.size(); ++idx) {
    prev = std::max(prev, blend(levels[idx], pooled.half_width[idx]));
    q.half_width.push_back(prev);
  }
  prev = 0;
  const std::vector<double>& grid_levels = BandGridLevels();
  for (size_t idx = 0; idx < grid_levels.size() && idx < pooled.grid.size(); ++idx) {
    prev = std::max(prev, blend(grid_levels[idx], pooled.grid[idx]));
    q.grid.push_back(prev);
  }
  return q;
}

// `q` with every half-width and grid quantile multiplied by `scale`.
BandQuantiles ScaledQuantiles(BandQuantiles q, double scale) {
  for (double& hw : q.half_width) hw *= scale;
  for (double& g : q.grid) g *= scale;
  return q;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

boost::json::object QuantilesToJson(const BandQuantiles& q) {
  boost::json::array hw;
  for (double v : q.half_width) hw.push_back(internal::ExactNumber(v));
  boost::json::array grid;
  for (double v : q.grid) grid.push_back(internal::ExactNumber(v));
  return {{"half_width", hw}, {"n", q.n}, {"source", q.source}, {"grid", grid}};
}

Result<BandQuantiles> QuantilesFromJson(const boost::json::object& o, const std::string& where) {
  BandQuantiles q;
  const JsonFields fields = JsonFields::Stored(o, where);
  RC_ASSIGN_OR_RETURN(const boost::json::array* hw, fields.RequiredArray("half_width"));
  for (const auto& v : *hw) q.half_width.push_back(JsonNumberOrNaN(v));
  RC_ASSIGN_OR_RETURN(q.n, fields.RequiredInt("n"));
  RC_ASSIGN_OR_RETURN(q.source, fields.RequiredString("source"));
  if (auto it = o.find("grid"); it != o.end() && it->value().is_array()) {
    for (const auto& v : it->value().as_array()) q.grid.push_back(JsonNumberOrNaN(v));
    if (q.grid.size() != BandGridLevels().size()) q.grid.clear();  // not ours: fall back to the levels
  }
  return q;
}

}  // namespace

const std::vector<double>& BandGridLevels() {
  static const std::vector<double> levels = [] {
    std::vector<double> v;
    for (int pct = 1; pct <= 99; ++pct) v.push_back(pct / 100.0);
    v.push_back(0.995);
    return v;
  }();
  return levels;
}

double BandCalibration::VolatilityScale(double vol) const {
  if (!scaled) return 1.0;
  const double ref = reference_vol;
  const double v = std::isfinite(vol) && vol > 0 ? vol : ref;
  const double s = std::sqrt(scale_weight * v * v + (1.0 - scale_weight) * ref * ref);
  return s > 0 ? s : 1.0;
}

SessionProfile::Factors BandCalibration::ProfileFactors(int64_t bar_ts) const {
  if (!scaled) return {};
  return session_profile.FactorsAt(bar_ts, horizon_bars, vol_window);
}

double BandCalibration::Scale(double vol, int64_t bar_ts) const {
  const SessionProfile::Factors f = ProfileFactors(bar_ts);
  return VolatilityScale(vol / f.trailing) * f.ahead;
}

BandQuantiles BandCalibration::HalfWidths(regime::Regime r, double vol, int64_t bar_ts) const {
  return ScaledQuantiles(For(r), Scale(vol, bar_ts));
}

double BandCalibration::QuantileAt(regime::Regime r, double level) const {
  const BandQuantiles& q = For(r);
  const std::vector<double>& grid_levels = BandGridLevels();
  level = std::clamp(level, grid_levels.front(), grid_levels.back());
  if (q.grid.size() == grid_levels.size()) {
    auto hi = std::lower_bound(grid_levels.begin(), grid_levels.end(), level);
    const size_t j = static_cast<size_t>(hi - grid_levels.begin());
    if (j == 0) return q.grid.front();
    const double t = (level - grid_levels[j - 1]) / (grid_levels[j] - grid_levels[j - 1]);
    return q.grid[j - 1] + t * (q.grid[j] - q.grid[j - 1]);
  }
  if (q.half_width.empty()) return 0;
  size_t best = 0;
  for (size_t idx = 1; idx < levels.size() && idx < q.half_width.size(); ++idx) {
    if (std::abs(levels[idx] - level) < std::abs(levels[best] - level)) best = idx;
  }
  return q.half_width[best];
}

BandQuantiles BandCalibration::ServedHalfWidths(regime::Regime r, double vol, int64_t bar_ts,
                                                const std::vector<double>& adaptive_levels, bool* adaptive) const {
  const double scale = Scale(vol, bar_ts);  // once: with a session profile it walks the window and the horizon
  BandQuantiles q = ScaledQuantiles(For(r), scale);
  bool usable = adaptive_levels.size() == levels.size() && q.half_width.size() == levels.size();
  for (double level : adaptive_levels) usable = usable && std::isfinite(level) && level > 0 && level < 1;
  if (usable) {
    for (size_t lvl = 0; lvl < levels.size(); ++lvl) q.half_width[lvl] = QuantileAt(r, adaptive_levels[lvl]) * scale;
  }
  if (adaptive != nullptr) *adaptive = usable;
  return q;
}

std::string_view RegimeBandMethodName(RegimeBandMethod method) {
  switch (method) {
    case RegimeBandMethod::kTailShrunk: return "tail_shrunk";
    case RegimeBandMethod::kThreshold: return "threshold";
  }
  return "unknown";
}

Status ValidateBandOptions(const BandOptions& o) {
  if (o.levels.empty()) return InvalidArgument("levels", "must list at least one level");
  for (size_t idx = 0; idx < o.levels.size(); ++idx) {
    if (!(o.levels[idx] > 0 && o.levels[idx] < 1)) return InvalidArgument("levels", "each level must be in (0,1)");
    if (idx > 0 && !(o.levels[idx] > o.levels[idx - 1])) return InvalidArgument("levels", "must be strictly increasing");
  }
  if (!(o.tail_pseudo_count > 0)) return InvalidArgument("tail_pseudo_count", "must be > 0");
  if (o.min_regime_residuals < 1) return InvalidArgument("min_regime_residuals", "must be >= 1");
  if (o.min_scaled_regime_residuals < 0) return InvalidArgument("min_scaled_regime_residuals", "must be >= 0");
  if (!(o.regime_shrinkage >= 0)) return InvalidArgument("regime_shrinkage", "must be >= 0");
  if (!(o.scale_weight > 0 && o.scale_weight <= 1)) return InvalidArgument("scale_weight", "must be in (0, 1]");
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
  boost::json::object out{{"method", scaled ? "split_conformal_vol_scaled" : "split_conformal_abs_residual"},
                           {"levels", lv},
                           {"pooled", QuantilesToJson(pooled)},
                           {"per_regime", regimes},
                           {"reference_vol", internal::ExactNumber(reference_vol)},
                           {"scale_weight", internal::ExactNumber(scale_weight)}};
  if (!session_profile.empty()) {  // absent: no profile (records before it have none either)
    boost::json::object profile = session_profile.ToJson();
    profile["horizon_bars"] = horizon_bars;
    profile["vol_window"] = vol_window;
    out["session_profile"] = std::move(profile);
  }
  return out;
}

Result<BandCalibration> BandCalibration::FromJson(const boost::json::object& obj) {
  BandCalibration cal;
  const JsonFields calibration = JsonFields::Stored(obj, "calibration");
  RC_ASSIGN_OR_RETURN(const boost::json::array* lv, calibration.RequiredArray("levels"));
  for (const auto& v : *lv) cal.levels.push_back(JsonNumberOrNaN(v));
  RC_ASSIGN_OR_RETURN(const boost::json::object* pooled, calibration.RequiredObject("pooled"));
  RC_ASSIGN_OR_RETURN(cal.pooled, QuantilesFromJson(*pooled, "calibration.pooled"));
  RC_ASSIGN_OR_RETURN(const boost::json::object* per, calibration.RequiredObject("per_regime"));
  for (const auto& kv : *per) {
    RC_ASSIGN_OR_RETURN(regime::Regime r, regime::ParseRegime(kv.key(), "calibration.per_regime"));
    if (!kv.value().is_object()) return DataCorrupt("calibration.per_regime entry is not an object");
    RC_ASSIGN_OR_RETURN(cal.per_regime[r], QuantilesFromJson(kv.value().as_object(), "calibration.per_regime"));
  }
  // Records written before volatility scaling have no method/reference: unscaled.
  if (auto m = obj.find("method"); m != obj.end() && m->value().is_string() &&
                                   m->value().as_string() == "split_conformal_vol_scaled") {
    cal.scaled = true;
    RC_ASSIGN_OR_RETURN(cal.reference_vol, calibration.RequiredNumber("reference_vol"));
    RC_ASSIGN_OR_RETURN(cal.scale_weight, calibration.RequiredNumber("scale_weight"));
    if (!(cal.reference_vol >= 0) || !(cal.scale_weight > 0 && cal.scale_weight <= 1)) {
      return DataCorrupt("calibration: reference_vol / scale_weight out of range", "calibration");
    }
  }
  if (auto it = obj.find("session_profile"); it != obj.end()) {
    if (!it->value().is_object()) {
      return DataCorrupt("calibration.session_profile is not an object", "calibration.session_profile");
    }
    const boost::json::object& profile = it->value().as_object();
    RC_ASSIGN_OR_RETURN(cal.session_profile, SessionProfile::FromJson(profile, "calibration.session_profile"));
    const JsonFields fields = JsonFields::Stored(profile, "calibration.session_profile");
    RC_ASSIGN_OR_RETURN(const int64_t horizon, fields.RequiredInt("horizon_bars"));
    RC_ASSIGN_OR_RETURN(const int64_t window, fields.RequiredInt("vol_window"));
    if (horizon < 1 || horizon > 100000) return fields.Bad("horizon_bars", "must be in 1..100000");
    if (window < 2 || window > 100000) return fields.Bad("vol_window", "must be in 2..100000");
    cal.horizon_bars = static_cast<int>(horizon);
    cal.vol_window = static_cast<int>(window);
  }
  if (cal.pooled.half_width.size() != cal.levels.size()) {
    return DataCorrupt("calibration: pooled half_width does not match levels", "calibration.pooled");
  }
  return cal;
}

Result<BandCalibration> CalibrateBands(const std::vector<double>& residuals, const std::vector<regime::Regime>& regimes,
                                       const BandOptions& options, const std::vector<double>& vols,
                                       const ForecastTimes& times) {
  RC_RETURN_IF_ERROR(ValidateBandOptions(options));
  if (residuals.size() != regimes.size()) return InvalidArgument("residuals", "need one regime per residual");
  if (!vols.empty() && vols.size() != residuals.size()) return InvalidArgument("vols", "need one volatility per residual");
  const bool profiled = options.session_profile && options.volatility_scaled && !vols.empty() && !times.profile.empty();
  if (profiled && times.ts.size() != residuals.size()) {
    return InvalidArgument("times", "need one bar time per residual");
  }
  if (profiled && times.horizon_bars < 1) return InvalidArgument("times", "horizon_bars must be >= 1");
  BandCalibration cal;
  cal.levels = options.levels;
  if (profiled) {
    cal.session_profile = times.profile;
    cal.horizon_bars = times.horizon_bars;
  }
  if (options.volatility_scaled && !vols.empty()) {
    // The reference: the median volatility over its profile's trailing factor (1 without one).
    std::vector<double> positive;
    for (size_t idx = 0; idx < vols.size(); ++idx) {
      const double trailing =
          profiled ? times.profile.FactorsAt(times.ts[idx], times.horizon_bars, cal.vol_window).trailing : 1.0;
      const double v = vols[idx] / trailing;
      if (std::isfinite(residuals[idx]) && std::isfinite(v) && v > 0) positive.push_back(v);
    }
    cal.reference_vol = Median(std::move(positive));
    cal.scaled = cal.reference_vol > 0;  // no volatility seen (a flat series): plain residuals
    cal.scale_weight = options.scale_weight;
  }
  if (!cal.scaled) cal.session_profile = {};
  // Each residual's score on the scale its prediction will be served with (NaN: skipped).
  std::vector<double> scores(residuals.size(), kNaN);
  for (size_t idx = 0; idx < residuals.size(); ++idx) {
    if (!std::isfinite(residuals[idx])) continue;
    const int64_t bar_ts = cal.session_profile.empty() ? 0 : times.ts[idx];  // no profile: time plays no part
    scores[idx] = std::abs(residuals[idx]) / cal.Scale(vols.empty() ? 0.0 : vols[idx], bar_ts);
  }
  std::vector<double> all;
  std::map<regime::Regime, std::vector<double>> by_regime;
  for (size_t idx = 0; idx < scores.size(); ++idx) {
    if (!std::isfinite(scores[idx])) continue;
    all.push_back(scores[idx]);
    by_regime[regimes[idx]].push_back(scores[idx]);
  }
  if (all.empty()) return InvalidArgument("residuals", "no finite residuals to calibrate on");
  const double pooled_median = Median(all);
  cal.pooled = Quantiles(std::move(all), options.levels, "pooled");
  if (options.regime_method == RegimeBandMethod::kTailShrunk) {
    for (auto& [r, v] : by_regime) {
      cal.per_regime[r] = TailShrunkQuantiles(std::move(v), cal.pooled, options.levels, options.tail_pseudo_count);
    }
    return cal;
  }
  for (auto& [r, v] : by_regime) {
    const int n = static_cast<int>(v.size());
    if (n >= options.min_regime_residuals) {
      cal.per_regime[r] = Quantiles(std::move(v), options.levels, "regime");
    } else if (options.min_scaled_regime_residuals > 0 && n >= options.min_scaled_regime_residuals &&
               pooled_median > 0) {
      const double regime_median = Median(v);
      if (!(regime_median > 0)) continue;
      // Shrunk in log space: n pseudo-votes for the regime's ratio, regime_shrinkage for 1.
      const double weight = n / (n + options.regime_shrinkage);
      const double ratio = std::exp(weight * std::log(regime_median / pooled_median));
      BandQuantiles q = cal.pooled;
      for (double& w : q.half_width) w *= ratio;
      for (double& g : q.grid) g *= ratio;
      q.n = n;
      q.source = "regime_scaled";
      cal.per_regime[r] = std::move(q);
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
