// File: features/volume/vwap.h — session-anchored volume-weighted average price.
//
// VWAP = sum(typical * volume) / sum(volume) over the bars of the current session,
// typical = (high + low + close) / 3. It restarts at the first bar of each exchange-
// local trading day (ExchangeCalendar::LocalDay of the bar's open time), so an
// overnight or holiday gap never mixes sessions. While the session's volume is still
// zero (index symbols have no volume), VWAP is the equal-weighted mean of the typical
// prices so far. Ready from the first bar. TA-Lib has no VWAP.
#pragma once

#include "core/calendar.h"
#include "features/indicator.h"
#include "features/internal/numeric.h"
#include "features/internal/session_clock.h"

namespace rc::features {

class Vwap final : public Indicator {
 public:
  // `calendar` must outlive the indicator (built-in calendars are static).
  explicit Vwap(const ExchangeCalendar& calendar) : clock_(calendar) {}

  void Update(const Bar& bar) override {
    if (!internal::Finite(bar.high, bar.low, bar.close, bar.volume)) return;
    const int64_t day = clock_.Locate(bar.open_time).local_day;
    if (!started_ || day != day_) {
      started_ = true;
      day_ = day;
      pv_ = volume_ = typical_sum_ = 0;
      bars_ = 0;
    }
    const double typical = (bar.high + bar.low + bar.close) / 3.0;
    pv_ += typical * bar.volume;
    volume_ += bar.volume;
    typical_sum_ += typical;
    ++bars_;
  }
  bool IsReady() const override { return started_; }
  double Value() const override {
    if (!started_) return internal::kNaN;
    return volume_ > 0 ? pv_ / volume_ : typical_sum_ / static_cast<double>(bars_);
  }
  void Reset() override {
    clock_.Clear();
    started_ = false;
    day_ = 0;
    pv_ = volume_ = typical_sum_ = 0;
    bars_ = 0;
  }

 private:
  internal::SessionClock clock_;
  bool started_ = false;
  int64_t day_ = 0;
  double pv_ = 0, volume_ = 0, typical_sum_ = 0;
  int64_t bars_ = 0;
};

}  // namespace rc::features
