#include "ml/metrics.h"

#include <boost/json.hpp>
#include <cmath>

#include "core/numeric.h"
#include "ml/internal/json_io.h"

namespace rc::ml {

Metrics ComputeMetrics(const std::vector<ForecastPoint>& points, const std::vector<double>& levels) {
  Metrics m;
  m.n = static_cast<int64_t>(points.size());
  size_t n_levels = points.empty() ? 0 : std::min(levels.size(), points.front().lower.size());
  m.bands.resize(n_levels);
  for (size_t lvl = 0; lvl < n_levels; ++lvl) m.bands[lvl].level = levels[lvl];
  if (points.empty()) {
    m.mape = m.rmse = m.mae = m.directional_accuracy = kNaN;
    return m;
  }
  double ape = 0, se = 0, ae = 0, dir = 0;
  for (const ForecastPoint& p : points) {
    double err = p.predicted - p.actual;
    // Implied price / realized price = exp(pred) / exp(actual); last_close cancels.
    ape += std::abs(std::expm1(err));
    se += err * err;
    ae += std::abs(err);
    if (p.predicted == 0 || p.actual == 0) {
      dir += 0.5;
    } else if ((p.predicted > 0) == (p.actual > 0)) {
      dir += 1.0;
    }
    for (size_t lvl = 0; lvl < n_levels; ++lvl) {
      double lo = p.lower[lvl], hi = p.upper[lvl];
      double alpha = 1.0 - levels[lvl];
      BandMetrics& b = m.bands[lvl];
      if (p.actual >= lo && p.actual <= hi) b.coverage += 1;
      b.mean_width += std::exp(hi) - std::exp(lo);
      double score = hi - lo;
      if (p.actual < lo) score += 2.0 / alpha * (lo - p.actual);
      if (p.actual > hi) score += 2.0 / alpha * (p.actual - hi);
      b.interval_score += score;
    }
  }
  auto n = static_cast<double>(points.size());
  m.mape = ape / n;
  m.rmse = std::sqrt(se / n);
  m.mae = ae / n;
  m.directional_accuracy = dir / n;
  for (BandMetrics& b : m.bands) {
    b.coverage /= n;
    b.mean_width /= n;
    b.interval_score /= n;
  }
  return m;
}

boost::json::object Metrics::ToJson() const {
  using internal::NumberOrNull;
  boost::json::array band_array;
  for (const BandMetrics& b : bands) {
    band_array.push_back(boost::json::object{{"level", b.level},
                                             {"coverage", NumberOrNull(b.coverage)},
                                             {"mean_width", NumberOrNull(b.mean_width)},
                                             {"interval_score", NumberOrNull(b.interval_score)}});
  }
  return {{"n", n},
          {"mape", NumberOrNull(mape)},
          {"rmse", NumberOrNull(rmse)},
          {"mae", NumberOrNull(mae)},
          {"directional_accuracy", NumberOrNull(directional_accuracy)},
          {"bands", band_array}};
}

Status ValidateMetricName(const std::string& name, const std::string& field) {
  for (const char* ok : {"mape", "rmse", "mae", "directional_accuracy", "interval_score_80", "interval_score_95"}) {
    if (name == ok) return Ok();
  }
  return InvalidArgument(field, "must be one of mape rmse mae directional_accuracy interval_score_80 "
                                "interval_score_95, got '" + name + "'");
}

double LossOf(const Metrics& m, const std::string& metric) {
  if (m.n == 0) return kNaN;
  if (metric == "mape") return m.mape;
  if (metric == "rmse") return m.rmse;
  if (metric == "mae") return m.mae;
  if (metric == "directional_accuracy") return 1.0 - m.directional_accuracy;
  double level = metric == "interval_score_80" ? 0.8 : (metric == "interval_score_95" ? 0.95 : -1);
  for (const BandMetrics& b : m.bands) {
    if (std::abs(b.level - level) < 1e-9) return b.interval_score;
  }
  return kNaN;
}

}  // namespace rc::ml
