// File: features/trend/efficiency_ratio.h — Kaufman's efficiency ratio over `period`
// bars: |close - close[period ago]| / sum of |close - previous close| over those bars,
// in [0, 1] (1 = a straight line, ~0 = noise). No movement at all (path length 0) gives
// 0. TA-Lib has no standalone ER (its KAMA uses one internally), so it is tested
// against a direct recomputation.
#pragma once

#include <algorithm>
#include <cassert>
#include <cmath>

#include "features/indicator.h"
#include "features/internal/numeric.h"
#include "features/internal/ring_buffer.h"

namespace rc::features {

class EfficiencyRatio final : public Indicator {
 public:
  // REQUIRES: period >= 1.
  explicit EfficiencyRatio(int period)
      : closes_(static_cast<size_t>(period) + 1), steps_(static_cast<size_t>(period)) {
    assert(period >= 1);
  }

  void Update(const Bar& bar) override { Update(bar.close); }
  void Update(double x) {
    if (!internal::Finite(x)) return;
    if (closes_.size() > 0) {
      const double step = std::fabs(x - closes_.FromNewest(0));
      double leaving = 0;
      if (steps_.Push(step, &leaving)) path_ -= leaving;
      path_ += step;
    }
    closes_.Push(x);
  }
  bool IsReady() const override { return closes_.full(); }
  double Value() const override {
    if (!IsReady()) return internal::kNaN;
    const double net = std::fabs(closes_.FromNewest(0) - closes_.FromOldest(0));
    if (net == 0 || path_ <= 0) return 0.0;
    return std::min(1.0, net / path_);
  }
  void Reset() override {
    closes_.Clear();
    steps_.Clear();
    path_ = 0;
  }

 private:
  internal::RingBuffer closes_;
  internal::RingBuffer steps_;
  double path_ = 0;
};

}  // namespace rc::features
