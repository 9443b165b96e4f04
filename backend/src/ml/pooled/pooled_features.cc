#include "ml/pooled/pooled_features.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/numeric.h"
#include "ml/volatility.h"

namespace rc::ml {
namespace {

constexpr size_t kLongVolWindow = 250;   // ~3 sessions of 5m bars: the series' own "normal" volatility
constexpr int kOwnLags[] = {1, 3, 12, 36};

enum Column : Eigen::Index { kRet1, kRet3, kRet12, kRet36, kVolRatio, kMkt1, kMkt12, kRel12, kColumns };

// TrailingVolPerBar for the rows with ts >= from_ts only (the rest 0).
std::vector<double> TrailingVolPerBarFrom(const std::vector<double>& close, const std::vector<int64_t>& ts,
                                          int64_t from_ts) {
  if (ts.empty() || ts.front() >= from_ts) return TrailingVolPerBar(close);
  std::vector<double> out(close.size(), 0.0);
  for (size_t row = 0; row < close.size(); ++row) {
    if (ts[row] >= from_ts) out[row] = RecentVolPerBarAt(close, row + 1);
  }
  return out;
}

double Clip(double v) { return std::isfinite(v) ? std::clamp(v, -kPooledClip, kPooledClip) : kNaN; }

}  // namespace

PooledSeries PooledSeriesFromDataset(std::string name, const Dataset& ds) {
  PooledSeries s;
  s.name = std::move(name);
  s.ts = ds.ts;
  s.close = ds.last_close;
  s.y.assign(ds.y.data(), ds.y.data() + ds.y.size());
  s.horizon_bars = ds.horizon_bars;
  return s;
}

const std::vector<std::string>& PooledFeatureNames() {
  static const std::vector<std::string> names = {"nret_1",   "nret_3",   "nret_12",   "nret_36",
                                                 "vol_ratio", "mkt_nret_1", "mkt_nret_12", "rel_nret_12"};
  return names;
}

Result<std::vector<PooledFeatures>> BuildPooledFeatures(const std::vector<PooledSeries>& series, int64_t from_ts) {
  if (series.empty()) return InvalidArgument("series", "needs at least one series");
  for (size_t i = 0; i < series.size(); ++i) {
    const PooledSeries& s = series[i];
    const std::string field = "series[" + std::to_string(i) + "]";
    if (s.close.size() != s.ts.size() || s.y.size() != s.ts.size()) {
      return InvalidArgument(field + ".ts", "ts, close and y must have one entry per bar");
    }
    for (size_t row = 1; row < s.ts.size(); ++row) {
      if (s.ts[row] <= s.ts[row - 1]) return InvalidArgument(field + ".ts", "must be strictly increasing");
    }
    for (double c : s.close) {
      if (!(c > 0) || !std::isfinite(c)) return InvalidArgument(field + ".close", "every close must be positive");
    }
    if (s.horizon_bars < 1 || s.horizon_bars != series[0].horizon_bars) {
      return InvalidArgument(field + ".horizon_bars", "must be >= 1 and the same for every series");
    }
  }
  const double root_h = std::sqrt(static_cast<double>(series[0].horizon_bars));
  std::vector<PooledFeatures> out(series.size());
  // Cross-sectional sums per timestamp: every series' normalised 1- and 12-bar
  // return at that bar's close (nothing after the timestamp enters).
  struct CrossSection {
    double sum1 = 0, sum12 = 0;
    int n1 = 0, n12 = 0;
  };
  std::map<int64_t, CrossSection> cross;
  for (size_t i = 0; i < series.size(); ++i) {
    const PooledSeries& s = series[i];
    PooledFeatures& f = out[i];
    const auto rows = static_cast<Eigen::Index>(s.ts.size());
    f.X = Eigen::MatrixXd::Constant(rows, kColumns, kNaN);
    f.z.assign(s.ts.size(), kNaN);
    f.scale.assign(s.ts.size(), kNaN);
    const std::vector<double> vol = TrailingVolPerBarFrom(s.close, s.ts, from_ts);
    for (size_t row = 0; row < s.ts.size(); ++row) {
      if (s.ts[row] < from_ts) continue;
      const auto r = static_cast<Eigen::Index>(row);
      const double sigma = vol[row];
      if (!(sigma > 0)) continue;  // fewer than 2 returns yet, or a flat market: no scale to normalise by
      f.scale[row] = sigma * root_h;
      for (size_t lag_idx = 0; lag_idx < std::size(kOwnLags); ++lag_idx) {
        const size_t k = static_cast<size_t>(kOwnLags[lag_idx]);
        if (row < k) continue;
        const double ret = std::log(s.close[row] / s.close[row - k]);
        f.X(r, static_cast<Eigen::Index>(lag_idx)) = Clip(ret / (sigma * std::sqrt(static_cast<double>(k))));
      }
      const double long_vol = RecentVolPerBarAt(s.close, row + 1, kLongVolWindow);
      if (row + 1 >= kLongVolWindow / 2 && long_vol > 0) f.X(r, kVolRatio) = Clip(std::log(sigma / long_vol));
      if (std::isfinite(s.y[row])) f.z[row] = Clip(s.y[row] / f.scale[row]);
      CrossSection& cs = cross[s.ts[row]];
      if (std::isfinite(f.X(r, kRet1))) {
        cs.sum1 += f.X(r, kRet1);
        ++cs.n1;
      }
      if (std::isfinite(f.X(r, kRet12))) {
        cs.sum12 += f.X(r, kRet12);
        ++cs.n12;
      }
    }
  }
  for (size_t i = 0; i < series.size(); ++i) {
    PooledFeatures& f = out[i];
    for (size_t row = 0; row < series[i].ts.size(); ++row) {
      const auto r = static_cast<Eigen::Index>(row);
      auto it = cross.find(series[i].ts[row]);
      if (it == cross.end()) continue;
      if (it->second.n1 > 0) f.X(r, kMkt1) = it->second.sum1 / it->second.n1;
      if (it->second.n12 > 0) {
        f.X(r, kMkt12) = it->second.sum12 / it->second.n12;
        f.X(r, kRel12) = Clip(f.X(r, kRet12) - f.X(r, kMkt12));
      }
    }
  }
  return out;
}

}  // namespace rc::ml
