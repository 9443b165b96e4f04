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
#include <string>
#include <string_view>

#include "core/error.h"

namespace rc {

using TimestampUs = int64_t;

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

// Wall clock now, UTC microseconds.
TimestampUs NowMicros();

// Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.ffffff]]" (also ' ' for 'T') with
// an optional "Z" or "+HH:MM"/"-HH:MM" offset; no offset means UTC. Also accepts
// an integer of epoch seconds. Errors: kInvalidArgument naming `field`.
Result<TimestampUs> ParseIsoUtc(std::string_view text, std::string_view field = "time");

// "YYYY-MM-DDTHH:MM:SSZ", with ".ffffff" only when the microseconds are non-zero.
std::string FormatIsoUtc(TimestampUs t);

// Days since the epoch <-> civil date (proleptic Gregorian, UTC).
int64_t DaysFromCivil(int year, unsigned month, unsigned day);

}  // namespace rc
