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
    const double mean = moments_.Mean();
    const double sd = std::sqrt(moments_.Variance());
    if (!(sd > 1e-12 * std::fabs(mean))) return 0.0;
    return (last_ - mean) / sd;
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
