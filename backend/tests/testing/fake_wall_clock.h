// File: testing/fake_wall_clock.h
// A wall clock for tests: time moves only when the test advances it, or when
// someone sleeps on it (the sleep jumps to its end at once), so clock-driven
// code is tested without sleeping.
#pragma once

#include <atomic>

#include "core/market_clock.h"

namespace rc::testing {

class FakeWallClock final : public WallClock {
 public:
  explicit FakeWallClock(TimestampUs now) : now_(now) {}
  TimestampUs Now() const override { return now_; }
  bool SleepUntil(TimestampUs t, std::stop_token stop) const override {
    ++sleeps_;
    if (stop.stop_requested()) return false;
    if (t > now_) now_ = t;
    return true;
  }
  void Advance(int64_t micros) { now_ += micros; }
  int sleeps() const { return sleeps_; }

 private:
  mutable std::atomic<TimestampUs> now_;
  mutable std::atomic<int> sleeps_{0};
};

}  // namespace rc::testing
