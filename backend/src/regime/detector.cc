#include "regime/detector.h"

#include <algorithm>
#include <cmath>

#include "core/numeric.h"
#include "core/time.h"

namespace rc::regime {
namespace {

double Ramp(double x, double lo, double hi) { return std::clamp((x - lo) / (hi - lo), 0.0, 1.0); }

double Sign(double x) { return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0); }

bool AllFinite(const RegimeInput& in) {
  return std::isfinite(in.adx) && std::isfinite(in.plus_di) && std::isfinite(in.minus_di) &&
         std::isfinite(in.efficiency_ratio) && std::isfinite(in.trend_return) && std::isfinite(in.dist_sma) &&
         std::isfinite(in.realized_vol);
}

}  // namespace

Status ValidateDetectorOptions(const DetectorOptions& o) {
  if (o.min_history < 1) return InvalidArgument("min_history", "must be >= 1");
  if (o.min_dwell < 1) return InvalidArgument("min_dwell", "must be >= 1");
  if (!(o.switch_margin >= 0 && o.switch_margin <= 1)) return InvalidArgument("switch_margin", "must be in [0,1]");
  if (o.gap_unknown_bars < 1) return InvalidArgument("gap_unknown_bars", "must be >= 1");
  if (o.seasonal_min_obs < 0) return InvalidArgument("seasonal_min_obs", "must be >= 0");
  if (!(o.adx_trend_lo < o.adx_trend_hi)) return InvalidArgument("adx_trend_hi", "must exceed adx_trend_lo");
  if (!(o.er_trend_lo < o.er_trend_hi)) return InvalidArgument("er_trend_hi", "must exceed er_trend_lo");
  if (!(o.adx_range_lo < o.adx_range_hi)) return InvalidArgument("adx_range_hi", "must exceed adx_range_lo");
  if (!(o.er_range_lo < o.er_range_hi)) return InvalidArgument("er_range_hi", "must exceed er_range_lo");
  if (!(o.vol_pct_lo < o.vol_pct_hi)) return InvalidArgument("vol_pct_hi", "must exceed vol_pct_lo");
  if (!(o.vol_ratio_lo < o.vol_ratio_hi)) return InvalidArgument("vol_ratio_hi", "must exceed vol_ratio_lo");
  if (!(o.state_threshold > 0 && o.state_threshold < 1)) return InvalidArgument("state_threshold", "must be in (0,1)");
  if (!(o.stale_after_bars > 0)) return InvalidArgument("stale_after_bars", "must be > 0");
  if (o.hmm.first_fit < 2) return InvalidArgument("hmm.first_fit", "must be >= 2");
  if (o.hmm.refit_every < 1) return InvalidArgument("hmm.refit_every", "must be >= 1");
  if (o.hmm.refit_every_full < 1) return InvalidArgument("hmm.refit_every_full", "must be >= 1");
  if (o.hmm.window < o.hmm.first_fit) return InvalidArgument("hmm.window", "must be >= hmm.first_fit");
  if (o.hmm.volume_window < 1) return InvalidArgument("hmm.volume_window", "must be >= 1");
  if (o.hmm.iterations < 1 || o.hmm.iterations > 200) return InvalidArgument("hmm.iterations", "must be in 1..200");
  if (!(o.hmm.prior_weight >= 0)) return InvalidArgument("hmm.prior_weight", "must be >= 0");
  if (!(o.hmm.volume_start_shift >= 0) || !std::isfinite(o.hmm.volume_start_shift)) {
    return InvalidArgument("hmm.volume_start_shift", "must be a finite number >= 0");
  }
  if (!(o.activity_half_life > 0) || !std::isfinite(o.activity_half_life)) {
    return InvalidArgument("activity_half_life", "must be a finite number > 0");
  }
  if (!std::isfinite(o.volatile_min_activity)) return InvalidArgument("volatile_min_activity", "must be finite");
  if (!std::isfinite(o.range_max_activity) || o.range_max_activity > o.volatile_min_activity) {
    return InvalidArgument("range_max_activity", "must be finite and <= volatile_min_activity");
  }
  return Ok();
}

