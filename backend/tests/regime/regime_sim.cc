#include "regime_sim.h"

#include <cmath>
#include <random>
#include <string>

#include "core/numeric.h"

namespace rc::regime::testing {
namespace {
void FillOhlc(SimSeries& s, std::mt19937_64& rng, double vol_scale_hl) {
  std::normal_distribution<double> n01(0.0, 1.0);
  size_t n = s.close.size();
  s.open.resize(n);
  s.high.resize(n);
  s.low.resize(n);
  for (size_t idx = 0; idx < n; ++idx) {
    double o = idx == 0 ? s.close[0] : s.close[idx - 1];
    double c = s.close[idx];
    s.open[idx] = o;
    s.high[idx] = std::max(o, c) * std::exp(std::abs(n01(rng)) * vol_scale_hl);
    s.low[idx] = std::min(o, c) * std::exp(-std::abs(n01(rng)) * vol_scale_hl);
  }
}

}  // namespace

SimSeries SimulateRegimes(const SimOptions& o) {
  std::mt19937_64 rng(o.seed);
  std::normal_distribution<double> n01(0.0, 1.0);
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  const Regime states[] = {Regime::kTrendingUp, Regime::kTrendingDown, Regime::kRangeBound, Regime::kVolatile,
                           Regime::kNeutral};
  SimSeries s;
  s.ts.resize(o.bars);
  s.close.resize(o.bars);
  s.truth.resize(o.bars);
  Regime regime = Regime::kNeutral;
  double logp = std::log(100.0);
  double anchor = logp;
  for (size_t idx = 0; idx < o.bars; ++idx) {
    if (u01(rng) > o.stay_probability) {
      Regime next = states[static_cast<size_t>(u01(rng) * 5) % 5];
      if (next != regime && next == Regime::kRangeBound) anchor = logp;
      regime = next;
    }
    double r = 0;
    switch (regime) {
      case Regime::kTrendingUp: r = o.trend_drift * o.base_vol + o.base_vol * n01(rng); break;
      case Regime::kTrendingDown: r = -o.trend_drift * o.base_vol + o.base_vol * n01(rng); break;
      case Regime::kRangeBound: r = -o.range_kappa * (logp - anchor) + 0.6 * o.base_vol * n01(rng); break;
      case Regime::kVolatile: r = o.volatile_multiplier * o.base_vol * n01(rng); break;
      default: r = o.base_vol * n01(rng); break;
    }
    logp += r;
    s.ts[idx] = o.start_ts + static_cast<int64_t>(idx) * o.bar_spacing_us;
    s.close[idx] = std::exp(logp);
    s.truth[idx] = regime;
  }
  FillOhlc(s, rng, 0.5 * o.base_vol);
  return s;
}

SimSeries SimulateRandomWalk(size_t bars, uint64_t seed, double vol) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n01(0.0, 1.0);
  SimSeries s;
  s.ts.resize(bars);
  s.close.resize(bars);
  s.truth.assign(bars, Regime::kNeutral);
  double logp = std::log(100.0);
  for (size_t idx = 0; idx < bars; ++idx) {
    logp += vol * n01(rng);
    s.ts[idx] = 1'700'000'000'000'000 + static_cast<int64_t>(idx) * 300'000'000;
    s.close[idx] = std::exp(logp);
  }
  FillOhlc(s, rng, 0.5 * vol);
  return s;
}

std::vector<std::string> SimFeatureNames() {
  return {"ret_1", "ret_3", "ret_12", "rv_20", "z_20", "er_10", "adx_14", "plus_di_14", "minus_di_14", "dist_sma_20"};
}

