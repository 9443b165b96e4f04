// File: features/momentum/roc.h — rate of change in percent: (close / close[n ago] - 1) * 100.
// TA-Lib ROC: ready after period+1 closes; 0 when the old close is 0.
#pragma once

#include <cassert>

#include "features/indicator.h"
#include "features/internal/numeric.h"
#include "features/internal/ring_buffer.h"

namespace rc::features {

class Roc final : public Indicator {
 public:
  // REQUIRES: period >= 1.
  explicit Roc(int period) : closes_(static_cast<size_t>(period) + 1) { assert(period >= 1); }

  void Update(const Bar& bar) override { Update(bar.close); }
  void Update(double x) {
    if (internal::Finite(x)) closes_.Push(x);
  }
  bool IsReady() const override { return closes_.full(); }
  double Value() const override {
    if (!IsReady()) return internal::kNaN;
    const double old = closes_.FromOldest(0);
    return old != 0.0 ? ((closes_.FromNewest(0) / old) - 1.0) * 100.0 : 0.0;
  }
  void Reset() override { closes_.Clear(); }

 private:
  internal::RingBuffer closes_;
};

}  // namespace rc::features
