// A hidden-Markov model with one state per named regime (trending_up,
// trending_down, range_bound, volatile, neutral: RegimeIndex order) and
// diagonal-Gaussian emissions over two per-bar observations: the normalised
// 1-bar return z and the deseasonalised log volume u. Either may be NaN
// (missing: the overnight return, a bar without volume); a missing dimension
// contributes no evidence.
//
// Two operations: the forward filter step (the only thing the detector runs
// bar by bar: it uses bars <= t only) and Baum-Welch re-estimation on a stored
// history. Re-estimation keeps each state's meaning: the trend states keep a
// drift of their sign, the other three have zero mean return, volatile stays
// the most volatile and range_bound the calmer of range_bound/neutral.
#pragma once

#include <array>
#include <vector>

namespace rc::regime::internal {

inline constexpr int kHmmStates = 5;  // RegimeIndex 0..4 (unknown is not a hidden state)

struct HmmObservation {
  // Both with the time-of-day shape removed (hmm_filter.h says how): the
  // return over its typical size, the log volume minus its typical level.
  double z = 0;  // normalised 1-bar log return (NaN = missing)
  double u = 0;  // normalised log volume (NaN = missing)
};

struct GaussianHmm {
  std::array<std::array<double, kHmmStates>, kHmmStates> transition{};  // [from][to], rows sum to 1
  std::array<double, kHmmStates> initial{};
  std::array<double, kHmmStates> z_mean{}, z_var{};
  std::array<double, kHmmStates> u_mean{}, u_var{};

  // The prior every series starts from (before its first fit): the glossary's
  // meaning in units of the series' own typical return and volume.
  static GaussianHmm Prior();

  // This model with every state's volume mean moved by `offset` (the spacing
  // between the states' volume levels kept): how the fit moves the prior's
  // common level, and how HmmFilter's extra EM starts begin.
  GaussianHmm WithVolumeOffset(double offset) const;

  // Log density of `obs` in `state` (missing dimensions skipped).
  double LogEmission(int state, const HmmObservation& obs) const;

  // One filter step: alpha (filtered probabilities at t-1, sums to 1) ->
  // filtered probabilities at t. An empty/zero alpha starts from `initial`.
  std::array<double, kHmmStates> Filter(const std::array<double, kHmmStates>& alpha,
                                        const HmmObservation& obs) const;

  // Baum-Welch (scaled forward-backward) for `iterations` EM steps from the
  // current parameters, with the constraints above, MAP-regularised towards
  // `prior` with `prior_weight` pseudo-observations per state. The prior holds
  // the states' volume means relative to one another; their common level is
  // estimated freely in each M-step (the "typical" volume u is measured against
  // depends on the series' own regime mix). Returns the mean
  // log-likelihood per observation of the last E-step (NaN if fewer than 2).
  double Fit(const std::vector<HmmObservation>& history, int iterations, const GaussianHmm& prior,
             double prior_weight);
};

}  // namespace rc::regime::internal
