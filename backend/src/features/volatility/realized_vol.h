// File: features/volatility/realized_vol.h — realized volatility: the population
// standard deviation of the last `period` one-bar log returns (per bar, not
// annualised; equals TA-Lib STDDEV(ln(c_t/c_t-1), period, 1)). Ready after period+1
// closes. Closes that are not finite or not > 0 are skipped.
#pragma once

#include <cassert>
#include <cmath>

#include "features/indicator.h"
#include "features/internal/numeric.h"
#include "features/internal/rolling_moments.h"

namespace rc::features {

class RealizedVol final : public Indicator {
 public:
  // REQUIRES: period >= 2.
  explicit RealizedVol(int period) : moments_(static_cast<size_t>(period)) { assert(period >= 2); }

  void Update(const Bar& bar) override { Update(bar.close); }
  void Update(double x) {
    if (!internal::Finite(x) || !(x > 0)) return;
    if (has_prev_) {
      last_return_ = std::log(x / prev_);
      moments_.Push(last_return_);
    }
    has_prev_ = true;
    prev_ = x;
  }
  bool IsReady() const override { return moments_.full(); }
  double Value() const override { return IsReady() ? std::sqrt(moments_.Variance()) : internal::kNaN; }
  // The newest one-bar log return, ln(x / previous x) — LogReturn(1)'s value, computed
  // once for both in core_v1; NaN before the second input.
  double LastReturn() const { return moments_.size() > 0 ? last_return_ : internal::kNaN; }
  void Reset() override {
    moments_.Clear();
    has_prev_ = false;
    prev_ = last_return_ = 0;
  }

 private:
  internal::RollingMoments moments_;
  bool has_prev_ = false;
  double prev_ = 0;
  double last_return_ = 0;
};

}  // namespace rc::features
