#include "ml/backtest/backtest.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/time.h"

namespace rc::ml {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Realized vol of 1-bar log returns over the `window` bars ending at `row` (causal).
double RecentVol(const Dataset& ds, size_t row, int window) {
  if (row < 2) return 0;
  size_t begin = row >= static_cast<size_t>(window) ? row - static_cast<size_t>(window) + 1 : 1;
  double mean = 0, sq = 0;
  int n = 0;
  for (size_t idx = begin; idx <= row; ++idx) {
    double r = std::log(ds.last_close[idx] / ds.last_close[idx - 1]);
    mean += r;
    ++n;
  }
  mean /= n;
  for (size_t idx = begin; idx <= row; ++idx) {
    double r = std::log(ds.last_close[idx] / ds.last_close[idx - 1]);
    sq += (r - mean) * (r - mean);
  }
  return n > 1 ? std::sqrt(sq / (n - 1)) : 0;
}

std::string LevelName(double level) { return std::to_string(static_cast<int>(std::lround(level * 100))); }

}  // namespace

Result<BacktestResult> RunBacktest(const Dataset& ds, const BacktestOptions& o) {
  RC_RETURN_IF_ERROR(ds.Validate());
  RC_RETURN_IF_ERROR(ValidateWalkForwardOptions(o.training));
  if (o.to_ts <= o.from_ts) return InvalidArgument("to_ts", "must be after from_ts");
  if (o.retrain_every < 1) return InvalidArgument("retrain_every", "must be >= 1");
  if (o.vol_window < 2) return InvalidArgument("vol_window", "must be >= 2");
  int64_t spacing = o.bar_spacing_us;
  if (spacing <= 0) {
    spacing = INT64_MAX;
    for (size_t row = 1; row < ds.rows(); ++row) spacing = std::min(spacing, ds.ts[row] - ds.ts[row - 1]);
    if (spacing == INT64_MAX) spacing = 60 * kMicrosPerSecond;
  }
  const size_t h = static_cast<size_t>(ds.horizon_bars);
  size_t first = static_cast<size_t>(std::lower_bound(ds.ts.begin(), ds.ts.end(), o.from_ts) - ds.ts.begin());
  size_t last = static_cast<size_t>(std::lower_bound(ds.ts.begin(), ds.ts.end(), o.to_ts) - ds.ts.begin());

  BacktestResult result;
  const std::vector<double>& levels = o.training.bands.levels;
  result.summary.levels = levels;
  std::shared_ptr<const LoadedExperiment> exp;
  std::optional<IndexEntry> entry;
  std::vector<ForecastPoint> model_pts, naive_pts;
  std::map<regime::Regime, std::vector<ForecastPoint>> model_by, naive_by;

  for (size_t block = first; block < last; block += static_cast<size_t>(o.retrain_every)) {
    // At the close of bar `block`, the labels known are those whose horizon
    // ended by then; train on rows [0, block - h) (the purge gap of the
    // walk-forward), so no training label reads a price after the block starts.
    exp.reset();
    entry.reset();
    if (block > h) {
      Dataset history = ds.Slice(0, block - h);
      auto trained = RunWalkForward(history, o.training);
      ++result.summary.retrains;
      if (trained) {
        ExperimentRecord rec = MakeExperimentRecord(*trained, o.key, "orchestrator", {}, o.training,
                                                    ds.ts[block - 1] + spacing);
        IndexEntry e;
        e.key = o.key;
        e.active_experiment = rec.id;
        e.gating = rec.gating;
        if (!rec.champion.empty()) e.champion = ModelRef{rec.id, rec.champion, 0};
        if (!rec.challenger.empty()) e.challenger = ModelRef{rec.id, rec.challenger, 0};
        entry = e;
        exp = MakeLoadedExperiment(std::move(rec), *trained);
      }
    }
    size_t block_end = std::min(last, block + static_cast<size_t>(o.retrain_every));
    for (size_t row = block; row < block_end; ++row) {
      PredictionRequest req;
      req.feature_names = ds.feature_names;
      req.features = ds.X.row(static_cast<Eigen::Index>(row));
      req.last_close = ds.last_close[row];
      req.last_bar_ts = ds.ts[row];
      req.bar_spacing_us = spacing;
      req.now = ds.ts[row] + spacing;  // the bar's close
      req.horizon_bars = ds.horizon_bars;
      req.regime.regime = ds.regime[row];
      req.regime.confidence = ds.regime_confidence[row];
      req.recent_vol_per_bar = RecentVol(ds, row, o.vol_window);
      req.levels = levels;
      Prediction p = Predict(req, entry ? &*entry : nullptr, exp.get());

      BacktestRow out;
      out.ts = ds.ts[row];
      out.last_close = ds.last_close[row];
      out.regime = ds.regime[row];
      out.expected_close = p.expected_price;
      out.bands = p.bands;
      out.degraded = p.degraded;
      out.experiment_id = p.experiment_id;
      double y = ds.y[static_cast<Eigen::Index>(row)];
      out.realized_close = std::isfinite(y) ? out.last_close * std::exp(y) : kNaN;
      if (p.degraded) ++result.summary.degraded_rows;
      if (std::isfinite(y)) {
        ForecastPoint mp{p.expected_return, y, out.last_close, {}, {}};
        for (const BandOut& b : p.bands) {
          mp.lower.push_back(b.lower_return);
          mp.upper.push_back(b.upper_return);
        }
        BandQuantiles nq = VolatilityBands(req.recent_vol_per_bar, ds.horizon_bars, levels);
        ForecastPoint np{0.0, y, out.last_close, {}, {}};
        for (double hw : nq.half_width) {
          np.lower.push_back(-hw);
          np.upper.push_back(hw);
        }
        model_pts.push_back(mp);
        naive_pts.push_back(np);
        model_by[out.regime].push_back(mp);
        naive_by[out.regime].push_back(np);
      }
      result.rows.push_back(std::move(out));
    }
  }
  result.summary.model = ComputeMetrics(model_pts, levels);
  result.summary.naive = ComputeMetrics(naive_pts, levels);
  for (auto& [r, v] : model_by) result.summary.model_by_regime[r] = ComputeMetrics(v, levels);
  for (auto& [r, v] : naive_by) result.summary.naive_by_regime[r] = ComputeMetrics(v, levels);
  return result;
}

