// File: features/trend/adx.h — Wilder's directional movement: ADX, +DI and -DI.
//
// Exactly TA-Lib's ADX/PLUS_DI/MINUS_DI: the smoothed +DM, -DM and TR are seeded with
// the SUM of the first period-1 terms and then Wilder-smoothed (s = s - s/n + term);
// +DI/-DI are defined from bar `period` (TA-Lib's PLUS_DI lookback), ADX from bar
// 2*period-1: the mean of the first `period` DX values, then Wilder-smoothed. A zero
// true-range sum gives DI = 0 and leaves ADX unchanged (TA-Lib's rule).
// Outputs: 0 adx (Value, IsReady), 1 plus_di, 2 minus_di (NaN until bar `period`).
#pragma once

#include <cassert>
#include <cmath>

#include "features/indicator.h"
#include "features/internal/numeric.h"

namespace rc::features {

class Adx final : public Indicator {
 public:
  enum Output : size_t { kAdx = 0, kPlusDi = 1, kMinusDi = 2 };

  // REQUIRES: period >= 2.
  explicit Adx(int period) : period_(period), n_(static_cast<double>(period)) { assert(period >= 2); }

  void Update(const Bar& bar) override {
    if (!internal::Finite(bar.high, bar.low, bar.close)) return;
    if (!has_prev_) {
      has_prev_ = true;
      prev_high_ = bar.high;
      prev_low_ = bar.low;
      prev_close_ = bar.close;
      return;
    }
    ++steps_;
    const double diff_p = bar.high - prev_high_;
    const double diff_m = prev_low_ - bar.low;
    double tr = bar.high - bar.low;
    const double up = std::fabs(bar.high - prev_close_);
    if (up > tr) tr = up;
    const double down = std::fabs(bar.low - prev_close_);
    if (down > tr) tr = down;
    prev_high_ = bar.high;
    prev_low_ = bar.low;
    prev_close_ = bar.close;

    if (steps_ < period_) {  // seed: plain sums of the first period-1 terms
      if (diff_m > 0 && diff_p < diff_m) {
        minus_dm_ += diff_m;
      } else if (diff_p > 0 && diff_p > diff_m) {
        plus_dm_ += diff_p;
      }
      tr_ += tr;
      return;
    }
    minus_dm_ -= minus_dm_ / n_;
    plus_dm_ -= plus_dm_ / n_;
    if (diff_m > 0 && diff_p < diff_m) {
      minus_dm_ += diff_m;
    } else if (diff_p > 0 && diff_p > diff_m) {
      plus_dm_ += diff_p;
    }
    tr_ = tr_ - (tr_ / n_) + tr;

    bool have_dx = false;
    double dx = 0;
    if (!internal::IsTaZero(tr_)) {
      minus_di_ = 100.0 * (minus_dm_ / tr_);
      plus_di_ = 100.0 * (plus_dm_ / tr_);
      const double di_sum = minus_di_ + plus_di_;
      if (!internal::IsTaZero(di_sum)) {
        dx = 100.0 * (std::fabs(minus_di_ - plus_di_) / di_sum);
        have_dx = true;
      }
    } else {
      minus_di_ = plus_di_ = 0.0;
    }
    const int adx_start = 2 * period_ - 1;
    if (steps_ < adx_start) {
      if (have_dx) sum_dx_ += dx;
    } else if (steps_ == adx_start) {
      if (have_dx) sum_dx_ += dx;
      adx_ = sum_dx_ / n_;
    } else if (have_dx) {
      adx_ = ((adx_ * (n_ - 1)) + dx) / n_;
    }
  }

  bool IsReady() const override { return steps_ >= 2 * period_ - 1; }
  double Value() const override { return IsReady() ? adx_ : internal::kNaN; }
  bool DiReady() const { return steps_ >= period_; }
  double PlusDi() const { return DiReady() ? plus_di_ : internal::kNaN; }
  double MinusDi() const { return DiReady() ? minus_di_ : internal::kNaN; }

  size_t NumOutputs() const override { return 3; }
  double Output(size_t index) const override {
    return index == kAdx ? Value() : index == kPlusDi ? PlusDi() : MinusDi();
  }
  void Reset() override {
    has_prev_ = false;
    steps_ = 0;
    prev_high_ = prev_low_ = prev_close_ = 0;
    plus_dm_ = minus_dm_ = tr_ = sum_dx_ = adx_ = plus_di_ = minus_di_ = 0;
  }

 private:
  int period_;
  double n_;
  bool has_prev_ = false;
  int steps_ = 0;  // bars after the first (= number of DM/TR terms seen)
  double prev_high_ = 0, prev_low_ = 0, prev_close_ = 0;
  double plus_dm_ = 0, minus_dm_ = 0, tr_ = 0;
  double sum_dx_ = 0, adx_ = 0;
  double plus_di_ = 0, minus_di_ = 0;
};

}  // namespace rc::features