ColumnTable ComputeFeatures(const SimSeries& s, int horizon_bars, int horizon_minutes) {
  const size_t n = s.close.size();
  ColumnTable t;
  t.ts = s.ts;
  auto col = [&](const std::string& name) -> std::vector<double>& {
    auto& v = t.columns[name];
    v.assign(n, kNaN);
    return v;
  };
  auto& close = col("close");
  auto& ret1 = col("ret_1");
  auto& ret3 = col("ret_3");
  auto& ret12 = col("ret_12");
  auto& rv20 = col("rv_20");
  auto& z20 = col("z_20");
  auto& er10 = col("er_10");
  auto& dist = col("dist_sma_20");
  auto& adx = col("adx_14");
  auto& pdi = col("plus_di_14");
  auto& mdi = col("minus_di_14");
  auto& target = col("target_ret_" + std::to_string(horizon_minutes) + "m");
  for (size_t t_idx = 0; t_idx < n; ++t_idx) {
    close[t_idx] = s.close[t_idx];
    if (t_idx >= 1) ret1[t_idx] = std::log(s.close[t_idx] / s.close[t_idx - 1]);
    if (t_idx >= 3) ret3[t_idx] = std::log(s.close[t_idx] / s.close[t_idx - 3]);
    if (t_idx >= 12) ret12[t_idx] = std::log(s.close[t_idx] / s.close[t_idx - 12]);
    if (t_idx >= 20) {
      double mean = 0, sq = 0;
      for (size_t k = t_idx - 19; k <= t_idx; ++k) mean += ret1[k];
      mean /= 20;
      for (size_t k = t_idx - 19; k <= t_idx; ++k) sq += (ret1[k] - mean) * (ret1[k] - mean);
      rv20[t_idx] = std::sqrt(sq / 19);
    }
    if (t_idx >= 19) {
      double mean = 0, sq = 0;
      for (size_t k = t_idx - 19; k <= t_idx; ++k) mean += s.close[k];
      mean /= 20;
      for (size_t k = t_idx - 19; k <= t_idx; ++k) sq += (s.close[k] - mean) * (s.close[k] - mean);
      double sd = std::sqrt(sq / 19);
      z20[t_idx] = sd > 0 ? (s.close[t_idx] - mean) / sd : 0.0;
      dist[t_idx] = s.close[t_idx] / mean - 1.0;
    }
    if (t_idx >= 10) {
      double path = 0;
      for (size_t k = t_idx - 9; k <= t_idx; ++k) path += std::abs(s.close[k] - s.close[k - 1]);
      er10[t_idx] = path > 0 ? std::abs(s.close[t_idx] - s.close[t_idx - 10]) / path : 0.0;
    }
    if (t_idx + static_cast<size_t>(horizon_bars) < n) {
      target[t_idx] = std::log(s.close[t_idx + horizon_bars] / s.close[t_idx]);
    }
  }
  // Wilder's ADX(14), +DI, -DI.
  const int p = 14;
  double s_tr = 0, s_pdm = 0, s_mdm = 0, adx_val = 0, dx_sum = 0;
  int dx_count = 0;
  for (size_t t_idx = 1; t_idx < n; ++t_idx) {
    double up = s.high[t_idx] - s.high[t_idx - 1];
    double down = s.low[t_idx - 1] - s.low[t_idx];
    double pdm = (up > down && up > 0) ? up : 0;
    double mdm = (down > up && down > 0) ? down : 0;
    double tr = std::max({s.high[t_idx] - s.low[t_idx], std::abs(s.high[t_idx] - s.close[t_idx - 1]),
                          std::abs(s.low[t_idx] - s.close[t_idx - 1])});
    if (t_idx <= static_cast<size_t>(p)) {
      s_tr += tr;
      s_pdm += pdm;
      s_mdm += mdm;
      if (t_idx < static_cast<size_t>(p)) continue;
    } else {
      s_tr = s_tr - s_tr / p + tr;
      s_pdm = s_pdm - s_pdm / p + pdm;
      s_mdm = s_mdm - s_mdm / p + mdm;
    }
    double plus = s_tr > 0 ? 100.0 * s_pdm / s_tr : 0;
    double minus = s_tr > 0 ? 100.0 * s_mdm / s_tr : 0;
    pdi[t_idx] = plus;
    mdi[t_idx] = minus;
    double dx = (plus + minus) > 0 ? 100.0 * std::abs(plus - minus) / (plus + minus) : 0;
    if (dx_count < p) {
      dx_sum += dx;
      ++dx_count;
      if (dx_count == p) {
        adx_val = dx_sum / p;
        adx[t_idx] = adx_val;
      }
    } else {
      adx_val = (adx_val * (p - 1) + dx) / p;
      adx[t_idx] = adx_val;
    }
  }
  return t;
}

}  // namespace rc::regime::testing
