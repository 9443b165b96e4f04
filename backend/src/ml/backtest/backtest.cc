#include "ml/backtest/backtest.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <deque>
#include <optional>
#include <set>

#include "core/numeric.h"
#include "core/time.h"
#include "ml/internal/json_io.h"
#include "ml/volatility.h"

namespace rc::ml {
namespace {

// A scored forecast with `bands`' log-return bounds, one per level.
ForecastPoint PointWithBands(double predicted, double actual, double last_close, const std::vector<BandOut>& bands) {
  ForecastPoint point{predicted, actual, last_close, {}, {}};
  for (const BandOut& b : bands) {
    point.lower.push_back(b.lower_return);
    point.upper.push_back(b.upper_return);
  }
  return point;
}

// True when the forecast made at `row` has a horizon that runs across a break
// in trading: its realized bar lies more than h + 0.5 bar spacings ahead.
bool SpansABreak(const std::vector<int64_t>& ts, size_t row, size_t h, int64_t spacing) {
  return row + h < ts.size() &&
         static_cast<double>(ts[row + h] - ts[row]) > (static_cast<double>(h) + 0.5) * static_cast<double>(spacing);
}

// Directional hit of one forecast (a zero forecast counts 1/2, as in ComputeMetrics).
double DirectionalHit(double predicted, double actual) {
  if (predicted == 0 || actual == 0) return 0.5;
  return (predicted > 0) == (actual > 0) ? 1.0 : 0.0;
}

// Mean and HAC z against 1/2 of sign hits (1 when the forward return has the named sign).
void SignAgreement(const std::vector<double>& hits, int horizon_bars, RegimeMeaning::PerState& out) {
  if (hits.empty()) {
    out.sign_agreement = out.sign_z = kNaN;
    return;
  }
  double sum = 0;
  for (double h : hits) sum += h;
  out.sign_agreement = sum / static_cast<double>(hits.size());
  const double se = std::sqrt(NeweyWestVariance(hits, std::max(0, horizon_bars - 1)) / static_cast<double>(hits.size()));
  out.sign_z = se > 0 ? (out.sign_agreement - 0.5) / se : kNaN;
}

RegimeMeaning MeasureRegimeMeaning(const Dataset& ds, size_t first, size_t last, int64_t spacing) {
  RegimeMeaning m;
  const size_t h = static_cast<size_t>(ds.horizon_bars);
  std::map<regime::Regime, std::vector<double>> hits;
  std::vector<double> trend_hits;
  std::map<regime::Regime, double> vol_sum, ret_sum;
  for (size_t row = first; row < last && row + h < ds.rows(); ++row) {
    const double y = ds.y[static_cast<Eigen::Index>(row)];
    if (!std::isfinite(y)) continue;
    // Intraday realized vol: returns across a session break (overnight gaps)
    // are left out, so a state is judged by the market it named, not by the next open.
    double sq = 0;
    int count = 0;
    for (size_t k = row + 1; k <= row + h; ++k) {
      if (ds.ts[k] - ds.ts[k - 1] > 2 * spacing) continue;
      const double r = std::log(ds.last_close[k] / ds.last_close[k - 1]);
      sq += r * r;
      ++count;
    }
    if (count == 0) continue;
    const regime::Regime reg = ds.regime[row];
    RegimeMeaning::PerState& st = m.states[reg];
    ++st.n;
    vol_sum[reg] += std::sqrt(sq / count);
    ret_sum[reg] += y;
    if (reg == regime::Regime::kTrendingUp || reg == regime::Regime::kTrendingDown) {
      const double hit = y == 0 ? 0.5 : ((y > 0) == (reg == regime::Regime::kTrendingUp) ? 1.0 : 0.0);
      hits[reg].push_back(hit);
      trend_hits.push_back(hit);
    }
  }
  for (auto& [reg, st] : m.states) {
    st.forward_vol = vol_sum[reg] / static_cast<double>(st.n);
    st.forward_return = ret_sum[reg] / static_cast<double>(st.n);
    if (hits.count(reg)) {
      SignAgreement(hits[reg], ds.horizon_bars, st);
    } else {
      st.sign_agreement = st.sign_z = kNaN;
    }
  }
  auto vol_of = [&](regime::Regime r) { return m.states.count(r) ? m.states[r].forward_vol : kNaN; };
  m.volatile_to_range_vol = vol_of(regime::Regime::kVolatile) / vol_of(regime::Regime::kRangeBound);
  m.trending.n = static_cast<int64_t>(trend_hits.size());
  SignAgreement(trend_hits, ds.horizon_bars, m.trending);
  return m;
}

double Ape(double predicted, double actual) { return std::abs(std::exp(predicted - actual) - 1.0); }

// Per family, the forecasts it would have made on each scored bar.
struct FamilyTrack {
  std::vector<double> ape, naive_ape, hits;
};

std::string LevelName(double level) { return std::to_string(static_cast<int>(std::lround(level * 100))); }

}  // namespace

DirectionalAccuracy DirectionalAccuracyWithCi(const std::vector<double>& hits, int horizon_bars) {
  DirectionalAccuracy d;
  d.n = static_cast<int64_t>(hits.size());
  if (hits.empty()) {
    d.value = d.ci_low = d.ci_high = d.wilson_low = d.wilson_high = kNaN;
    return d;
  }
  double sum = 0;
  for (double h : hits) sum += h;
  const auto n = static_cast<double>(hits.size());
  d.value = sum / n;
  const double hac = NeweyWestVariance(hits, std::max(0, horizon_bars - 1));
  const double se = std::sqrt(hac / n);
  d.ci_low = std::max(0.0, d.value - 1.96 * se);
  d.ci_high = std::min(1.0, d.value + 1.96 * se);
  // Wilson at the effective n: overlapping horizons carry fewer independent
  // draws than bars (hac > plain variance); with no variance at all, n itself.
  const double plain = NeweyWestVariance(hits, 0);
  d.n_effective = hac > 0 && plain > 0 ? std::clamp(n * plain / hac, 1.0, n) : n;
  const double z = 1.96, m = d.n_effective, p = d.value;
  const double denom = 1 + z * z / m;
  const double center = (p + z * z / (2 * m)) / denom;
  const double half = z / denom * std::sqrt(p * (1 - p) / m + z * z / (4 * m * m));
  d.wilson_low = std::max(0.0, center - half);
  d.wilson_high = std::min(1.0, center + half);
  return d;
}

Result<BacktestResult> RunBacktest(const Dataset& ds, const BacktestOptions& o) {
  RC_RETURN_IF_ERROR(ds.Validate());
  RC_RETURN_IF_ERROR(ValidateWalkForwardOptions(o.training));
  if (o.to_ts <= o.from_ts) return InvalidArgument("to_ts", "must be after from_ts");
  if (o.retrain_every < 1) return InvalidArgument("retrain_every", "must be >= 1");
  if (o.vol_window < 2) return InvalidArgument("vol_window", "must be >= 2");
  if (auto check = AdaptiveConformal::Create(o.training.bands.levels, o.adaptive); !check) {
    return tl::unexpected(check.error());
  }
  AdaptiveConformalOptions reference_adaptive = o.adaptive;
  reference_adaptive.gamma = o.reference_gamma;
  if (auto check = AdaptiveConformal::Create(o.training.bands.levels, reference_adaptive); !check) {
    return InvalidArgument("reference_gamma", check.error().message);
  }
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
  std::vector<ForecastPoint> model_pts, naive_pts, unscaled_pts, reference_pts, within_session_pts, across_break_pts;
  std::vector<double> hits, model_ape, naive_ape, model_pred, naive_pred;
  std::optional<BandCalibration> unscaled_cal, reference_cal;
  std::set<std::string> no_signal;
  // ACI per regime, fed the outcome of a prediction once its horizon has
  // realized (row s is known at the close of bar s + h), in prediction order.
  std::map<regime::Regime, AdaptiveConformal> aci, reference_aci;
  struct Pending {
    size_t row;
    regime::Regime regime;
    std::vector<BandOut> bands, reference_bands;
  };
  std::deque<Pending> pending;
  std::map<regime::Regime, std::vector<ForecastPoint>> model_by, naive_by, reference_by;
  auto observe = [&](std::map<regime::Regime, AdaptiveConformal>& states, const AdaptiveConformalOptions& options,
                     regime::Regime reg, double realized, const std::vector<BandOut>& bands) {
    auto it = states.find(reg);
    if (it == states.end()) it = states.emplace(reg, *AdaptiveConformal::Create(levels, options)).first;
    it->second.Observe(realized, bands);
  };
  std::map<std::string, FamilyTrack> tracks;

  for (size_t block = first; block < last; block += static_cast<size_t>(o.retrain_every)) {
    // At the close of bar `block`, the labels known are those whose horizon
    // ended by then; train on rows [0, block - h) (the purge gap of the
    // walk-forward), so no training label reads a price after the block starts.
    exp.reset();
    entry.reset();
    unscaled_cal.reset();
    reference_cal.reset();
    if (block > h) {
      Dataset history = ds.Slice(0, block - h);
      auto trained = RunWalkForward(history, o.training);
      ++result.summary.retrains;
      if (trained) {
        unscaled_cal = trained->calibration_unscaled;
        reference_cal = trained->calibration_reference;
        result.summary.families.clear();
        for (const FamilyLoss& fl : trained->skill) {
          FamilyVerdict v;
          v.family = fl.family;
          v.skill = fl.pooled_skill;
          v.no_signal = fl.pooled_skill.equals_naive && fl.family != o.training.gating.baseline;
          if (v.no_signal) no_signal.insert(fl.family);
          const FamilyWeights& pooled = trained->gating.pooled;
          if (auto w = pooled.weights.find(fl.family); w != pooled.weights.end()) v.pooled_weight = w->second;
          if (auto why = pooled.gated_out.find(fl.family); why != pooled.gated_out.end()) v.gated_out_reason = why->second;
          result.summary.families.push_back(std::move(v));
        }
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
      while (!pending.empty() && pending.front().row + h <= row) {
        const Pending& done = pending.front();
        const double realized = ds.y[static_cast<Eigen::Index>(done.row)];
        observe(aci, o.adaptive, done.regime, realized, done.bands);
        if (!done.reference_bands.empty()) {
          observe(reference_aci, reference_adaptive, done.regime, realized, done.reference_bands);
        }
        pending.pop_front();
      }
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
      req.recent_vol_per_bar = RecentVolPerBarAt(ds.last_close, row + 1, static_cast<size_t>(o.vol_window));
      req.levels = levels;
      if (o.adaptive_bands) {
        if (auto it = aci.find(ds.regime[row]); it != aci.end()) req.adaptive_levels = it->second.EffectiveLevels();
      }
      Prediction p = Predict(req, entry ? &*entry : nullptr, exp.get());
      // The reference bands around the same point forecast, through the same
      // ServedHalfWidths Predict uses, steered by their own ACI.
      std::vector<BandOut> reference_bands;
      if (reference_cal && !p.degraded) {
        std::vector<double> reference_levels;
        if (o.adaptive_bands) {
          if (auto it = reference_aci.find(ds.regime[row]); it != reference_aci.end()) {
            reference_levels = it->second.EffectiveLevels();
          }
        }
        const BandQuantiles rq =
            reference_cal->ServedHalfWidths(ds.regime[row], req.recent_vol_per_bar, req.last_bar_ts, reference_levels,
                                            nullptr);
        reference_bands = BandsAround(p.expected_return, rq, levels, req.last_close);
      }
      if (!p.degraded) pending.push_back(Pending{row, ds.regime[row], p.bands, reference_bands});

      BacktestRow out;
      out.ts = ds.ts[row];
      out.last_close = ds.last_close[row];
      out.regime = ds.regime[row];
      out.expected_close = p.expected_price;
      out.bands = p.bands;
      out.reference_bands = reference_bands;
      out.degraded = p.degraded;
      out.experiment_id = p.experiment_id;
      double y = ds.y[static_cast<Eigen::Index>(row)];
      out.realized_close = std::isfinite(y) ? out.last_close * std::exp(y) : kNaN;
      if (p.degraded) ++result.summary.degraded_rows;
      if (std::isfinite(y)) {
        const ForecastPoint mp = PointWithBands(p.expected_return, y, out.last_close, p.bands);
        BandQuantiles nq = VolatilityBands(req.recent_vol_per_bar, ds.horizon_bars, levels);
        ForecastPoint np{0.0, y, out.last_close, {}, {}};
        for (double hw : nq.half_width) {
          np.lower.push_back(-hw);
          np.upper.push_back(hw);
        }
        // The same point forecast with the old method's bands: unscaled
        // conformal quantiles of the same residuals (naive volatility bands when degraded).
        ForecastPoint up{p.expected_return, y, out.last_close, {}, {}};
        if (unscaled_cal && !p.degraded) {
          const BandQuantiles& uq = unscaled_cal->For(out.regime);
          for (double hw : uq.half_width) {
            up.lower.push_back(p.expected_return - hw);
            up.upper.push_back(p.expected_return + hw);
          }
        } else {
          up.lower = mp.lower;
          up.upper = mp.upper;
        }
        unscaled_pts.push_back(up);
        const ForecastPoint rp = reference_bands.empty()
                                     ? mp
                                     : PointWithBands(p.expected_return, y, out.last_close, reference_bands);
        reference_pts.push_back(rp);
        reference_by[out.regime].push_back(rp);
        hits.push_back(DirectionalHit(p.expected_return, y));
        model_ape.push_back(Ape(p.expected_return, y));
        naive_ape.push_back(Ape(0.0, y));
        model_pred.push_back(p.expected_return);
        naive_pred.push_back(0.0);
        model_pts.push_back(mp);
        (SpansABreak(ds.ts, row, h, spacing) ? across_break_pts : within_session_pts).push_back(mp);
        naive_pts.push_back(np);
        model_by[out.regime].push_back(mp);
        naive_by[out.regime].push_back(np);
        // Each family's own forecast on this bar (the backtest's Dataset is the
        // one the experiment was trained on, so the feature row is in its order).
        if (exp && !p.degraded && exp->record.feature_names == ds.feature_names) {
          for (const auto& [family, model] : exp->models) {
            const double r = model->PredictRow(req.features);
            if (!std::isfinite(r)) continue;
            FamilyTrack& t = tracks[family];
            t.ape.push_back(Ape(r, y));
            t.naive_ape.push_back(Ape(0.0, y));
            t.hits.push_back(DirectionalHit(r, y));
          }
        }
      }
      result.rows.push_back(std::move(out));
    }
  }
  BacktestSummary& sum = result.summary;
  sum.horizon_bars = ds.horizon_bars;
  sum.model = ComputeMetrics(model_pts, levels);
  sum.naive = ComputeMetrics(naive_pts, levels);
  sum.model_unscaled_bands = ComputeMetrics(unscaled_pts, levels);
  sum.model_reference_bands = ComputeMetrics(reference_pts, levels);
  sum.model_within_session = ComputeMetrics(within_session_pts, levels);
  sum.model_across_break = ComputeMetrics(across_break_pts, levels);
  sum.reference_gamma = o.reference_gamma;
  sum.mape_ratio = sum.naive.mape > 0 ? sum.model.mape / sum.naive.mape : kNaN;
  sum.directional = DirectionalAccuracyWithCi(hits, ds.horizon_bars);
  for (const auto& [family, t] : tracks) {
    FamilyForecastAccuracy fa;
    fa.family = family;
    fa.n = static_cast<int64_t>(t.ape.size());
    for (size_t idx = 0; idx < t.ape.size(); ++idx) {
      fa.mape += t.ape[idx];
      fa.naive_mape += t.naive_ape[idx];
    }
    fa.mape /= static_cast<double>(fa.n);
    fa.naive_mape /= static_cast<double>(fa.n);
    fa.mape_ratio = fa.naive_mape > 0 ? fa.mape / fa.naive_mape : kNaN;
    fa.directional = DirectionalAccuracyWithCi(t.hits, ds.horizon_bars);
    sum.family_forecasts.push_back(std::move(fa));
  }
  sum.model_vs_naive = DieboldMariano(naive_ape, model_ape, ds.horizon_bars, model_pred, naive_pred);
  sum.no_signal.assign(no_signal.begin(), no_signal.end());
  sum.regime_meaning = MeasureRegimeMeaning(ds, first, last, spacing);
  for (const auto& [reg, a] : aci) sum.adaptive_levels[reg] = a.EffectiveLevels();
  for (auto& [r, v] : model_by) result.summary.model_by_regime[r] = ComputeMetrics(v, levels);
  for (auto& [r, v] : naive_by) result.summary.naive_by_regime[r] = ComputeMetrics(v, levels);
  for (auto& [r, v] : reference_by) result.summary.reference_by_regime[r] = ComputeMetrics(v, levels);
  return result;
}

std::string BacktestCsv(const BacktestResult& r) {
  std::string out = "ts,last_close,regime,expected_close";
  for (double l : r.summary.levels) out += ",lower_" + LevelName(l) + ",upper_" + LevelName(l);
  // What happened, beside what was said: coverage by any grouping a user
  // cares about (time of day, weekday) needs it. Empty past the data's end.
  out += ",realized_close\n";
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
    out += ",";
    if (std::isfinite(row.realized_close)) {
      std::snprintf(buf, sizeof buf, "%.6f", row.realized_close);
      out += buf;
    }
    out += "\n";
  }
  return out;
}

namespace {
boost::json::object DirectionalJson(const DirectionalAccuracy& d) {
  using internal::NumberOrNull;
  return {{"value", NumberOrNull(d.value)},         {"ci95_low", NumberOrNull(d.ci_low)},
          {"ci95_high", NumberOrNull(d.ci_high)},   {"wilson95_low", NumberOrNull(d.wilson_low)},
          {"wilson95_high", NumberOrNull(d.wilson_high)}, {"n_effective", NumberOrNull(d.n_effective)},
          {"n", d.n}};
}

boost::json::object AdaptiveLevelsJson(const std::map<regime::Regime, std::vector<double>>& levels) {
  boost::json::object out;
  for (const auto& [reg, v] : levels) {
    boost::json::array a;
    for (double l : v) a.push_back(l);
    out[regime::ToString(reg)] = a;
  }
  return out;
}
}  // namespace

boost::json::object RegimeMeaning::ToJson() const {
  using internal::NumberOrNull;
  auto per = [](const PerState& st) {
    return boost::json::object{{"n", st.n},
                               {"forward_vol", NumberOrNull(st.forward_vol)},
                               {"forward_return", NumberOrNull(st.forward_return)},
                               {"sign_agreement", NumberOrNull(st.sign_agreement)},
                               {"sign_z", NumberOrNull(st.sign_z)}};
  };
  boost::json::object states_json;
  for (const auto& [reg, st] : states) states_json[regime::ToString(reg)] = per(st);
  return {{"states", states_json},
          {"volatile_to_range_vol", NumberOrNull(volatile_to_range_vol)},
          {"trending", per(trending)}};
}

boost::json::object BacktestSummary::ToJson() const {
  using internal::NumberOrNull;
  boost::json::object by;
  for (const auto& [reg, m] : model_by_regime) {
    boost::json::object e{{"model", m.ToJson()}};
    if (auto it = naive_by_regime.find(reg); it != naive_by_regime.end()) {
      e["naive"] = it->second.ToJson();
      e["mape_ratio"] = NumberOrNull(it->second.mape > 0 ? m.mape / it->second.mape : kNaN);
    }
    if (auto it = reference_by_regime.find(reg); it != reference_by_regime.end()) e["reference"] = it->second.ToJson();
    by[regime::ToString(reg)] = e;
  }
  boost::json::array fams;
  for (const FamilyVerdict& v : families) {
    fams.push_back(boost::json::object{{"family", v.family},
                                       {"skill_vs_naive", v.skill.ToJson()},
                                       {"no_signal", v.no_signal},
                                       {"pooled_weight", v.pooled_weight},
                                       {"gated_out", v.gated_out_reason}});
  }
  boost::json::array ns;
  for (const auto& f : no_signal) ns.push_back(boost::json::value(f));
  boost::json::array forecasts;
  for (const FamilyForecastAccuracy& fa : family_forecasts) {
    forecasts.push_back(boost::json::object{{"family", fa.family},
                                            {"n", fa.n},
                                            {"mape", NumberOrNull(fa.mape)},
                                            {"naive_mape", NumberOrNull(fa.naive_mape)},
                                            {"mape_ratio", NumberOrNull(fa.mape_ratio)},
                                            {"directional_accuracy", DirectionalJson(fa.directional)}});
  }
  return {{"model", model.ToJson()},
          {"naive", naive.ToJson()},
          {"model_unscaled_bands", model_unscaled_bands.ToJson()},
          {"model_reference_bands", model_reference_bands.ToJson()},
          {"model_by_break",
           boost::json::object{{"within_session", model_within_session.ToJson()},
                               {"across_break", model_across_break.ToJson()}}},
          {"reference_gamma", reference_gamma},
          {"mape_ratio", NumberOrNull(mape_ratio)},
          {"directional_accuracy", DirectionalJson(directional)},
          {"family_forecasts", forecasts},
          {"model_vs_naive", model_vs_naive.ToJson()},
          {"families", fams},
          {"no_signal", ns},
          {"regime_meaning", regime_meaning.ToJson()},
          {"adaptive_levels", AdaptiveLevelsJson(adaptive_levels)},
          {"regimes", by},
          {"horizon_bars", horizon_bars},
          {"retrains", retrains},
          {"degraded_rows", degraded_rows}};
}

std::string BacktestSummaryText(const BacktestResult& r) {
  const BacktestSummary& s = r.summary;
  std::string out;
  char buf[320];
  auto bands = [&](const Metrics& m) {
    for (const BandMetrics& b : m.bands) {
      std::snprintf(buf, sizeof buf, "  cov%s %.3f width %.4f%% IS %.5f", LevelName(b.level).c_str(), b.coverage,
                    100 * b.mean_width, b.interval_score);
      out += buf;
    }
    out += "\n";
  };
  auto line = [&](const std::string& label, const Metrics& m, const Metrics& n) {
    std::snprintf(buf, sizeof buf, "%-14s n=%-6lld MAPE %.4f%% (naive %.4f%%, ratio %.4f)  dir.acc %.3f", label.c_str(),
                  static_cast<long long>(m.n), 100 * m.mape, 100 * n.mape, n.mape > 0 ? m.mape / n.mape : kNaN,
                  m.directional_accuracy);
    out += buf;
    bands(m);
  };
  std::snprintf(buf, sizeof buf, "backtest: %zu predictions, %d retrains, %d degraded\n", r.rows.size(), s.retrains,
                s.degraded_rows);
  out += buf;
  std::snprintf(buf, sizeof buf,
                "vs naive: MAPE ratio %.4f  DM t=%.2f (p=%.3f, EWC %d df)  directional accuracy %.3f [95%% CI %.3f, %.3f; "
                "Wilson %.3f, %.3f]\n",
                s.mape_ratio, s.model_vs_naive.dm_stat, s.model_vs_naive.p_value, s.model_vs_naive.df, s.directional.value,
                s.directional.ci_low, s.directional.ci_high, s.directional.wilson_low, s.directional.wilson_high);
  out += buf;
  line("overall", s.model, s.naive);
  out += "old bands     ";
  bands(s.model_unscaled_bands);
  out += "reference     ";
  bands(s.model_reference_bands);
  out += "naive bands   ";
  bands(s.naive);
  std::snprintf(buf, sizeof buf, "within session n=%-6lld", static_cast<long long>(s.model_within_session.n));
  out += buf;
  bands(s.model_within_session);
  std::snprintf(buf, sizeof buf, "across a break n=%-6lld", static_cast<long long>(s.model_across_break.n));
  out += buf;
  bands(s.model_across_break);
  for (const auto& [reg, m] : s.model_by_regime) {
    auto it = s.naive_by_regime.find(reg);
    if (it != s.naive_by_regime.end()) line(std::string(regime::ToString(reg)), m, it->second);
  }
  for (const FamilyVerdict& v : s.families) {
    std::snprintf(buf, sizeof buf, "family %-15s weight %.3f  DM t=%.2f (%d df) p=%.3f n=%lld%s%s\n",
                  v.family.c_str(), v.pooled_weight, v.skill.dm_stat, v.skill.df, v.skill.p_value,
                  static_cast<long long>(v.skill.n),
                  v.no_signal ? "  NO SIGNAL" : "", v.gated_out_reason.empty() ? "" : ("  (" + v.gated_out_reason + ")").c_str());
    out += buf;
  }
  for (const FamilyForecastAccuracy& fa : s.family_forecasts) {
    std::snprintf(buf, sizeof buf, "alone %-16s n=%-6lld MAPE ratio %.4f  dir.acc %.3f [Wilson 95%% %.3f, %.3f]\n",
                  fa.family.c_str(), static_cast<long long>(fa.n), fa.mape_ratio, fa.directional.value,
                  fa.directional.wilson_low, fa.directional.wilson_high);
    out += buf;
  }
  const RegimeMeaning& rm = s.regime_meaning;
  std::snprintf(buf, sizeof buf,
                "regimes: forward vol volatile/range_bound %.2f; trending sign agreement %.3f (z=%.2f, n=%lld)\n",
                rm.volatile_to_range_vol, rm.trending.sign_agreement, rm.trending.sign_z,
                static_cast<long long>(rm.trending.n));
  out += buf;
  if (!s.no_signal.empty()) {
    out += "no signal (forecasts equal naive's):";
    for (const auto& f : s.no_signal) out += " " + f;
    out += "\n";
  }
  return out;
}

}  // namespace rc::ml
