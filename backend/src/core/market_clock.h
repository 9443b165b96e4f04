// File: core/market_clock.h
//
// The time the scheduler and the replay provider live on. A live server runs on
// the wall clock; a replay runs on replay time: it starts at a chosen instant
// of the stored series and advances `speed` times faster than the wall clock
// while the exchange's regular session is open. When replay time reaches a
// session close it jumps to the next session open, so a night, a weekend or a
// holiday costs no wall time (pre/post hours are skipped too: the scheduler
// acts on regular bar closes only, and bars stored there are served at the next
// open).
//
// The wall clock itself is injected (WallClock), so the mapping and the waits
// are tested without sleeping.
//
//   auto clock = std::make_shared<rc::ReplayMarketClock>(calendar, rc::ReplayClockOptions{.start = t0, .speed = 60});
//   TimestampUs close = calendar.NextBarClose(clock->Now(), tf);
//   if (!clock->WaitUntil(close, stop)) return;  // stop requested
#pragma once

#include <memory>
#include <stop_token>
#include <vector>

#include "core/calendar.h"
#include "core/mutex.h"
#include "core/time.h"

namespace rc {

// The real clock: what time it is and a stop-aware sleep. Tests pass a fake
// whose SleepUntil moves its time forward instead of sleeping.
class WallClock {
 public:
  virtual ~WallClock() = default;
  virtual TimestampUs Now() const = 0;
  // Returns true once wall time >= `t`, false as soon as `stop` is requested.
  virtual bool SleepUntil(TimestampUs t, std::stop_token stop) const = 0;
};

// The process's system clock (NowMicros + condition-variable sleep).
std::shared_ptr<const WallClock> SystemWallClock();

// Thread-safe.
class MarketClock {
 public:
  virtual ~MarketClock() = default;
  // Market time now, UTC microseconds.
  virtual TimestampUs Now() const = 0;
  // Blocks until Now() >= t. Returns true then, or false when `stop` is
  // requested first (returns at once when it already was).
  virtual bool WaitUntil(TimestampUs t, std::stop_token stop) const = 0;
  // True for replay time (the start-up log and /health say so).
  virtual bool IsReplay() const { return false; }
};

// Market time is wall time.
class WallMarketClock final : public MarketClock {
 public:
  explicit WallMarketClock(std::shared_ptr<const WallClock> wall = SystemWallClock());
  TimestampUs Now() const override;
  bool WaitUntil(TimestampUs t, std::stop_token stop) const override;

 private:
  std::shared_ptr<const WallClock> wall_;
};

struct ReplayClockOptions {
  TimestampUs start = 0;        // replay time at `wall_anchor` (moved to the next session open when the market is closed then)
  double speed = 60.0;          // replay microseconds per wall microsecond while the market is open; > 0
  TimestampUs wall_anchor = 0;  // wall time at which replay time is `start`. Default (0): when the clock is made
};

// Replay time over `calendar`'s regular sessions (see the file comment).
class ReplayMarketClock final : public MarketClock {
 public:
  // `calendar` must outlive the clock (the built-in calendars are static).
  ReplayMarketClock(const ExchangeCalendar& calendar, ReplayClockOptions options,
                    std::shared_ptr<const WallClock> wall = SystemWallClock());

  TimestampUs Now() const override { return ReplayAt(wall_->Now()); }
  bool WaitUntil(TimestampUs t, std::stop_token stop) const override;
  bool IsReplay() const override { return true; }

  // Replay time at wall time `wall` (the start before the anchor).
  TimestampUs ReplayAt(TimestampUs wall) const;
  // The earliest wall time at which replay time is >= `replay`.
  TimestampUs WallAt(TimestampUs replay) const;

  TimestampUs start() const { return start_; }
  TimestampUs wall_anchor() const { return wall_anchor_; }
  double speed() const { return speed_; }
  const ExchangeCalendar& calendar() const { return calendar_; }

 private:
  // One regular session from the start on, with the open time of all the
  // sessions before it (replay microseconds that cost wall time).
  struct Session {
    TimestampUs open = 0;
    TimestampUs close = 0;
    int64_t open_time_before = 0;
  };
  // Extends sessions_ until the last one ends after `replay` or holds
  // `open_time` (whichever is asked); false when the calendar has no session
  // within a year (the replay has nowhere to go).
  bool ExtendUntil(TimestampUs replay, int64_t open_time) const RC_REQUIRES(mutex_);

  const ExchangeCalendar& calendar_;
  std::shared_ptr<const WallClock> wall_;
  TimestampUs start_ = 0;
  double speed_ = 1.0;
  TimestampUs wall_anchor_ = 0;

  mutable Mutex mutex_;
  mutable std::vector<Session> sessions_ RC_GUARDED_BY(mutex_);  // grows lazily; replay walks are a binary search
  mutable int64_t next_day_ RC_GUARDED_BY(mutex_) = 0;           // local day to look at when extending
};

}  // namespace rc
