// File: features/volatility/bollinger.h — Bollinger bands over `period` closes.
//
// middle = SMA (TA-Lib's running sum), sd = POPULATION standard deviation of the window
// (as TA-Lib BBANDS/STDDEV), upper/lower = middle +/- k * sd. Two derived, scale-free
// outputs: %B = (close - lower) / (upper - lower) (0.5 when the bands coincide) and
// width = (upper - lower) / middle.
// The variance is kept with a windowed Welford update plus a periodic exact recompute
// (internal/rolling_moments.h) rather than a running sum of squares, which would lose
// digits on prices; the bands equal TA-Lib BBANDS to ~1e-14 relative (parity test).
// Outputs: 0 middle (Value), 1 upper, 2 lower, 3 pctb, 4 width.
#pragma once

#include <cassert>
#include <cmath>

#include "features/indicator.h"
#include "features/internal/numeric.h"
#include "features/internal/rolling_moments.h"

namespace rc::features {

class Bollinger final : public Indicator {
 public:
  enum Output : size_t { kMiddle = 0, kUpper = 1, kLower = 2, kPctB = 3, kWidth = 4 };

  // REQUIRES: period >= 1, num_sd > 0.
  Bollinger(int period, double num_sd) : num_sd_(num_sd), moments_(static_cast<size_t>(period)) {
    assert(period >= 1 && num_sd > 0);
  }

  void Update(const Bar& bar) override { Update(bar.close); }
  void Update(double x) {
    if (!internal::Finite(x)) return;
    moments_.Push(x);
    if (!moments_.full()) return;
    // Computed once per bar here so that reading the five outputs stays cheap.
    middle_ = moments_.Mean();
    sd_ = std::sqrt(moments_.Variance());
    const double dev = sd_ * num_sd_;
    upper_ = middle_ + dev;
    lower_ = middle_ - dev;
    const double range = upper_ - lower_;
    pctb_ = range > 0 ? (x - lower_) / range : 0.5;
    width_ = range / middle_;
  }
  bool IsReady() const override { return moments_.full(); }
  double Value() const override { return IsReady() ? middle_ : internal::kNaN; }
  double Upper() const { return IsReady() ? upper_ : internal::kNaN; }
  double Lower() const { return IsReady() ? lower_ : internal::kNaN; }
  double PctB() const { return IsReady() ? pctb_ : internal::kNaN; }
  double Width() const { return IsReady() ? width_ : internal::kNaN; }
  // The population sd of the window (the bands are middle +/- num_sd * Sd()); lets
  // core_v1 derive z_20 from the same window (ZScore::Of) instead of keeping a second one.
  double Sd() const { return IsReady() ? sd_ : internal::kNaN; }

  size_t NumOutputs() const override { return 5; }
  double Output(size_t index) const override {
    switch (index) {
      case kMiddle: return Value();
      case kUpper: return Upper();
      case kLower: return Lower();
      case kPctB: return PctB();
      default: return Width();
    }
  }
  void Reset() override {
    moments_.Clear();
    middle_ = sd_ = upper_ = lower_ = pctb_ = width_ = 0;
  }

 private:
  double num_sd_;
  internal::RollingMoments moments_;
  double middle_ = 0, sd_ = 0, upper_ = 0, lower_ = 0, pctb_ = 0, width_ = 0;
};

}  // namespace rc::features
