// File: data/internal/time_zone.h
// IANA time-zone conversions for provider and CSV timestamps (wraps date/tz so
// its header stays out of the data module's public headers).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/error.h"
#include "core/time.h"

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

}  // namespace rc::data::internal
