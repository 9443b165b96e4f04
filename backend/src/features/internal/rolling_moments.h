// File: features/internal/rolling_moments.h
//
// Mean and population variance of the last `period` values, O(1) per value.
// The sum is kept exactly as TA-Lib's SMA keeps it (add the new value after
// subtracting the one leaving), so the mean is bit-compatible with TA-Lib; the sum of
// squared deviations (M2) is updated with the windowed Welford identity
//   M2 += (x - y) * (x - mean_new + y - mean_old)
// instead of a running sum of squares, which loses ~log10(mean²/var) digits (prices
// ~1e3 with a 5-minute sd of ~1 would lose six). Results equal TA-Lib's STDDEV/BBANDS
// far inside the 1e-9 parity tolerance (tests/features/test_talib_parity.py). Rounding errors
// in M2 are absolute, so on a window whose spread is tiny against the values they
// would grow relative to M2 over a long stream; M2 is therefore recomputed exactly
// (two-pass around the current mean) once every `period` values: O(1) amortised.
#pragma once

#include <cstddef>

#include "features/internal/ring_buffer.h"

namespace rc::features::internal {

class RollingMoments {
 public:
  explicit RollingMoments(size_t period)
      : window_(period), period_(static_cast<double>(period)), inv_period_(1.0 / period_) {}

  void Push(double x) {
    double y = 0;
    if (window_.Push(x, &y)) [[likely]] {
      // The M2 update needs an accurate mean, not the correctly rounded one Mean()
      // returns (sum / n, bit-compatible with TA-Lib's SMA): it uses sum * (1/n), and the
      // previous push's value as the old mean. No division on this path; realized vol,
      // which never reads Mean(), does one division less per bar.
      const double old_mean = mean_;
      sum_ -= y;
      sum_ += x;
      mean_ = sum_ * inv_period_;
      m2_ += (x - y) * (x - mean_ + y - old_mean);
      if (m2_ < 0) m2_ = 0;
      // Around the correctly rounded mean, so that a flat window recomputes to exactly 0.
      if (++since_exact_ == window_.capacity()) Recompute(sum_ / period_);
    } else {
      const double old_mean = mean_;  // 0 before the first value
      sum_ += x;
      mean_ = sum_ / static_cast<double>(window_.size());
      m2_ += (x - old_mean) * (x - mean_);
    }
  }

  bool full() const { return window_.full(); }
  size_t size() const { return window_.size(); }
  double sum() const { return sum_; }
  double Mean() const { return sum_ / static_cast<double>(window_.size()); }
  // Population variance (divides by the window length, as TA-Lib STDDEV/BBANDS).
  // Over a full window it multiplies by 1/period (a division is ~5 cycles of throughput;
  // Bollinger, z-scores and realized vol read this every bar): rounding-level only.
  double Variance() const {
    return window_.full() ? m2_ * inv_period_ : m2_ / static_cast<double>(window_.size());
  }

  void Clear() {
    window_.Clear();
    sum_ = 0;
    mean_ = 0;
    m2_ = 0;
    since_exact_ = 0;
  }

 private:
  void Recompute(double mean) {
    double m2 = 0;
    for (size_t idx = 0; idx < window_.size(); ++idx) {
      const double d = window_.FromOldest(idx) - mean;
      m2 += d * d;
    }
    m2_ = m2;
    since_exact_ = 0;
  }

  RingBuffer window_;
  double period_;
  double inv_period_;
  double sum_ = 0;
  double mean_ = 0;  // sum_ / size() up to rounding (the M2 updates' mean), 0 when empty
  double m2_ = 0;
  size_t since_exact_ = 0;
};

}  // namespace rc::features::internal
