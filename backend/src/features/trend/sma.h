// File: features/trend/sma.h — simple moving average of the last `period` closes.
// TA-Lib SMA: ready after `period` inputs; the running sum is updated in TA-Lib's
// order (subtract the value leaving, add the new one), so results match bit for bit.
#pragma once

#include <cassert>

#include "features/indicator.h"
#include "features/internal/numeric.h"
#include "features/internal/ring_buffer.h"

namespace rc::features {

class Sma final : public Indicator {
 public:
  // REQUIRES: period >= 1 (user-supplied periods go through MakeIndicator, which checks).
  explicit Sma(int period) : period_(period), window_(static_cast<size_t>(period)) { assert(period >= 1); }

  void Update(const Bar& bar) override { Update(bar.close); }
  void Update(double x) {
    if (!internal::Finite(x)) return;
    double leaving = 0;
    if (window_.Push(x, &leaving)) sum_ -= leaving;
    sum_ += x;
    // Divided once here rather than on every read: Stochastic reads its %K SMA twice
    // per bar and core_v1 reads it again for the scaled column.
    value_ = sum_ / period_;
  }
  bool IsReady() const override { return window_.full(); }
  double Value() const override { return IsReady() ? value_ : internal::kNaN; }
  void Reset() override {
    window_.Clear();
    sum_ = value_ = 0;
  }
  int period() const { return period_; }

 private:
  int period_;
  internal::RingBuffer window_;
  double sum_ = 0;
  double value_ = 0;  // sum_ / period_
};

}  // namespace rc::features
