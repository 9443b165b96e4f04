#include "core/market_clock.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <limits>

namespace rc {
namespace {

// A year without one regular session means the calendar is not a market.
constexpr int kMaxClosedDays = 400;
// The system sleep re-reads the wall clock at least this often, so a wall
// clock that is set forward or back is noticed within a minute.
constexpr int64_t kMaxSleepChunk = 60 * kMicrosPerSecond;

class SystemClock final : public WallClock {
 public:
  TimestampUs Now() const override { return NowMicros(); }
  bool SleepUntil(TimestampUs t, std::stop_token stop) const override {
    std::mutex mutex;
    std::condition_variable_any cv;
    std::unique_lock lock(mutex);
    while (!stop.stop_requested()) {
      const int64_t left = t - NowMicros();
      if (left <= 0) return true;
      cv.wait_for(lock, stop, std::chrono::microseconds(std::min(left, kMaxSleepChunk)), [] { return false; });
    }
    return false;
  }
};

int64_t ClampToInt64(long double value) {
  constexpr auto kMax = static_cast<long double>(std::numeric_limits<int64_t>::max() / 2);
  return value >= kMax ? static_cast<int64_t>(kMax) : static_cast<int64_t>(value);
}

}  // namespace

std::shared_ptr<const WallClock> SystemWallClock() {
  static const auto clock = std::make_shared<const SystemClock>();
  return clock;
}

WallMarketClock::WallMarketClock(std::shared_ptr<const WallClock> wall) : wall_(std::move(wall)) {}

TimestampUs WallMarketClock::Now() const { return wall_->Now(); }

bool WallMarketClock::WaitUntil(TimestampUs t, std::stop_token stop) const {
  if (stop.stop_requested()) return false;
  return wall_->SleepUntil(t, stop);
}

ReplayMarketClock::ReplayMarketClock(const ExchangeCalendar& calendar, ReplayClockOptions options,
                                     std::shared_ptr<const WallClock> wall)
    : calendar_(calendar),
      wall_(std::move(wall)),
      start_(options.start),
      speed_(options.speed > 0 ? options.speed : 1.0),
      wall_anchor_(options.wall_anchor != 0 ? options.wall_anchor : wall_->Now()),
      next_day_(calendar.LocalDay(options.start)) {
  MutexLock lock(mutex_);
  // A start in closed hours waits for the next open at no wall cost.
  if (ExtendUntil(start_, 0)) start_ = sessions_.front().open;
}

bool ReplayMarketClock::ExtendUntil(TimestampUs replay, int64_t open_time) const {
  auto covered = [&]() RC_REQUIRES(mutex_) {
    if (sessions_.empty()) return false;
    const Session& last = sessions_.back();
    return last.close > replay && last.open_time_before + (last.close - last.open) > open_time;
  };
  int closed_days = 0;
  while (!covered()) {
    if (closed_days > kMaxClosedDays) return false;
    const auto window = calendar_.RegularSession(next_day_++);
    if (!window || window->close <= start_) {
      ++closed_days;
      continue;
    }
    closed_days = 0;
    Session session{std::max(window->open, start_), window->close, 0};
    if (!sessions_.empty()) {
      const Session& last = sessions_.back();
      session.open_time_before = last.open_time_before + (last.close - last.open);
    }
    sessions_.push_back(session);
  }
  return true;
}

TimestampUs ReplayMarketClock::ReplayAt(TimestampUs wall) const {
  if (wall <= wall_anchor_) return start_;
  const int64_t open_time = ClampToInt64(static_cast<long double>(wall - wall_anchor_) * speed_);
  MutexLock lock(mutex_);
  if (!ExtendUntil(start_, open_time)) return sessions_.empty() ? start_ : sessions_.back().close;
  // The session still running at `open_time`; at its very end the replay is
  // already at the next open (that is the jump over the closed hours).
  auto it = std::upper_bound(sessions_.begin(), sessions_.end(), open_time, [](int64_t t, const Session& s) {
    return t < s.open_time_before + (s.close - s.open);
  });
  return it->open + (open_time - it->open_time_before);
}

TimestampUs ReplayMarketClock::WallAt(TimestampUs replay) const {
  if (replay <= start_) return wall_anchor_;
  int64_t open_time = 0;
  {
    MutexLock lock(mutex_);
    if (!ExtendUntil(replay, 0)) return std::numeric_limits<int64_t>::max();
    auto it = std::upper_bound(sessions_.begin(), sessions_.end(), replay,
                               [](TimestampUs t, const Session& s) { return t < s.close; });
    // In closed hours the replay gets there when it jumps to this session's open.
    open_time = it->open_time_before + std::max<int64_t>(0, replay - it->open);
  }
  return wall_anchor_ + ClampToInt64(std::ceil(static_cast<long double>(open_time) / speed_));
}

bool ReplayMarketClock::WaitUntil(TimestampUs t, std::stop_token stop) const {
  while (!stop.stop_requested()) {
    const TimestampUs wall_now = wall_->Now();
    if (ReplayAt(wall_now) >= t) return true;
    // Rounding can leave the replay a microsecond short: never wait for "now".
    const TimestampUs target = std::max(WallAt(t), wall_now + 1);
    if (!wall_->SleepUntil(target, stop)) return false;
  }
  return false;
}

}  // namespace rc
