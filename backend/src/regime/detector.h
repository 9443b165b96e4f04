// File: regime/detector.h
//
// Streaming regime detector: feed one bar at a time (Update), read the current
// state with a confidence in [0,1]. A new state must persist `min_dwell` bars
// before it replaces the current one (hysteresis, so the regime does not flap),
// unless (HMM) its filtered probability leads the held state's by `switch_margin`;
// unknown (warm-up, missing features, a flagged gap) takes effect at once.
// The batch path (DetectRegimes) folds a series through the same object, so
// history and live give identical states. State at bar t depends only on bars
// <= t: the hidden-Markov model (the default method) is a forward filter whose
// parameters are fitted on earlier bars only, and the volatility percentile is
// ranked against the symbol's own expanding history.
//
//   rc::regime::RegimeDetector det;
//   for (const auto& in : inputs) det.Update(in);
//   auto now_state = det.StateAt(rc::NowMicros(), tf.DurationMicros());  // unknown if stale
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/numeric.h"
#include "regime/internal/activity_gauge.h"
#include "regime/internal/expanding_percentile.h"
#include "regime/internal/hmm_filter.h"
#include "regime/regime.h"
#include "regime/regime_input.h"

namespace rc::regime {

// How a bar is classified before hysteresis.
enum class DetectorMethod {
  // Default. A 5-state hidden-Markov model on the 1-bar return and relative
  // volume (time-of-day adjusted), re-fitted by Baum-Welch on the series' own
  // past and run as a forward filter: the state is the most probable one given
  // bars <= t that passes the activity test (below), the confidence its
  // filtered probability. Needs `close`.
  kHmm,
  // Ramps over ADX, efficiency ratio, the direction votes and realized vol.
  kThresholds,
};

struct DetectorOptions {
  DetectorMethod method = DetectorMethod::kHmm;
  internal::HmmFilterOptions hmm;   // kHmm only: fit schedule
  // kHmm only: a name must hold of the market, not only of the model
  // (internal/activity_gauge.h: recent vol x volume against its usual level, in
  // log units, from bars <= t). `volatile` needs activity >= volatile_min_activity
  // (a single outsized bar is not a volatile market: what follows it is an
  // ordinary hour), `range_bound` needs activity < range_max_activity (never on a
  // stretch busy enough to be volatile); a state that fails gives way to the next
  // most probable one. Chosen on the real NSE bars' forward vol and simulator
  // seeds 1-3, never 11/12 (docs/ml_audit.md). activity_gate = false: off.
  bool activity_gate = true;
  double activity_half_life = 6;       // bars of the gauge's averages; finite, > 0
  double volatile_min_activity = 1.2;  // e^1.2 = 3.3x the usual vol x volume; finite
  double range_max_activity = 1.2;     // finite, <= volatile_min_activity
  int min_history = 60;             // bars seen before any state but unknown. Default 60, >= 1
  int min_dwell = 3;                // consecutive bars a new state must win before it is adopted. Default 3, >= 1
  // kHmm only: a new state whose filtered probability leads the held state's by at
  // least this much is adopted at once (no dwell); a narrower lead still needs
  // min_dwell bars. The bar-count dwell alone delays every true change by
  // min_dwell bars; a margin delays only the hesitant ones. 0.10 (was 0.25):
  // re-chosen on simulator tuning seeds 1-8, 21-28, 41-56 once each fit's volume
  // level was a recent one (HmmFilterOptions::volume_window): 0.10 scores higher
  // on every one of the 32 seeds, at about a third more detected switches
  // (docs/ml_audit.md, "The switch margin re-tuned"). In [0,1]; 1 = dwell only.
  double switch_margin = 0.10;
  int gap_unknown_bars = 1;         // bars reported unknown from a flagged gap on. Default 1, >= 1
  // Ramps map a feature onto a [0,1] score between lo and hi. Defaults were
  // chosen on simulator seeds 1..3 (docs/ml_audit.md), never on the scored seed.
  double adx_trend_lo = 25, adx_trend_hi = 45;    // ADX ramp for trend strength
  double er_trend_lo = 0.20, er_trend_hi = 0.60;  // efficiency-ratio ramp for trend strength
  double adx_range_lo = 15, adx_range_hi = 35;    // ADX ramp against range-bound
  double er_range_lo = 0.10, er_range_hi = 0.50;  // ER ramp against range-bound
  double vol_pct_lo = 0.80, vol_pct_hi = 0.97;    // vol-percentile ramp for volatile
  double vol_ratio_lo = 1.4, vol_ratio_hi = 2.2;  // ramp of realized vol / its expanding median, for volatile
  double state_threshold = 0.5;     // score a state needs to beat neutral. Default 0.5, in (0,1)
  double stale_after_bars = 2.0;    // StateAt: unknown once the newest bar is this many bar spacings overdue
  // Intraday volatility has a daily shape (high at the open and close): rank
  // realized vol against its own time-of-day slot's expanding mean, so the
  // open is not called volatile every day. A slot needs this many earlier
  // bars; before that the all-day expanding mean is used. 0 = off (raw vol).
  int seasonal_min_obs = 5;
};

// OK or kInvalidArgument naming the offending field ("min_dwell", ...).
Status ValidateDetectorOptions(const DetectorOptions& options);

struct RegimeState {
  int64_t ts = 0;                   // open time of the bar this state is for
  Regime regime = Regime::kUnknown; // after hysteresis
  double confidence = 0;            // in [0,1]: the adopted state's score on this bar
  Regime raw = Regime::kUnknown;    // this bar's own classification, before hysteresis
  double vol_percentile = 0;        // realized vol ranked against the expanding history, NaN if unknown
  std::array<double, kRegimeCount> probabilities{};  // kHmm: filtered probability of each state (unknown: 0)
  double activity = kNaN;  // kHmm: recent vol x volume over its usual level (log); NaN early or with activity_gate off
  int bars_in_state = 0;            // consecutive bars `regime` has been held
  std::string reason;               // why unknown ("warm-up", "missing feature", "gap", "stale", "out-of-order bar")
};

class RegimeDetector {
 public:
  explicit RegimeDetector(DetectorOptions options = {});

