// File: features/momentum/stochastic.h — slow stochastic oscillator %K / %D (0..100).
//
// TA-Lib STOCH with SMA smoothing: fast %K = (close - lowest low) / ((highest high -
// lowest low) / 100) over `fastk` bars (0 when the range is 0); slow %K = SMA(slowk)
// of fast %K; %D = SMA(slowd) of slow %K. Both outputs are NaN until %D exists
// (fastk + slowk + slowd - 3 bars of warm-up, 17 for 14/3/3), as TA-Lib.
// Outputs: 0 slow %K (Value), 1 %D.
#pragma once

#include <cassert>

#include "features/indicator.h"
#include "features/internal/numeric.h"
#include "features/internal/rolling_extreme.h"
#include "features/trend/sma.h"

namespace rc::features {

class Stochastic final : public Indicator {
 public:
  enum Output : size_t { kK = 0, kD = 1 };

  // REQUIRES: fastk >= 1, slowk >= 1, slowd >= 1.
  Stochastic(int fastk, int slowk, int slowd)
      : fastk_(fastk), highest_(static_cast<size_t>(fastk)), lowest_(static_cast<size_t>(fastk)), slow_k_(slowk),
        slow_d_(slowd) {
    assert(fastk >= 1 && slowk >= 1 && slowd >= 1);
  }

  void Update(const Bar& bar) override {
    if (!internal::Finite(bar.high, bar.low, bar.close)) return;
    highest_.Push(bar.high);
    lowest_.Push(bar.low);
    if (seen_ < fastk_) ++seen_;
    if (seen_ < fastk_) return;
    const double lowest = lowest_.Value();
    const double diff = (highest_.Value() - lowest) / 100.0;
    const double fast_k = diff != 0.0 ? (bar.close - lowest) / diff : 0.0;
    slow_k_.Update(fast_k);
    if (slow_k_.IsReady()) slow_d_.Update(slow_k_.Value());
  }
  bool IsReady() const override { return slow_d_.IsReady(); }
  double Value() const override { return IsReady() ? slow_k_.Value() : internal::kNaN; }
  double D() const { return IsReady() ? slow_d_.Value() : internal::kNaN; }

  size_t NumOutputs() const override { return 2; }
  double Output(size_t index) const override { return index == kK ? Value() : D(); }
  void Reset() override {
    highest_.Clear();
    lowest_.Clear();
    seen_ = 0;
    slow_k_.Reset();
    slow_d_.Reset();
  }

 private:
  int fastk_;
  int seen_ = 0;
  internal::RollingMax highest_;
  internal::RollingMin lowest_;
  Sma slow_k_;
  Sma slow_d_;
};

}  // namespace rc::features
