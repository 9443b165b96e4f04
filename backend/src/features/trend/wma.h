// File: features/trend/wma.h — linearly weighted moving average (weights 1..period,
// newest heaviest), O(1) per input with TA-Lib's running "sum / sub" recurrence.
#pragma once

#include <cassert>

#include "features/indicator.h"
#include "features/internal/numeric.h"
#include "features/internal/ring_buffer.h"

namespace rc::features {

class Wma final : public Indicator {
 public:
  // REQUIRES: period >= 1.
  explicit Wma(int period)
      : period_(period),
        divider_(static_cast<double>((period * (period + 1)) >> 1)),
        window_(static_cast<size_t>(period)) {
    assert(period >= 1);
  }

  void Update(const Bar& bar) override { Update(bar.close); }
  void Update(double x) {
    if (!internal::Finite(x)) return;
    window_.Push(x);
    if (!window_.full()) {  // warm-up: weights 1, 2, ... as the inputs arrive
      period_sub_ += x;
      period_sum_ += x * static_cast<double>(window_.size());
      return;
    }
    period_sub_ += x;
    period_sub_ -= trailing_;
    period_sum_ += x * period_;
    trailing_ = window_.FromOldest(0);
    value_ = period_sum_ / divider_;
    period_sum_ -= period_sub_;
  }
  bool IsReady() const override { return window_.full(); }
  double Value() const override { return IsReady() ? value_ : internal::kNaN; }
  void Reset() override {
    window_.Clear();
    period_sub_ = period_sum_ = trailing_ = value_ = 0;
  }

 private:
  int period_;
  double divider_;
  internal::RingBuffer window_;
  double period_sub_ = 0;  // plain sum of the window (minus the trailing value, TA-Lib style)
  double period_sum_ = 0;  // weighted sum
  double trailing_ = 0;
  double value_ = 0;
};

}  // namespace rc::features