  // Consumes the next bar and returns its state. Bars must arrive in strictly
  // increasing ts order; an out-of-order or duplicate bar is not consumed and
  // yields an unknown state with reason "out-of-order bar". Not thread-safe.
  RegimeState Update(const RegimeInput& input);

  // The state of the newest bar (unknown before the first).
  const RegimeState& current() const { return current_; }

  // current(), or unknown with reason "stale" when the newest bar closed more
  // than stale_after_bars * bar_spacing_us before `now` (a feed gap). `now`
  // should be in market time: callers of closed markets pass the session close.
  RegimeState StateAt(int64_t now, int64_t bar_spacing_us) const;

  // kHmm: the newest consumed bar's observation exactly as the filter consumed
  // it (z, u: internal/hmm_filter.h; NaN where the bar carried no evidence: a
  // return across the overnight or a feed gap, no volume, a time-of-day slot
  // not yet shaped). Both NaN before the first bar and with kThresholds. For
  // inspecting the model (`regimecast regime --observations`); not a RegimeState
  // field, as the service keeps a RegimeState for every bar of its history.
  internal::HmmObservation observation() const;

  size_t bars_seen() const { return bars_seen_; }
  void Reset();

 private:
  // Scores of each candidate state in [0,1] and the winner for one bar.
  struct Classification {
    Regime regime;
    double confidence;
    double scores[kRegimeCount];
  };
  Classification Classify(const RegimeInput& in, double vol_pct, double vol_ratio) const;
  // The most probable state that passes the activity tests (all pass while `activity` is NaN).
  Classification FromProbabilities(const std::array<double, internal::kHmmStates>& probabilities,
                                   double activity) const;

  DetectorOptions options_;
  // Realized vol relative to its time-of-day slot's expanding mean (causal).
  double DeseasonalizedVol(int64_t ts, double realized_vol);

  internal::ExpandingPercentile vol_rank_;
  internal::HmmFilter hmm_;
  internal::ActivityGauge activity_;
  std::unordered_map<int64_t, std::pair<double, int>> slot_vol_;  // minute of day -> (sum, count)
  double all_vol_sum_ = 0;
  int all_vol_count_ = 0;
  RegimeState current_;
  Regime candidate_ = Regime::kUnknown;
  int candidate_count_ = 0;
  int gap_countdown_ = 0;
  size_t bars_seen_ = 0;
  bool has_last_ts_ = false;
};

// The batch fold: one state per input, exactly what Update would give in order.
std::vector<RegimeState> DetectRegimes(const std::vector<RegimeInput>& inputs, const DetectorOptions& options = {});

// Just the regimes of DetectRegimes.
std::vector<Regime> RegimesOf(const std::vector<RegimeState>& states);

}  // namespace rc::regime
