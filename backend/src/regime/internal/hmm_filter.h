// The hidden-Markov regime filter of one series: turns each bar's close and
// volume into the HMM's observation (1-bar log return over its typical size,
// log volume over its typical level, both after removing the time-of-day shape
// learned within earlier sessions (intraday_profile.h); the references are
// expanding, from earlier bars only), runs the forward filter (filtered, never
// smoothed: the posterior at t uses bars <= t only) and re-fits the model by
// Baum-Welch on the series' own past observations on a fixed schedule (each fit
// from the prior, so an early misfit does not persist; the window's most recent
// log volumes measured against the volume reference of the fit's time). Being
// a pure fold over bars, it gives the same posteriors streamed or in batch.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include "regime/internal/expanding_percentile.h"
#include "regime/internal/gaussian_hmm.h"
#include "regime/internal/intraday_profile.h"

namespace rc::regime::internal {

struct HmmFilterOptions {
  int first_fit = 300;    // observations before the first Baum-Welch fit (the prior filters until then)
  int refit_every = 500;  // later fits: at twice the previous count, at most this many observations apart
  int refit_every_full = 1000;  // the same once `window` observations have been seen
  int window = 6000;      // a fit uses at most this many most recent observations
  // Of those, only the most recent this many carry volume evidence into the fit
  // (older ones their return only), all measured against the volume reference of
  // the fit's time: the fit's free volume level (gaussian_hmm.h) is then the
  // regime-adjusted level of about the last 27 NSE sessions, which follows a real
  // series' volume level as it moves; over the whole window, months-old bars set
  // the level today's bar is read against (docs/ml_audit.md: RELIANCE.NS).
  int volume_window = 2000;
  int iterations = 20;    // EM steps per run, each starting from GaussianHmm::Prior() (not the last fit; see volume_start_shift)
  double prior_weight = 600;  // pseudo-observations of GaussianHmm::Prior() per state in every fit
  // Each fit runs EM three times, from the prior and from the prior with every
  // state's volume level moved down and up by this much, and keeps the fit of
  // the highest likelihood (0: the prior only). From the prior alone, a window
  // that holds only neutral and range_bound bars could settle one volume level
  // too low, reading neutral bars as trending_down and range_bound ones as
  // neutral for weeks (simulator seed 184: 0.742 agreement; docs/ml_audit.md,
  // "Three EM starts per fit").
  double volume_start_shift = 0.2;
};

class HmmFilter {
 public:
  explicit HmmFilter(HmmFilterOptions options = {});

  // Folds one bar (ts strictly increasing, checked by the caller) and returns the
  // filtered state probabilities (RegimeIndex order). `volume` may be NaN or 0
  // (no volume evidence); a non-finite or non-positive close gives no return evidence.
  std::array<double, kHmmStates> Update(int64_t ts, double close, double volume);

  const GaussianHmm& model() const { return hmm_; }
  // The newest bar's observation (z, u; NaN where it carried no evidence).
  const HmmObservation& last_observation() const { return last_observation_; }
  // The same bar de-seasonalised against each time-of-day slot's own median of
  // earlier bars instead (noisier for the model; the activity gauge's input).
  const HmmObservation& slot_median_observation() const { return slot_median_observation_; }
  int fits() const { return fits_; }
  // The log-volume reference u is measured against: the mean de-shaped log
  // volume of the bars so far (NaN before the first). Each fit re-measures the
  // window's most recent `volume_window` log volumes against it (see history_).
  double volume_reference() const;

 private:
  HmmObservation Observe(int64_t ts, double close, double volume);
  void MaybeRefit();
  // One fit of `window` per start of HmmFilterOptions::volume_start_shift; the most likely.
  GaussianHmm FitFromStarts(const std::vector<HmmObservation>& window) const;

  HmmFilterOptions options_;
  GaussianHmm hmm_;
  std::array<double, kHmmStates> alpha_{};
  HmmObservation last_observation_{};
  // The fit window. z as observed; u held as the DE-SHAPED log volume, not yet
  // referenced (NaN where the bar's u was missing), so that a fit measures every
  // bar of its volume window against the reference of the fit's own time (the
  // filter reads each new bar against the reference of that bar's time, which
  // moves by at most ~0.025 between fits; freezing it at the fit's value gained
  // nothing measurable, docs/ml_audit.md): the reference is an expanding mean that moves with
  // the series' regime mix (a calm first month, a busy second one), and
  // observations stored each against its own day's reference disagree by that
  // drift, which one free volume level per fit (gaussian_hmm.h) cannot absorb.
  // A rolling mean as the reference moves with the recent regime mix much more
  // (simulator tuning seeds: 0.71-0.84 against 0.850; docs/ml_audit.md).
  std::deque<HmmObservation> history_;
  double last_deshaped_log_volume_ = 0;  // the newest bar's de-shaped log volume (NaN: its u was missing)
  size_t observed_ = 0;
  size_t next_fit_ = 0;
  int fits_ = 0;
  // Normalisation (earlier bars only).
  bool has_last_ = false;
  int64_t last_ts_ = 0;
  double last_close_ = 0;
  int64_t min_spacing_ = 0;
  // The model's observation: the time-of-day shape learned within earlier
  // sessions removed, then the return over the median de-shaped |return| and
  // the log volume minus the MEAN de-shaped log volume of earlier bars. A mean,
  // because real log volume is right-skewed: against its median the usual bar
  // reads heavy by the skew, which the fit's free volume level (gaussian_hmm.h)
  // would take for a calm history (RELIANCE.NS: ordinary bars went range_bound).
  IntradayProfile abs_return_shape_, log_volume_shape_;
  ExpandingPercentile abs_return_level_;
  double log_volume_sum_ = 0;
  int64_t log_volume_count_ = 0;
  // The activity gauge's observation: each time-of-day slot's own median of
  // earlier bars (the gauge's thresholds were chosen on it, docs/ml_audit.md).
  HmmObservation slot_median_observation_{};
  ExpandingPercentile abs_return_all_, log_volume_all_;
  std::unordered_map<int64_t, ExpandingPercentile> abs_return_slot_, log_volume_slot_;
};

}  // namespace rc::regime::internal