// An invalid half-life (ValidateDetectorOptions names it) falls back to the default, not to a NaN gauge.
RegimeDetector::RegimeDetector(DetectorOptions options)
    : options_(options),
      hmm_(options_.hmm),
      activity_(options_.activity_half_life > 0 ? options_.activity_half_life : DetectorOptions{}.activity_half_life) {
  Reset();
}

void RegimeDetector::Reset() {
  vol_rank_.Reset();
  hmm_ = internal::HmmFilter(options_.hmm);
  activity_.Reset();
  slot_vol_.clear();
  all_vol_sum_ = 0;
  all_vol_count_ = 0;
  current_ = RegimeState{};
  current_.reason = "warm-up";
  current_.vol_percentile = kNaN;
  candidate_ = Regime::kUnknown;
  candidate_count_ = 0;
  gap_countdown_ = 0;
  bars_seen_ = 0;
  has_last_ts_ = false;
}

RegimeDetector::Classification RegimeDetector::Classify(const RegimeInput& in, double vol_pct,
                                                        double vol_ratio) const {
  const DetectorOptions& o = options_;
  Classification c{};
  // Volatile when vol is extreme against the symbol's own past: by rank (rare
  // spikes) or by ratio to the median (a long high-vol spell that would
  // otherwise become "normal" in rank terms).
  double s_vol = std::max(Ramp(vol_pct, o.vol_pct_lo, o.vol_pct_hi), Ramp(vol_ratio, o.vol_ratio_lo, o.vol_ratio_hi));
  // Trend strength: ADX and efficiency ratio agree that the path is directional.
  double strength = 0.5 * Ramp(in.adx, o.adx_trend_lo, o.adx_trend_hi) +
                    0.5 * Ramp(in.efficiency_ratio, o.er_trend_lo, o.er_trend_hi);
  // Direction: three votes (net return, DI spread, side of the SMA); the share
  // that agree scales the trend score so a mixed picture is not called a trend.
  double votes = Sign(in.trend_return) + Sign(in.plus_di - in.minus_di) + Sign(in.dist_sma);
  double agreement = std::abs(votes) / 3.0;
  double s_trend = strength * agreement;
  double s_range = (1.0 - Ramp(in.adx, o.adx_range_lo, o.adx_range_hi)) *
                   (1.0 - Ramp(in.efficiency_ratio, o.er_range_lo, o.er_range_hi)) * (1.0 - s_vol);
  c.scores[RegimeIndex(Regime::kVolatile)] = s_vol;
  c.scores[RegimeIndex(Regime::kTrendingUp)] = votes > 0 ? s_trend : 0.0;
  c.scores[RegimeIndex(Regime::kTrendingDown)] = votes < 0 ? s_trend : 0.0;
  c.scores[RegimeIndex(Regime::kRangeBound)] = s_range;
  if (s_vol >= o.state_threshold) {
    c.regime = Regime::kVolatile;
    c.confidence = s_vol;
  } else {
    Regime best = Regime::kNeutral;
    double best_score = 0;
    for (Regime r : {Regime::kTrendingUp, Regime::kTrendingDown, Regime::kRangeBound}) {
      if (c.scores[RegimeIndex(r)] > best_score) {
        best = r;
        best_score = c.scores[RegimeIndex(r)];
      }
    }
    double top = std::max(best_score, s_vol);
    if (best_score >= o.state_threshold) {
      c.regime = best;
      c.confidence = best_score;
    } else {
      c.regime = Regime::kNeutral;
      c.confidence = 1.0 - top;
    }
  }
  c.scores[RegimeIndex(Regime::kNeutral)] =
      1.0 - std::max({s_vol, c.scores[0], c.scores[1], c.scores[RegimeIndex(Regime::kRangeBound)]});
  c.scores[RegimeIndex(Regime::kUnknown)] = 0;
  return c;
}

