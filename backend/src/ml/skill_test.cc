#include "ml/skill_test.h"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <numbers>

namespace rc::ml {

boost::json::object SkillEvidence::ToJson() const {
  return {{"n", n},
          {"mean_loss_diff", std::isfinite(mean_diff) ? boost::json::value(mean_diff) : boost::json::value(nullptr)},
          {"dm_stat", std::isfinite(dm_stat) ? boost::json::value(dm_stat) : boost::json::value(nullptr)},
          {"df", df},
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

int EwcDegreesOfFreedom(int64_t n, int horizon_bars) {
  if (n < 1) return 0;
  const int64_t h = std::max(1, horizon_bars);
  // Overlap: the differential of h-bar forecasts is a moving sum over h bars,
  // whose spectrum is flat only below about 1/(4h) cycles per bar; cosine j
  // sits at j/(2n), so j <= n/(2h) keeps the variance biased low by < 20 %.
  const int64_t overlap = n / (2 * h);
  // Lazarus, Lewis, Stock & Watson's (2018) rule of thumb for the rest of the
  // dependence (volatility clustering in the losses): 0.4 n^(2/3).
  const auto clustering = static_cast<int64_t>(std::ceil(0.4 * std::pow(static_cast<double>(n), 2.0 / 3.0)));
  return static_cast<int>(std::min(overlap, clustering));
}

double EwcLongRunVariance(const std::vector<double>& x, int basis) {
  const size_t n = x.size();
  if (n < 2 || basis < 1) return 0;
  const double nn = static_cast<double>(n);
  double sum = 0;
  for (int j = 1; j <= basis; ++j) {
    // cos(pi j (t + 1/2) / n) for t = 0, 1, ... by rotating (c, s) one step
    // at a time: no cosine call per term (n * basis terms; the drift over
    // 10^5 steps is ~1e-11). The cosines are orthogonal to a constant, so
    // the mean need not be removed.
    const double step = std::numbers::pi * j / nn;
    const double cos_step = std::cos(step), sin_step = std::sin(step);
    double c = std::cos(0.5 * step), s = std::sin(0.5 * step);
    double projection = 0;
    for (size_t t = 0; t < n; ++t) {
      projection += c * x[t];
      const double next_c = c * cos_step - s * sin_step;
      s = s * cos_step + c * sin_step;
      c = next_c;
    }
    projection *= std::sqrt(2.0 / nn);
    sum += projection * projection;
  }
  return sum / basis;
}

double StudentUpperTail(double t, int df) {
  if (std::isnan(t)) return 1;
  if (df < 1) return NormalUpperTail(t);
  if (std::isinf(t)) return t > 0 ? 0 : 1;
  return boost::math::cdf(boost::math::complement(boost::math::students_t_distribution<double>(df), t));
}

double StudentQuantile(double p, int df) {
  if (df < 1) return NormalQuantile(p);
  return boost::math::quantile(boost::math::students_t_distribution<double>(df), p);
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
  e.df = EwcDegreesOfFreedom(e.n, horizon_bars);
  const double lrv = EwcLongRunVariance(d, e.df);
  if (e.df >= 1 && lrv > 0) {
    e.dm_stat = mean / std::sqrt(lrv / static_cast<double>(d.size()));
    e.p_value = StudentUpperTail(e.dm_stat, e.df);
  }
  return e;
}

double SkillThreshold(const SkillOptions& o, int comparisons, int df) {
  return StudentQuantile(1.0 - o.alpha / static_cast<double>(std::max(1, comparisons)), df);
}

double SkillShrinkage(const SkillEvidence& e, const SkillOptions& o, int comparisons) {
  if (e.equals_naive || e.n < o.min_bars || e.df < 1 || !std::isfinite(e.dm_stat)) return 0;
  const double t_min = SkillThreshold(o, comparisons, e.df);
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
