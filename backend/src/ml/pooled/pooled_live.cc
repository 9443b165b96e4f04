#include "ml/pooled/pooled_live.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/numeric.h"

namespace rc::ml {

Result<PooledLiveRow> PooledRowAt(const std::vector<PooledSeries>& series, size_t target, int64_t ts) {
  if (target >= series.size()) {
    return InvalidArgument("target", "is " + std::to_string(target) + " of " + std::to_string(series.size()) + " series");
  }
  // Each series cut at `ts` (nothing later enters) and to its recent window.
  std::vector<PooledSeries> cut(series.size());
  for (size_t s = 0; s < series.size(); ++s) {
    const PooledSeries& in = series[s];
    if (in.close.size() != in.ts.size()) {
      return InvalidArgument("series[" + std::to_string(s) + "].ts", "ts and close must have one entry per bar");
    }
    const size_t end = static_cast<size_t>(std::upper_bound(in.ts.begin(), in.ts.end(), ts) - in.ts.begin());
    const size_t begin = end > kPooledHistoryBars ? end - kPooledHistoryBars : 0;
    PooledSeries& out = cut[s];
    out.name = in.name;
    out.horizon_bars = in.horizon_bars;
    out.ts.assign(in.ts.begin() + static_cast<std::ptrdiff_t>(begin), in.ts.begin() + static_cast<std::ptrdiff_t>(end));
    out.close.assign(in.close.begin() + static_cast<std::ptrdiff_t>(begin),
                     in.close.begin() + static_cast<std::ptrdiff_t>(end));
    out.y.assign(out.ts.size(), kNaN);
  }
  const PooledSeries& own = cut[target];
  if (own.ts.empty() || own.ts.back() != ts) {
    return NotFound("series " + own.name + " has no bar at the requested time");
  }
  // Only the rows at `ts` are computed (each series' newest): the same values, a fraction of the work.
  RC_ASSIGN_OR_RETURN(std::vector<PooledFeatures> features, BuildPooledFeatures(cut, ts));
  const PooledFeatures& f = features[target];
  const auto row = static_cast<Eigen::Index>(own.ts.size() - 1);
  PooledLiveRow out;
  out.x = f.X.row(row);
  out.scale = f.scale.back();
  for (Eigen::Index col = 0; col < out.x.size(); ++col) {
    if (!std::isfinite(out.x[col])) {
      return Unavailable("pooled input '" + PooledFeatureNames()[static_cast<size_t>(col)] + "' of " + own.name +
                         " is not finite yet (" + std::to_string(own.ts.size()) + " bars; warm-up needs up to " +
                         std::to_string(kPooledHistoryBars) + ")");
    }
  }
  if (!(out.scale > 0) || !std::isfinite(out.scale)) {
    return Unavailable("no volatility scale for " + own.name + " at the requested bar (flat or too few bars)");
  }
  for (const PooledSeries& s : cut) out.cross_section_series += !s.ts.empty() && s.ts.back() == ts ? 1 : 0;
  return out;
}

Result<double> PooledForecastFor(const Model& learner, const PooledLiveRow& row) {
  const double forecast = learner.PredictRow(row.x) * row.scale;
  if (!std::isfinite(forecast)) return Unavailable("the pooled learner's forecast is not finite");
  return forecast;
}

}  // namespace rc::ml