RegimeDetector::Classification RegimeDetector::FromProbabilities(
    const std::array<double, internal::kHmmStates>& probabilities, double activity) const {
  // A name must hold of the market, not only of the model: `volatile` after a
  // single outsized bar, or `range_bound` on a busy stretch, is not what the
  // next hour looks like (docs/ml_audit.md). Unknown activity (early bars) tests nothing.
  auto allowed = [&](int s) {
    if (!options_.activity_gate || !std::isfinite(activity)) return true;
    if (s == RegimeIndex(Regime::kVolatile)) return activity >= options_.volatile_min_activity;
    if (s == RegimeIndex(Regime::kRangeBound)) return activity < options_.range_max_activity;
    return true;
  };
  Classification c{};
  c.regime = Regime::kNeutral;
  c.confidence = -1;
  for (int s = 0; s < internal::kHmmStates; ++s) {
    c.scores[s] = probabilities[s];
    if (allowed(s) && probabilities[s] > c.confidence) {
      c.regime = static_cast<Regime>(s);
      c.confidence = probabilities[s];
    }
  }
  c.scores[RegimeIndex(Regime::kUnknown)] = 0;
  return c;
}

double RegimeDetector::DeseasonalizedVol(int64_t ts, double rv) {
  if (options_.seasonal_min_obs <= 0 || !std::isfinite(rv)) return rv;
  const int64_t slot = MinuteOfUtcDay(ts);
  auto& [sum, count] = slot_vol_[slot];
  double reference = 0;
  if (count >= options_.seasonal_min_obs) {
    reference = sum / count;
  } else if (all_vol_count_ > 0) {
    reference = all_vol_sum_ / all_vol_count_;
  }
  // Only then is this bar added: the reference holds earlier bars only.
  sum += rv;
  ++count;
  all_vol_sum_ += rv;
  ++all_vol_count_;
  return reference > 0 ? rv / reference : 1.0;
}

