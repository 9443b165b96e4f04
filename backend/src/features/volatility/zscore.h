// File: features/volatility/zscore.h — rolling z-score of the latest input against the
// last `period` inputs (itself included): (x - mean) / population sd. When the window
// is flat (sd <= 1e-12 * |mean|, i.e. zero up to rounding) the z-score is 0.
// Used on closes (z_20) and on volumes (vol_z_20, via Update(double)).
#pragma once

#include <cassert>
#include <cmath>

#include "features/indicator.h"
#include "features/internal/numeric.h"
#include "features/internal/rolling_moments.h"

namespace rc::features {

class ZScore final : public Indicator {
 public:
  // REQUIRES: period >= 2.
  explicit ZScore(int period) : moments_(static_cast<size_t>(period)) { assert(period >= 2); }

  void Update(const Bar& bar) override { Update(bar.close); }
  void Update(double x) {
    if (!internal::Finite(x)) return;
    moments_.Push(x);
    last_ = x;
  }
  bool IsReady() const override { return moments_.full(); }
  double Value() const override {
    if (!IsReady()) return internal::kNaN;
    return Of(last_, moments_.Mean(), std::sqrt(moments_.Variance()));
  }
  // The z-score of `x` against a window's mean and population sd (0 on a flat window):
  // shared with core_v1, which takes mean and sd from its Bollinger window.
  static double Of(double x, double mean, double sd) {
    if (!(sd > 1e-12 * std::fabs(mean))) return 0.0;
    return (x - mean) / sd;
  }
  void Reset() override {
    moments_.Clear();
    last_ = 0;
  }

 private:
  internal::RollingMoments moments_;
  double last_ = 0;
};

}  // namespace rc::features