std::string BacktestCsv(const BacktestResult& r) {
  std::string out = "ts,last_close,regime,expected_close";
  for (double l : r.summary.levels) out += ",lower_" + LevelName(l) + ",upper_" + LevelName(l);
  out += "\n";
  char buf[64];
  for (const BacktestRow& row : r.rows) {
    out += FormatIsoUtc(row.ts);
    std::snprintf(buf, sizeof buf, ",%.6f", row.last_close);
    out += buf;
    out += ",";
    out += regime::ToString(row.regime);
    std::snprintf(buf, sizeof buf, ",%.6f", row.expected_close);
    out += buf;
    for (const BandOut& b : row.bands) {
      std::snprintf(buf, sizeof buf, ",%.6f,%.6f", b.lower, b.upper);
      out += buf;
    }
    out += "\n";
  }
  return out;
}

boost::json::object BacktestSummary::ToJson() const {
  boost::json::object by;
  for (const auto& [reg, m] : model_by_regime) {
    boost::json::object e{{"model", m.ToJson()}};
    if (auto it = naive_by_regime.find(reg); it != naive_by_regime.end()) e["naive"] = it->second.ToJson();
    by[regime::ToString(reg)] = e;
  }
  return {{"model", model.ToJson()}, {"naive", naive.ToJson()}, {"regimes", by},
          {"retrains", retrains},    {"degraded_rows", degraded_rows}};
}

std::string BacktestSummaryText(const BacktestResult& r) {
  const BacktestSummary& s = r.summary;
  std::string out;
  char buf[256];
  auto line = [&](const std::string& label, const Metrics& m, const Metrics& n) {
    std::snprintf(buf, sizeof buf, "%-14s n=%-6lld MAPE %.4f%% (naive %.4f%%)  dir.acc %.3f (naive %.3f)", label.c_str(),
                  static_cast<long long>(m.n), 100 * m.mape, 100 * n.mape, m.directional_accuracy,
                  n.directional_accuracy);
    out += buf;
    for (size_t lvl = 0; lvl < m.bands.size() && lvl < n.bands.size(); ++lvl) {
      std::snprintf(buf, sizeof buf, "  cov%s %.3f (naive %.3f)", LevelName(m.bands[lvl].level).c_str(),
                    m.bands[lvl].coverage, n.bands[lvl].coverage);
      out += buf;
    }
    out += "\n";
  };
  std::snprintf(buf, sizeof buf, "backtest: %zu predictions, %d retrains, %d degraded\n", r.rows.size(), s.retrains,
                s.degraded_rows);
  out += buf;
  line("overall", s.model, s.naive);
  for (const auto& [reg, m] : s.model_by_regime) {
    auto it = s.naive_by_regime.find(reg);
    if (it != s.naive_by_regime.end()) line(std::string(regime::ToString(reg)), m, it->second);
  }
  return out;
}

}  // namespace rc::ml
