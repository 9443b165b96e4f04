#include "ml/skill_test.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

namespace rc::ml {

boost::json::object SkillEvidence::ToJson() const {
  return {{"n", n},
          {"mean_loss_diff", std::isfinite(mean_diff) ? boost::json::value(mean_diff) : boost::json::value(nullptr)},
          {"dm_stat", std::isfinite(dm_stat) ? boost::json::value(dm_stat) : boost::json::value(nullptr)},
          {"p_value", p_value},
          {"equals_naive", equals_naive}};
}

Status ValidateSkillOptions(const SkillOptions& o) {
  if (!(o.alpha > 0 && o.alpha < 0.5)) return InvalidArgument("alpha", "must be in (0, 0.5)");
  if (!(o.full_margin > 0)) return InvalidArgument("full_margin", "must be > 0");
  if (o.min_bars < 2) return InvalidArgument("min_bars", "must be >= 2");
  return Ok();
}

double NormalUpperTail(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

double NeweyWestVariance(const std::vector<double>& x, int lags) {
  const size_t n = x.size();
  if (n < 2) return 0;
  double mean = 0;
  for (double v : x) mean += v;
  mean /= static_cast<double>(n);
  auto autocov = [&](size_t lag) {
    double s = 0;
    for (size_t t = lag; t < n; ++t) s += (x[t] - mean) * (x[t - lag] - mean);
    return s / static_cast<double>(n);
  };
  double var = autocov(0);
  const size_t max_lag = std::min(static_cast<size_t>(std::max(0, lags)), n - 1);
  for (size_t lag = 1; lag <= max_lag; ++lag) {
    const double bartlett = 1.0 - static_cast<double>(lag) / static_cast<double>(max_lag + 1);
    var += 2.0 * bartlett * autocov(lag);
  }
  return std::max(var, 0.0);
}

double SmallSampleFactor(int64_t n, int horizon_bars) {
  const int64_t h = std::max(1, horizon_bars);
  // (n + 1 - 2h + h(h-1)/n) / n = (n - h)(n - h + 1) / n^2: zero at n = h and
  // meaningless below, where the pairs do not span one horizon.
  if (n < 2 || n <= h) return 0;
  const auto gap = static_cast<double>(n - h), nn = static_cast<double>(n);
  return std::sqrt(gap * (gap + 1.0)) / nn;
}

SkillEvidence DieboldMariano(const std::vector<double>& naive_loss, const std::vector<double>& family_loss,
                             int horizon_bars, const std::vector<double>& family_pred,
                             const std::vector<double>& naive_pred) {
  SkillEvidence e;
  const bool with_preds = family_pred.size() == naive_loss.size() && naive_pred.size() == naive_loss.size();
  std::vector<double> d;
  bool all_equal = true;
  for (size_t idx = 0; idx < naive_loss.size() && idx < family_loss.size(); ++idx) {
    if (!std::isfinite(naive_loss[idx]) || !std::isfinite(family_loss[idx])) continue;
    d.push_back(naive_loss[idx] - family_loss[idx]);
    if (with_preds && !(std::abs(family_pred[idx] - naive_pred[idx]) <= 1e-12)) all_equal = false;
  }
  e.n = static_cast<int64_t>(d.size());
  e.equals_naive = with_preds && !d.empty() && all_equal;
  if (d.empty()) return e;
  double mean = 0;
  for (double v : d) mean += v;
  mean /= static_cast<double>(d.size());
  e.mean_diff = mean;
  const double lrv = NeweyWestVariance(d, std::max(0, horizon_bars - 1));
  if (d.size() >= 2 && lrv > 0) {
    e.dm_stat = SmallSampleFactor(e.n, horizon_bars) * mean / std::sqrt(lrv / static_cast<double>(d.size()));
    e.p_value = NormalUpperTail(e.dm_stat);
  }
  return e;
}

double SkillThreshold(const SkillOptions& o, int comparisons) {
  return NormalQuantile(1.0 - o.alpha / static_cast<double>(std::max(1, comparisons)));
}

double SkillShrinkage(const SkillEvidence& e, const SkillOptions& o, int comparisons) {
  if (e.equals_naive || e.n < o.min_bars || !std::isfinite(e.dm_stat)) return 0;
  const double t_min = SkillThreshold(o, comparisons);
  return std::clamp((e.dm_stat - t_min) / o.full_margin, 0.0, 1.0);
}

// Acklam's rational approximation.
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

}  // namespace rc::ml
