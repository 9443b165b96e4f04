// How busy the market has been over the last few bars compared with its own
// usual level: the evidence that gives `volatile` and `range_bound` their
// meaning on real bars. The hidden-Markov filter alone calls one outsized bar
// "volatile" (real 5-minute returns have fat tails), but what follows a single
// spike is an ordinary hour; volatility that persists is what the next hour
// inherits, and heavy volume comes with it.
//
// Inputs are the HMM's per-bar observations, already de-seasonalised by time of
// day against earlier bars only (hmm_filter.h): z (1-bar return over its typical
// size) and u (log volume minus its typical log volume). The score is
//   log EWMA(z^2) + log EWMA(e^u)      (the volume term only once volume was seen)
// and the gauge returns it minus the median of the scores of the last `window`
// EARLIER bars, so it reads 0 on a usual bar, +1 at e (2.7x) the usual vol x
// volume. Nothing after the bar enters: the EWMAs and the median are folds over
// bars <= t. The window bounds the cost per bar (a sorted insert and erase) and
// lets "usual" follow a market whose level drifts over months.
#pragma once

#include <cstddef>
#include <deque>
#include <vector>

namespace rc::regime::internal {

class ActivityGauge {
 public:
  // half_life_bars > 0; min_history >= 1 earlier scores before any reading;
  // window >= min_history earlier scores in the reference median.
  explicit ActivityGauge(double half_life_bars = 6.0, size_t min_history = 50, size_t window = 6000);

  // Folds one bar (z or u NaN = missing, that average is left as it was) and
  // returns its activity (NaN until min_history earlier scores exist, or before
  // the first return).
  double Update(double z, double u);

  void Reset();

 private:
  double decay_;
  size_t min_history_, window_;
  double mean_z2_ = 0, mean_volume_ = 0;  // EWMAs of z^2 and e^u
  bool has_z_ = false, has_volume_ = false;
  std::deque<double> recent_;    // the last `window_` scores, oldest first
  std::vector<double> sorted_;   // the same, ascending (for the median)
};

}  // namespace rc::regime::internal
