// File: features/volume/obv.h — on-balance volume.
// TA-Lib OBV: starts at the FIRST bar's volume (not 0), then adds the volume on an up
// close, subtracts it on a down close, keeps it on an unchanged close. Ready from the
// first bar.
#pragma once

#include "features/indicator.h"
#include "features/internal/numeric.h"

namespace rc::features {

class Obv final : public Indicator {
 public:
  Obv() = default;

  void Update(const Bar& bar) override {
    if (!internal::Finite(bar.close, bar.volume)) return;
    if (!ready_) {
      ready_ = true;
      value_ = bar.volume;
    } else {
      // +volume on an up close, -volume on a down close, unchanged otherwise, without a
      // branch that a random walk mispredicts half the time: volume * +-1 is exact and
      // adding volume * 0 leaves the sum as it was.
      const int direction = static_cast<int>(bar.close > prev_close_) - static_cast<int>(bar.close < prev_close_);
      value_ += bar.volume * static_cast<double>(direction);
    }
    prev_close_ = bar.close;
  }
  bool IsReady() const override { return ready_; }
  double Value() const override { return ready_ ? value_ : internal::kNaN; }
  void Reset() override {
    ready_ = false;
    prev_close_ = value_ = 0;
  }

 private:
  bool ready_ = false;
  double prev_close_ = 0;
  double value_ = 0;
};

}  // namespace rc::features
