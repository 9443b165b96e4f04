// File: features/trend/adx.h — Wilder's directional movement: ADX, +DI and -DI.
//
// Exactly TA-Lib's ADX/PLUS_DI/MINUS_DI: the smoothed +DM, -DM and TR are seeded with
// the SUM of the first period-1 terms and then Wilder-smoothed (s = s - s/n + term);
// +DI/-DI are defined from bar `period` (TA-Lib's PLUS_DI lookback), ADX from bar
// 2*period-1: the mean of the first `period` DX values, then Wilder-smoothed. A zero
// true-range sum gives DI = 0 and leaves ADX unchanged (TA-Lib's rule). Divisions by
// the constant n are evaluated as multiplications by 1/n (as ATR and RSI do), which
// differs from TA-Lib's evaluation by rounding only (~1e-16 relative).
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
  explicit Adx(int period)
      : period_(period), n_(static_cast<double>(period)), inv_n_(1.0 / n_), keep_((n_ - 1) / n_) {
    assert(period >= 2);
  }

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

    // The +DM/-DM terms, branch-free: which of the two moves counts is a coin flip on
    // real bars, so branches here mispredict on most bars. Multiplying by a 0/1 flag is
    // exact (x * 1 == x; adding x * 0 == +-0 leaves a sum unchanged).
    const bool minus_move = (diff_m > 0) & (diff_p < diff_m);
    const bool plus_move = !minus_move & (diff_p > 0) & (diff_p > diff_m);
    const double minus_term = diff_m * static_cast<double>(minus_move);
    const double plus_term = diff_p * static_cast<double>(plus_move);
    if (steps_ < period_) {  // seed: plain sums of the first period-1 terms
      minus_dm_ += minus_term;
      plus_dm_ += plus_term;
      tr_ += tr;
      return;
    }
    // Wilder's x - x/n with the division by the constant n taken as a multiplication by
    // 1/n: rounding-level differences from TA-Lib (~1e-16 relative), far inside the 1e-9
    // parity tolerance, and ~13 cycles less on each of the three dependency chains.
    minus_dm_ = minus_dm_ - minus_dm_ * inv_n_ + minus_term;
    plus_dm_ = plus_dm_ - plus_dm_ * inv_n_ + plus_term;
    tr_ = tr_ - tr_ * inv_n_ + tr;

    bool have_dx = false;
    double dx = 0;
    if (!internal::IsTaZero(tr_)) {
      const double scale = 100.0 / tr_;  // one division for both DIs
      minus_di_ = minus_dm_ * scale;
      plus_di_ = plus_dm_ * scale;
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
      adx_ = adx_ * keep_ + dx * inv_n_;  // ((adx * (n-1)) + dx) / n, as ATR/RSI evaluate it
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
  double inv_n_;  // 1/n
  double keep_;   // (n-1)/n
  bool has_prev_ = false;
  int steps_ = 0;  // bars after the first (= number of DM/TR terms seen)
  double prev_high_ = 0, prev_low_ = 0, prev_close_ = 0;
  double plus_dm_ = 0, minus_dm_ = 0, tr_ = 0;
  double sum_dx_ = 0, adx_ = 0;
  double plus_di_ = 0, minus_di_ = 0;
};

}  // namespace rc::features
