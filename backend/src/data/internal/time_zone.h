// File: data/internal/time_zone.h
// IANA time-zone conversions for provider and CSV timestamps (wraps date/tz so
// its header stays out of the data module's public headers).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/error.h"
#include "core/time.h"

namespace date {
class time_zone;  // date/tz.h, kept out of this header
}

namespace rc::data::internal {

// True when `tz` names a zone in the tz database ("Asia/Kolkata", "UTC").
bool IsKnownZone(std::string_view tz);

// Local calendar day (days since epoch) of instant `t` in zone `tz`.
// Errors: kInvalidArgument naming "time_zone" for an unknown zone.
Result<int64_t> LocalDayIn(std::string_view tz, TimestampUs t);

// UTC instant of a local wall-clock time in `tz`. `local_micros` is the wall
// clock read as if it were UTC (days*86400e6 + time of day). Times skipped by
// a DST jump resolve to the earliest valid instant; repeated ones to the first.
Result<TimestampUs> LocalToUtc(std::string_view tz, int64_t local_micros);

// LocalToUtc for many times in one zone (a CSV file, a provider response):
// the zone is looked up once, and the offset of the last stretch of local time
// without a DST change is kept, so consecutive times convert with a compare
// and a subtraction instead of the tz database's searches (which were a sixth
// of a CSV import). Same results as LocalToUtc, gaps and overlaps included.
//
//   RC_ASSIGN_OR_RETURN(auto to_utc, ZoneClock::For("Asia/Kolkata"));
//   TimestampUs t = to_utc.ToUtc(wall_micros);
class ZoneClock {
 public:
  // Errors: kInvalidArgument naming "time_zone" for an unknown zone.
  static Result<ZoneClock> For(std::string_view tz);

  TimestampUs ToUtc(int64_t local_micros);

 private:
  explicit ZoneClock(const date::time_zone* zone) : zone_(zone) {}

  const date::time_zone* zone_;
  // Local times in [cached_begin_, cached_end_) are unique and `cached_offset_` ahead of UTC.
  int64_t cached_begin_ = 0;
  int64_t cached_end_ = 0;
  int64_t cached_offset_ = 0;
};

}  // namespace rc::data::internal
