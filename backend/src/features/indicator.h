// File: features/indicator.h
//
// The streaming indicator interface. Every indicator in Regimecast has exactly ONE
// implementation: an object that consumes one bar at a time. The batch path (history,
// silver, charts) folds a series through the same object, so training and live serving
// compute identical numbers (docs/architecture.md §1, docs/style.md §11).
//
//   rc::features::Ema ema(12);
//   for (const rc::Bar& bar : bars) { ema.Update(bar); if (ema.IsReady()) use(ema.Value()); }
//   std::vector<double> batch = rc::features::Fold(ema_copy, bars);   // same numbers
//
// Contract shared by every indicator:
//   * Value() (and every Output(i)) is NaN until IsReady(); warm-up lengths follow
//     TA-Lib's lookback (e.g. SMA(n) is ready after n bars, RSI(n) after n+1 bars), and
//     seeding follows TA-Lib's defaults (EMA seeded with the SMA of its first n inputs,
//     Wilder averages seeded with the plain average of their first n terms).
//   * Non-finite input policy: a bar whose fields used by the indicator are not all
//     finite (NaN or +/-inf) is SKIPPED: the state is left exactly as it was, as if the
//     bar had not been seen, so Value() keeps the value of the last good bar and one bad
//     bar never poisons later values. (Bronze drops such bars anyway; this is the
//     defence for live feeds.) Indicators that also read the bar's time (VWAP, time
//     encodings) use open_time, which is always defined.
//   * Update() never allocates: buffers are sized at construction.
//   * Objects are not thread-safe; use one per thread/stream. Copying an indicator
//     copies its state (a snapshot).
//
// Scalar indicators (SMA, EMA, ...) also accept Update(double) so they can be composed
// (MACD's signal is an EMA of the MACD line; vol_z_20 is a z-score of volume).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "core/bar.h"

namespace rc::features {

class Indicator {
 public:
  virtual ~Indicator() = default;

  // Consumes the next bar (bars must arrive in time order).
  virtual void Update(const Bar& bar) = 0;
  // True once Value() is defined (the warm-up is over).
  virtual bool IsReady() const = 0;
  // The primary output; NaN until IsReady().
  virtual double Value() const = 0;
  // Forgets everything, back to the freshly constructed state.
  virtual void Reset() = 0;

  // Multi-output indicators (MACD, Bollinger, ADX, Stochastic, time encodings) expose
  // their outputs by index; Output(0) == Value(). REQUIRES: index < NumOutputs().
  virtual size_t NumOutputs() const { return 1; }
  virtual double Output(size_t index) const {
    static_cast<void>(index);
    return Value();
  }
};

// Batch = fold: feeds `bars` through `indicator` (continuing from its current state)
// and returns Value() after each bar. `Ind` may be a concrete (final) type so that the
// calls are inlined, or Indicator itself.
template <typename Ind>
std::vector<double> Fold(Ind& indicator, std::span<const Bar> bars) {
  std::vector<double> out(bars.size());
  for (size_t bar_idx = 0; bar_idx < bars.size(); ++bar_idx) {
    indicator.Update(bars[bar_idx]);
    out[bar_idx] = indicator.Value();
  }
  return out;
}

// As Fold, but every output: result[output][bar].
template <typename Ind>
std::vector<std::vector<double>> FoldOutputs(Ind& indicator, std::span<const Bar> bars) {
  const size_t outputs = indicator.NumOutputs();
  std::vector<std::vector<double>> out(outputs, std::vector<double>(bars.size()));
  for (size_t bar_idx = 0; bar_idx < bars.size(); ++bar_idx) {
    indicator.Update(bars[bar_idx]);
    for (size_t out_idx = 0; out_idx < outputs; ++out_idx) out[out_idx][bar_idx] = indicator.Output(out_idx);
  }
  return out;
}

// Fold over a plain series of values, for scalar indicators (Update(double)).
template <typename Ind>
std::vector<double> FoldValues(Ind& indicator, std::span<const double> values) {
  std::vector<double> out(values.size());
  for (size_t idx = 0; idx < values.size(); ++idx) {
    indicator.Update(values[idx]);
    out[idx] = indicator.Value();
  }
  return out;
}

}  // namespace rc::features
