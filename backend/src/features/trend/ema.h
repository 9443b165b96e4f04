// File: features/trend/ema.h — exponential moving average, k = 2 / (period + 1).
// TA-Lib default seeding: the first value (after `period` inputs) is the SMA of those
// inputs; then ema += (x - ema) * k, evaluated exactly as TA-Lib writes it.
#pragma once

#include <cassert>

#include "features/indicator.h"
#include "features/internal/numeric.h"

namespace rc::features {

class Ema final : public Indicator {
 public:
  // REQUIRES: period >= 1.
  explicit Ema(int period) : period_(period), k_(2.0 / static_cast<double>(period + 1)) { assert(period >= 1); }

  void Update(const Bar& bar) override { Update(bar.close); }
  void Update(double x) {
    if (!internal::Finite(x)) return;
    if (count_ < period_) {
      seed_sum_ += x;
      if (++count_ == period_) value_ = seed_sum_ / period_;
      return;
    }
    value_ = ((x - value_) * k_) + value_;
  }
  bool IsReady() const override { return count_ >= period_; }
  double Value() const override { return IsReady() ? value_ : internal::kNaN; }
  void Reset() override {
    count_ = 0;
    seed_sum_ = 0;
    value_ = 0;
  }
  int period() const { return period_; }

 private:
  int period_;
  double k_;
  int count_ = 0;
  double seed_sum_ = 0;
  double value_ = 0;
};

}  // namespace rc::features
