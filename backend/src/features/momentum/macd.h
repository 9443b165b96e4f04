// File: features/momentum/macd.h — MACD line, signal and histogram.
//
// TA-Lib MACD conventions, reproduced on purpose so results equal TA-Lib:
//   * both EMAs are aligned on the slow one: the fast EMA ignores the first
//     (slow - fast) inputs, so it is seeded with the SMA of closes
//     [slow-fast, slow-1] rather than of the first `fast` closes;
//   * the signal is an EMA (SMA-seeded) of the MACD line;
//   * all three outputs are NaN until the signal exists, i.e. for the first
//     slow + signal - 2 bars (33 for 12/26/9).
// Outputs: 0 macd (Value), 1 signal, 2 hist = macd - signal.
#pragma once

#include <algorithm>
#include <cassert>
#include <utility>

#include "features/indicator.h"
#include "features/internal/numeric.h"
#include "features/trend/ema.h"

namespace rc::features {

class Macd final : public Indicator {
 public:
  enum Output : size_t { kMacd = 0, kSignal = 1, kHist = 2 };

  // REQUIRES: periods >= 2 and fast != slow (swapped when fast > slow, as TA-Lib does).
  Macd(int fast, int slow, int signal)
      : skip_(std::max(fast, slow) - std::min(fast, slow)),
        fast_(std::min(fast, slow)),
        slow_(std::max(fast, slow)),
        signal_(signal) {
    assert(fast >= 2 && slow >= 2 && signal >= 1 && fast != slow);
  }

  void Update(const Bar& bar) override { Update(bar.close); }
  void Update(double x) {
    if (!internal::Finite(x)) return;
    slow_.Update(x);
    if (seen_ >= skip_) {
      fast_.Update(x);
    } else {
      ++seen_;
    }
    if (!slow_.IsReady()) return;
    line_ = fast_.Value() - slow_.Value();
    signal_.Update(line_);
  }
  bool IsReady() const override { return signal_.IsReady(); }
  double Value() const override { return IsReady() ? line_ : internal::kNaN; }
  double Signal() const { return IsReady() ? signal_.Value() : internal::kNaN; }
  double Hist() const { return IsReady() ? line_ - signal_.Value() : internal::kNaN; }
  // The slow EMA on its own (never skips an input, so it equals Ema(slow) over the same
  // closes; NaN until it is seeded): core_v1's ema_26 without a second EMA.
  double SlowEma() const { return slow_.Value(); }

  size_t NumOutputs() const override { return 3; }
  double Output(size_t index) const override {
    return index == kMacd ? Value() : index == kSignal ? Signal() : Hist();
  }
  void Reset() override {
    seen_ = 0;
    fast_.Reset();
    slow_.Reset();
    signal_.Reset();
    line_ = 0;
  }

 private:
  int skip_;
  int seen_ = 0;
  Ema fast_;
  Ema slow_;
  Ema signal_;
  double line_ = 0;
};

}  // namespace rc::features
