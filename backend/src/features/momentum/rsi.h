// File: features/momentum/rsi.h — Wilder's relative strength index, 0..100.
// TA-Lib RSI: average gain/loss seeded with the plain mean of the first `period`
// changes (ready after period+1 closes), then avg = (avg * (n-1) + term) / n, evaluated
// as avg * ((n-1)/n) + term * (1/n) to keep the division out of the bar-to-bar dependency
// chain (differs from TA-Lib's evaluation order by rounding only, ~1e-15);
// RSI = 100 * gain / (gain + loss), and 0 when gain + loss is (TA-Lib-)zero.
#pragma once

#include <algorithm>
#include <cassert>

#include "features/indicator.h"
#include "features/internal/numeric.h"

namespace rc::features {

class Rsi final : public Indicator {
 public:
  // REQUIRES: period >= 2.
  explicit Rsi(int period)
      : period_(period), n_(static_cast<double>(period)), keep_((n_ - 1) / n_), weight_(1.0 / n_) {
    assert(period >= 2);
  }

  void Update(const Bar& bar) override { Update(bar.close); }
  void Update(double x) {
    if (!internal::Finite(x)) return;
    const double diff = x - prev_;
    prev_ = x;
    // Branch-free gain/loss split: a random walk rises half the time, so a branch here
    // mispredicts on every other bar (most of the cost when RSI was 2.6x TA-Lib's time).
    // up - diff is exactly max(-diff, 0): 0 when diff > 0, -diff otherwise.
    const double up = std::max(diff, 0.0);
    const double down = up - diff;
    if (changes_ >= period_) [[likely]] {
      gain_ = gain_ * keep_ + up * weight_;
      loss_ = loss_ * keep_ + down * weight_;
      Publish();
      return;
    }
    WarmUp(up, down);
  }
  bool IsReady() const override { return changes_ >= period_; }
  double Value() const override { return IsReady() ? value_ : internal::kNaN; }
  void Reset() override {
    has_prev_ = false;
    changes_ = 0;
    prev_ = gain_ = loss_ = value_ = 0;
  }

 private:
  // The first close only sets prev_; the next `period` changes are summed, then averaged.
  void WarmUp(double up, double down) {
    if (!has_prev_) {
      has_prev_ = true;
      return;
    }
    gain_ += up;
    loss_ += down;
    if (++changes_ == period_) {
      loss_ /= n_;
      gain_ /= n_;
      Publish();
    }
  }
  void Publish() {
    const double total = gain_ + loss_;
    value_ = internal::IsTaZero(total) ? 0.0 : 100.0 * (gain_ / total);
  }

  int period_;
  double n_;
  double keep_;    // (n-1)/n
  double weight_;  // 1/n
  bool has_prev_ = false;
  int changes_ = 0;
  double prev_ = 0, gain_ = 0, loss_ = 0, value_ = 0;
};

}  // namespace rc::features
