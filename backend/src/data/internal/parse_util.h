// File: data/internal/parse_util.h
// Strict text parsing shared by the provider parsers and the CSV importer.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/error.h"
#include "core/time.h"

namespace rc::data::internal {

// The whole of `text` as a finite double ("123.45", "-1e3"); no spaces, no
// trailing characters, no "nan"/"inf". nullopt otherwise.
std::optional<double> ParseStrictDouble(std::string_view text);

// Wall-clock date-time without zone: "YYYY-MM-DD", "YYYY-MM-DD HH:MM",
// "YYYY-MM-DD HH:MM:SS" ('T' also accepted as separator), optional ".ffffff".
// Returns micros since epoch as if UTC and whether a time part was present.
struct WallClock {
  int64_t micros = 0;
  bool has_time = false;
};
std::optional<WallClock> ParseWallClock(std::string_view text);

// Days since epoch of "YYYY-MM-DD", validating month/day ranges.
std::optional<int64_t> ParseDate(std::string_view text);

// "YYYY-MM-DD HH:MM:SS" in UTC for instant t (Twelve Data's date parameters).
std::string FormatSpaceUtc(TimestampUs t);
// "YYYY-MM-DD" of a day number.
std::string FormatDate(int64_t day);

}  // namespace rc::data::internal