RegimeState RegimeDetector::Update(const RegimeInput& in) {
  if (has_last_ts_ && in.ts <= current_.ts) {
    RegimeState s;
    s.ts = in.ts;
    s.vol_percentile = kNaN;
    s.reason = "out-of-order bar";
    return s;
  }
  has_last_ts_ = true;
  ++bars_seen_;
  const double vol = DeseasonalizedVol(in.ts, in.realized_vol);
  double vol_pct = vol_rank_.AddAndRank(vol);
  const bool use_hmm = options_.method == DetectorMethod::kHmm;
  // The filter runs on every in-order bar, also those reported unknown, so its
  // state is continuous.
  std::array<double, internal::kHmmStates> probabilities{};
  double activity = kNaN;
  if (use_hmm) {
    probabilities = hmm_.Update(in.ts, in.close, in.volume);
    if (options_.activity_gate) {
      // The gauge keeps the slot-median de-seasonalisation its thresholds were
      // chosen on: on the model's observation the same threshold let short bursts
      // through (INFY.NS volatile/range_bound forward vol 1.47, docs/ml_audit.md).
      const internal::HmmObservation& obs = hmm_.slot_median_observation();
      activity = activity_.Update(obs.z, obs.u);
    }
  }
  if (in.gap_before) gap_countdown_ = options_.gap_unknown_bars;

  RegimeState next;
  next.ts = in.ts;
  next.vol_percentile = vol_pct;
  next.activity = activity;
  std::string unknown_reason;
  if (gap_countdown_ > 0) {
    --gap_countdown_;
    unknown_reason = "gap";
  } else if (use_hmm ? !std::isfinite(in.close) : !AllFinite(in)) {
    unknown_reason = "missing feature";
  } else if (bars_seen_ < static_cast<size_t>(options_.min_history)) {
    unknown_reason = "warm-up";
  }
  if (!unknown_reason.empty()) {
    // unknown is adopted immediately: a feed gap must show at once.
    next.regime = Regime::kUnknown;
    next.raw = Regime::kUnknown;
    next.confidence = 1.0;
    next.reason = unknown_reason;
    next.bars_in_state = current_.regime == Regime::kUnknown ? current_.bars_in_state + 1 : 1;
    candidate_ = Regime::kUnknown;
    candidate_count_ = 0;
    current_ = next;
    return current_;
  }

  double median = vol_rank_.Quantile(0.5);
  double vol_ratio = median > 0 ? vol / median : 1.0;
  Classification c = use_hmm ? FromProbabilities(probabilities, activity) : Classify(in, vol_pct, vol_ratio);
  if (use_hmm) std::copy(probabilities.begin(), probabilities.end(), next.probabilities.begin());
  next.raw = c.regime;
  if (current_.regime == Regime::kUnknown) {
    // Leaving unknown needs no dwell: there is no established state to protect.
    next.regime = c.regime;
    next.confidence = c.confidence;
    next.bars_in_state = 1;
    candidate_ = c.regime;
    candidate_count_ = 0;
  } else if (c.regime == current_.regime) {
    next.regime = current_.regime;
    next.confidence = c.confidence;
    next.bars_in_state = current_.bars_in_state + 1;
    candidate_count_ = 0;
  } else {
    if (c.regime == candidate_) {
      ++candidate_count_;
    } else {
      candidate_ = c.regime;
      candidate_count_ = 1;
    }
    // kHmm: a clear lead in filtered probability over the held state is evidence
    // enough; a narrow one (the filter hesitating between two states) must last
    // min_dwell bars. Threshold scores are not probabilities: dwell only.
    const bool decisive =
        use_hmm && c.confidence - c.scores[RegimeIndex(current_.regime)] >= options_.switch_margin;
    if (candidate_count_ >= options_.min_dwell || decisive) {
      next.regime = c.regime;
      next.confidence = c.confidence;
      next.bars_in_state = 1;
      candidate_count_ = 0;
    } else {
      // Held against this bar's evidence: confidence is the held state's own score.
      next.regime = current_.regime;
      next.confidence = c.scores[RegimeIndex(current_.regime)];
      next.bars_in_state = current_.bars_in_state + 1;
    }
  }
  next.confidence = std::clamp(next.confidence, 0.0, 1.0);
  current_ = next;
  return current_;
}

RegimeState RegimeDetector::StateAt(int64_t now, int64_t bar_spacing_us) const {
  RegimeState s = current_;
  if (!has_last_ts_) return s;
  int64_t close_time = current_.ts + bar_spacing_us;
  double overdue = static_cast<double>(now - close_time) / static_cast<double>(std::max<int64_t>(bar_spacing_us, 1));
  if (overdue > options_.stale_after_bars) {
    s.regime = Regime::kUnknown;
    s.confidence = 1.0;
    s.reason = "stale";
    s.bars_in_state = 0;
  }
  return s;
}

internal::HmmObservation RegimeDetector::observation() const {
  // The filter's own default observation is (0, 0), not "none".
  if (options_.method != DetectorMethod::kHmm || bars_seen_ == 0) return {kNaN, kNaN};
  return hmm_.last_observation();
}

std::vector<RegimeState> DetectRegimes(const std::vector<RegimeInput>& inputs, const DetectorOptions& options) {
  RegimeDetector det(options);
  std::vector<RegimeState> out;
  out.reserve(inputs.size());
  for (const RegimeInput& in : inputs) out.push_back(det.Update(in));
  return out;
}

std::vector<Regime> RegimesOf(const std::vector<RegimeState>& states) {
  std::vector<Regime> out;
  out.reserve(states.size());
  for (const RegimeState& s : states) out.push_back(s.regime);
  return out;
}

}  // namespace rc::regime
