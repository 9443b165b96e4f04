// File: core/time.h
//
// Instants are int64 microseconds since 1970-01-01T00:00:00Z (UTC) everywhere in
// Regimecast: in bars, in the lake (Parquet TIMESTAMP(MICROS, UTC)) and on the wire
// as ISO-8601 strings.
//
//   RC_ASSIGN_OR_RETURN(int64_t t, rc::ParseIsoUtc("2024-01-02T03:45:00Z", "from"));
//   std::string s = rc::FormatIsoUtc(t);  // "2024-01-02T03:45:00Z"
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace rc {

using TimestampUs = int64_t;

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

// Minute of the UTC day of `t` (0..1439), also before the epoch: the key of
// everything that varies by time of day (intraday profiles, the bands' session profile).
constexpr int32_t MinuteOfUtcDay(TimestampUs t) {
  return static_cast<int32_t>(((t % kMicrosPerDay) + kMicrosPerDay) % kMicrosPerDay / kMicrosPerMinute);
}

// Wall clock now, UTC microseconds.
TimestampUs NowMicros();

// The one ISO-8601 parser and formatter: every date and time Regimecast reads
// or writes as text (HTTP, CLI, CSV, provider responses, Delta stats) goes
// through the functions below, which share one implementation.

// Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.ffffff]]" (also ' ' for 'T') with
// an optional "Z" or "+HH:MM"/"-HH:MM" offset; no offset means UTC. Also accepts
// an integer of epoch seconds. Errors: kInvalidArgument naming `field`.
Result<TimestampUs> ParseIsoUtc(std::string_view text, std::string_view field = "time");

// A date-time without a zone: "YYYY-MM-DD" or "YYYY-MM-DD[T ]HH:MM[:SS[.ffffff]]"
// and nothing after it, read as if UTC (the caller knows the zone: provider
// timestamps, CSV cells). nullopt when malformed or no such date or time.
struct WallClockTime {
  TimestampUs micros = 0;
  bool has_time = false;  // false for a bare date
};
std::optional<WallClockTime> ParseIsoWallClock(std::string_view text);

// Days since the epoch of exactly "YYYY-MM-DD"; nullopt when malformed or no such date.
std::optional<int64_t> ParseIsoDate(std::string_view text);

// "YYYY-MM-DDTHH:MM:SSZ", with ".ffffff" only when the microseconds are non-zero.
std::string FormatIsoUtc(TimestampUs t);
// "YYYY-MM-DDTHH:MM:SS.mmmZ", truncated down to the millisecond (Delta stats, as Spark writes them).
std::string FormatIsoMillis(TimestampUs t);
// "YYYY-MM-DD HH:MM:SS" in UTC, truncated down to the second, no zone (Twelve Data's parameters).
std::string FormatIsoSpaceSeconds(TimestampUs t);
// "YYYY-MM-DD" of a day number (days since the epoch).
std::string FormatIsoDate(int64_t days);

// Days since the epoch <-> civil date (proleptic Gregorian, UTC).
int64_t DaysFromCivil(int year, unsigned month, unsigned day);

}  // namespace rc
