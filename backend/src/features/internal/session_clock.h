// File: features/internal/session_clock.h
//
// Maps a bar's open time to its exchange-local trading day and that day's regular
// session, caching the current session so that the time-zone conversion runs once
// per day rather than once per bar.
#pragma once

#include <cstdint>

#include "core/calendar.h"

namespace rc::features::internal {

class SessionClock {
 public:
  explicit SessionClock(const ExchangeCalendar& calendar) : calendar_(&calendar) {}

  struct Position {
    int64_t local_day = 0;
    bool has_session = false;  // false on a non-trading day
    SessionWindow session;     // the local day's regular session when has_session
  };

  // The position of instant t. Cheap when t falls in the same session as the last call.
  const Position& Locate(TimestampUs t) {
    if (valid_ && position_.has_session && t >= position_.session.open && t < position_.session.close) {
      return position_;
    }
    position_.local_day = calendar_->LocalDay(t);
    const auto session = calendar_->RegularSession(position_.local_day);
    position_.has_session = session.has_value();
    if (session) position_.session = *session;
    valid_ = true;
    return position_;
  }

  void Clear() { valid_ = false; }
  const ExchangeCalendar& calendar() const { return *calendar_; }

 private:
  const ExchangeCalendar* calendar_;
  Position position_;
  bool valid_ = false;
};

}  // namespace rc::features::internal
