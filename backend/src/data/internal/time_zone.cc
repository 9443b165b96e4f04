#include "data/internal/time_zone.h"

#include <date/tz.h>

#include <algorithm>
#include <chrono>
#include <string>

namespace rc::data::internal {
namespace {

const date::time_zone* Find(std::string_view tz) {
  try {
    return date::locate_zone(std::string(tz));
  } catch (const std::exception&) {
    return nullptr;
  }
}

}  // namespace

bool IsKnownZone(std::string_view tz) { return Find(tz) != nullptr; }

Result<int64_t> LocalDayIn(std::string_view tz, TimestampUs t) {
  const date::time_zone* zone = Find(tz);
  if (zone == nullptr) return InvalidArgument("time_zone", "unknown time zone '" + std::string(tz) + "'");
  const date::sys_time<std::chrono::microseconds> sys{std::chrono::microseconds{t}};
  const auto local = zone->to_local(sys);
  return date::floor<date::days>(local).time_since_epoch().count();
}

namespace {

// The rules of LocalToUtc once the zone is known.
TimestampUs ZoneLocalToUtc(const date::time_zone& zone, int64_t local_micros) {
  const date::local_time<std::chrono::microseconds> local{std::chrono::microseconds{local_micros}};
  try {
    return zone.to_sys(local, date::choose::earliest).time_since_epoch().count();
  } catch (const std::exception&) {
    // A nonexistent local time (inside a DST gap): take the instant the gap starts.
    const auto info = zone.get_info(local);
    return date::sys_time<std::chrono::microseconds>(info.first.end).time_since_epoch().count();
  }
}

}  // namespace

Result<TimestampUs> LocalToUtc(std::string_view tz, int64_t local_micros) {
  const date::time_zone* zone = Find(tz);
  if (zone == nullptr) return InvalidArgument("time_zone", "unknown time zone '" + std::string(tz) + "'");
  return ZoneLocalToUtc(*zone, local_micros);
}

Result<ZoneClock> ZoneClock::For(std::string_view tz) {
  const date::time_zone* zone = Find(tz);
  if (zone == nullptr) return InvalidArgument("time_zone", "unknown time zone '" + std::string(tz) + "'");
  return ZoneClock(zone);
}

TimestampUs ZoneClock::ToUtc(int64_t local_micros) {
  if (local_micros >= cached_begin_ && local_micros < cached_end_) return local_micros - cached_offset_;
  const TimestampUs utc = ZoneLocalToUtc(*zone_, local_micros);
  // Cache the stretch of local time this offset covers, one day short of each
  // transition: a DST gap or overlap is shorter than a day and lies next to a
  // transition, so every local time inside the shortened stretch is unique.
  const auto info = zone_->get_info(date::sys_time<std::chrono::microseconds>(std::chrono::microseconds{utc}));
  constexpr int64_t kSecondsPerDay = 86'400;
  // The first and last stretches run to the tz database's ends of time (years
  // -32767 and 32767): clamp so the micros below cannot overflow.
  constexpr int64_t kClampSeconds = int64_t{1} << 38;  // ~8,700 years either side of 1970
  const int64_t offset = info.offset.count();
  const int64_t begin = std::clamp<int64_t>(info.begin.time_since_epoch().count(), -kClampSeconds, kClampSeconds);
  const int64_t end = std::clamp<int64_t>(info.end.time_since_epoch().count(), -kClampSeconds, kClampSeconds);
  cached_begin_ = (begin + offset + kSecondsPerDay) * kMicrosPerSecond;
  cached_end_ = (end + offset - kSecondsPerDay) * kMicrosPerSecond;
  cached_offset_ = offset * kMicrosPerSecond;
  return utc;
}

}  // namespace rc::data::internal
