// File: features/momentum/log_return.h — log return over `lag` bars: ln(close / close[lag ago]).
// Ready after lag+1 closes. Log returns need positive prices: a close that is not
// finite or not > 0 is skipped like any non-finite input.
#pragma once

#include <cassert>
#include <cmath>

#include "features/indicator.h"
#include "features/internal/numeric.h"
#include "features/internal/ring_buffer.h"

namespace rc::features {

class LogReturn final : public Indicator {
 public:
  // REQUIRES: lag >= 1.
  explicit LogReturn(int lag) : closes_(static_cast<size_t>(lag) + 1) { assert(lag >= 1); }

  void Update(const Bar& bar) override { Update(bar.close); }
  void Update(double x) {
    if (internal::Finite(x) && x > 0) closes_.Push(x);
  }
  bool IsReady() const override { return closes_.full(); }
  double Value() const override {
    return IsReady() ? std::log(closes_.FromNewest(0) / closes_.FromOldest(0)) : internal::kNaN;
  }
  void Reset() override { closes_.Clear(); }

 private:
  internal::RingBuffer closes_;
};

}  // namespace rc::features
