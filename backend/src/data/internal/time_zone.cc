#include "data/internal/time_zone.h"

#include <date/tz.h>

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

Result<TimestampUs> LocalToUtc(std::string_view tz, int64_t local_micros) {
  const date::time_zone* zone = Find(tz);
  if (zone == nullptr) return InvalidArgument("time_zone", "unknown time zone '" + std::string(tz) + "'");
  const date::local_time<std::chrono::microseconds> local{std::chrono::microseconds{local_micros}};
  try {
    return zone->to_sys(local, date::choose::earliest).time_since_epoch().count();
  } catch (const std::exception&) {
    // A nonexistent local time (inside a DST gap): take the instant the gap starts.
    const auto info = zone->get_info(local);
    return date::sys_time<std::chrono::microseconds>(info.first.end).time_since_epoch().count();
  }
}

}  // namespace rc::data::internal
