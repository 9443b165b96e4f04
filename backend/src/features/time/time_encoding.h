// File: features/time/time_encoding.h — cyclical calendar encodings of a bar's open time.
//
// TimeOfDayEncoding: phase = (open_time - session open) / (session close - session open)
// of the bar's exchange-local regular session (so NSE 09:15 -> 0, 12:22:30 -> 0.5; DST
// is handled by the calendar; a 24x7 calendar's session is the whole UTC day);
// outputs sin(2*pi*phase), cos(2*pi*phase). Session-relative rather than wall-clock on
// purpose: the same phase means the same point of the trading day on every exchange.
// A bar on a day without a session (never a regular bar) gives NaN.
// DayOfWeekEncoding: d = local weekday, Monday = 0 ... Sunday = 6; outputs
// sin(2*pi*d/7), cos(2*pi*d/7).
// Both are ready from the first bar and need only open_time. The time-of-day pair is
// cached per offset into the session (bars repeat the same offsets every day).
// Outputs: 0 sin (Value), 1 cos.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include "core/calendar.h"
#include "core/time.h"
#include "features/indicator.h"
#include "features/internal/numeric.h"
#include "features/internal/session_clock.h"

namespace rc::features {

// What both encodings share: the (sin, cos) pair of where a bar's open time
// falls on an exchange-local cycle, found with a session clock; ready from the
// first bar. Subclasses set ready_, sin_ and cos_ in Update.
class SinCosEncoding : public Indicator {
 public:
  bool IsReady() const override { return ready_; }
  double Value() const override { return ready_ ? sin_ : internal::kNaN; }
  double Cos() const { return ready_ ? cos_ : internal::kNaN; }
  size_t NumOutputs() const override { return 2; }
  double Output(size_t index) const override { return index == 0 ? Value() : Cos(); }
  void Reset() override {
    clock_.Clear();
    ready_ = false;
  }

 protected:
  explicit SinCosEncoding(const ExchangeCalendar& calendar) : clock_(calendar) {}

  internal::SessionClock clock_;
  bool ready_ = false;
  double sin_ = 0, cos_ = 0;
};

class TimeOfDayEncoding final : public SinCosEncoding {
 public:
  explicit TimeOfDayEncoding(const ExchangeCalendar& calendar) : SinCosEncoding(calendar) {}

  void Update(const Bar& bar) override {
    const auto& position = clock_.Locate(bar.open_time);
    ready_ = true;
    if (!position.has_session) {
      sin_ = cos_ = internal::kNaN;
      return;
    }
    const int64_t length = position.session.close - position.session.open;
    const int64_t offset = bar.open_time - position.session.open;
    if (length != cached_length_) {  // a new session length (a half day, DST): forget the cache
      cached_length_ = length;
      for (PhaseSlot& slot : cache_) slot.offset = -1;
    }
    // Bars of one timeframe repeat the same offsets every session (75 of them for NSE
    // 5-minute bars), so the sin/cos pair (~10 ns, most of this indicator's cost) is
    // cached per whole-minute offset; the cached pair is the very value computed below.
    PhaseSlot* slot = nullptr;
    if (offset >= 0 && offset % kMicrosPerMinute == 0) {
      slot = &cache_[static_cast<size_t>(offset / kMicrosPerMinute) & (kCacheSlots - 1)];
      if (slot->offset == offset) {
        sin_ = slot->sin;
        cos_ = slot->cos;
        return;
      }
    }
    const double phase = static_cast<double>(offset) / static_cast<double>(length);
    sin_ = std::sin(2.0 * std::numbers::pi * phase);
    cos_ = std::cos(2.0 * std::numbers::pi * phase);
    if (slot != nullptr) *slot = {offset, sin_, cos_};
  }

 private:
  struct PhaseSlot {
    int64_t offset = -1;  // microseconds since the session open; -1 = empty
    double sin = 0, cos = 0;
  };
  // Direct-mapped by the offset in minutes: a whole NSE session of 1-minute bars (375) fits.
  static constexpr size_t kCacheSlots = 512;

  int64_t cached_length_ = -1;  // the session length the cached phases were computed for
  std::vector<PhaseSlot> cache_ = std::vector<PhaseSlot>(kCacheSlots);
};

class DayOfWeekEncoding final : public SinCosEncoding {
 public:
  explicit DayOfWeekEncoding(const ExchangeCalendar& calendar) : SinCosEncoding(calendar) {}

  // Monday = 0 ... Sunday = 6 for a day count since 1970-01-01 (a Thursday).
  static int Weekday(int64_t local_day) { return static_cast<int>(((local_day % 7) + 7 + 3) % 7); }

  void Update(const Bar& bar) override {
    const int64_t day = clock_.Locate(bar.open_time).local_day;
    if (ready_ && day == day_) return;  // same day: same encoding
    ready_ = true;
    day_ = day;
    const double angle = 2.0 * std::numbers::pi * Weekday(day) / 7.0;
    sin_ = std::sin(angle);
    cos_ = std::cos(angle);
  }

 private:
  int64_t day_ = 0;
};

}  // namespace rc::features
