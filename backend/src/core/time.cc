#include "core/time.h"

#include <charconv>
#include <cstdio>
#include <chrono>
#include <date/date.h>

namespace rc {
namespace {

// Reads exactly `width` digits at `pos`; false if any is not a digit.
bool ReadDigits(std::string_view text, size_t pos, size_t width, int& out) {
  if (pos + width > text.size()) return false;
  int value = 0;
  for (size_t digit_idx = 0; digit_idx < width; ++digit_idx) {
    const char c = text[pos + digit_idx];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  out = value;
  return true;
}

}  // namespace

TimestampUs NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t DaysFromCivil(int year, unsigned month, unsigned day) {
  const date::sys_days days = date::year{year} / date::month{month} / date::day{day};
  return days.time_since_epoch().count();
}

namespace {

// The date and time at the start of an ISO-8601 text, up to where a zone
// offset would begin. `why` says what is wrong when parsing failed.
struct IsoPrefix {
  int64_t micros = 0;  // as if UTC
  bool has_time = false;
  size_t end = 0;  // first character after the date or time
  const char* why = nullptr;
};

IsoPrefix ParseIsoPrefix(std::string_view text) {
  IsoPrefix out;
  int year = 0, month = 0, day = 0;
  if (!ReadDigits(text, 0, 4, year) || text.size() < 10 || text[4] != '-' || !ReadDigits(text, 5, 2, month) ||
      text[7] != '-' || !ReadDigits(text, 8, 2, day)) {
    out.why = "date must be YYYY-MM-DD";
    return out;
  }
  const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                                 date::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) {
    out.why = "no such calendar date";
    return out;
  }
  out.micros = static_cast<int64_t>(date::sys_days(ymd).time_since_epoch().count()) * kMicrosPerDay;
  size_t pos = 10;
  out.end = pos;
  if (pos == text.size()) return out;
  if (text[pos] != 'T' && text[pos] != ' ') {
    out.why = "expected 'T' after the date";
    return out;
  }
  ++pos;
  int hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, pos, 2, hour) || pos + 2 >= text.size() || text[pos + 2] != ':' ||
      !ReadDigits(text, pos + 3, 2, minute)) {
    out.why = "time must be HH:MM[:SS]";
    return out;
  }
  pos += 5;
  if (pos < text.size() && text[pos] == ':') {
    if (!ReadDigits(text, pos + 1, 2, second)) {
      out.why = "seconds must be two digits";
      return out;
    }
    pos += 3;
  }
  if (hour > 23 || minute > 59 || second > 59) {
    out.why = "hour/minute/second out of range";
    return out;
  }
  int64_t fraction_us = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 6) fraction_us = fraction_us * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) {
      out.why = "empty fraction";
      return out;
    }
    for (size_t pad = digits; pad < 6; ++pad) fraction_us *= 10;
  }
  out.micros += (static_cast<int64_t>(hour) * 3600 + minute * 60 + second) * kMicrosPerSecond + fraction_us;
  out.has_time = true;
  out.end = pos;
  return out;
}

enum class IsoFraction { kMicrosWhenNonZero, kMillis, kNone };

// Every formatter below: date, `separator`, time, the fraction as asked (truncated
// down, never rounded up into the next second), "Z" when `zone`.
std::string FormatIso(TimestampUs t, char separator, IsoFraction fraction, bool zone) {
  using namespace std::chrono;
  const sys_time<microseconds> tp{microseconds{t}};
  const auto day_point = floor<days>(tp);
  const date::year_month_day ymd{day_point};
  const date::hh_mm_ss<microseconds> tod{tp - day_point};
  char buf[48];
  const int64_t frac = tod.subseconds().count();
  int n = std::snprintf(buf, sizeof(buf), "%04d-%02u-%02u%c%02d:%02d:%02d", static_cast<int>(ymd.year()),
                        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), separator,
                        static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                        static_cast<int>(tod.seconds().count()));
  std::string out(buf, static_cast<size_t>(n));
  if (fraction == IsoFraction::kMillis) {
    std::snprintf(buf, sizeof(buf), ".%03lld", static_cast<long long>(frac / 1000));
    out += buf;
  } else if (fraction == IsoFraction::kMicrosWhenNonZero && frac != 0) {
    std::snprintf(buf, sizeof(buf), ".%06lld", static_cast<long long>(frac));
    out += buf;
  }
  if (zone) out += 'Z';
  return out;
}

}  // namespace

Result<TimestampUs> ParseIsoUtc(std::string_view text, std::string_view field) {
  const std::string field_name(field);
  auto bad = [&](std::string why) {
    return InvalidArgument(field_name, "'" + std::string(text.substr(0, 40)) + "' is not a valid time: " + why +
                                           " (expected ISO-8601 like 2024-01-02T09:15:00Z)");
  };
  if (text.empty()) return bad("empty");
  // Epoch seconds.
  if (text.find_first_not_of("0123456789") == std::string_view::npos) {
    int64_t seconds = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec != std::errc() || ptr != text.data() + text.size() || seconds > 253'402'300'799) {
      return bad("epoch seconds out of range");
    }
    return seconds * kMicrosPerSecond;
  }
  const IsoPrefix prefix = ParseIsoPrefix(text);
  if (prefix.why != nullptr) return bad(prefix.why);
  size_t pos = prefix.end;
  int64_t offset_seconds = 0;
  if (pos < text.size()) {
    const char sign = text[pos];
    if (sign == 'Z' && pos + 1 == text.size()) {
      ++pos;
    } else if (sign == '+' || sign == '-') {
      int off_h = 0, off_m = 0;
      if (!ReadDigits(text, pos + 1, 2, off_h)) return bad("offset must be +HH:MM");
      size_t next = pos + 3;
      if (next < text.size() && text[next] == ':') ++next;
      if (!ReadDigits(text, next, 2, off_m) || next + 2 != text.size() || off_h > 23 || off_m > 59) {
        return bad("offset must be +HH:MM");
      }
      offset_seconds = (off_h * 3600 + off_m * 60) * (sign == '+' ? 1 : -1);
      pos = text.size();
    } else {
      return bad("unexpected text after the time");
    }
  }
  return prefix.micros - offset_seconds * kMicrosPerSecond;
}

std::optional<WallClockTime> ParseIsoWallClock(std::string_view text) {
  const IsoPrefix prefix = ParseIsoPrefix(text);
  if (prefix.why != nullptr || prefix.end != text.size()) return std::nullopt;
  return WallClockTime{prefix.micros, prefix.has_time};
}

std::optional<int64_t> ParseIsoDate(std::string_view text) {
  if (text.size() != 10) return std::nullopt;
  const IsoPrefix prefix = ParseIsoPrefix(text);
  if (prefix.why != nullptr) return std::nullopt;
  return prefix.micros / kMicrosPerDay;
}

std::string FormatIsoUtc(TimestampUs t) { return FormatIso(t, 'T', IsoFraction::kMicrosWhenNonZero, true); }

std::string FormatIsoMillis(TimestampUs t) { return FormatIso(t, 'T', IsoFraction::kMillis, true); }

std::string FormatIsoSpaceSeconds(TimestampUs t) { return FormatIso(t, ' ', IsoFraction::kNone, false); }

std::string FormatIsoDate(int64_t days) {
  return FormatIso(days * kMicrosPerDay, 'T', IsoFraction::kNone, false).substr(0, 10);
}

}  // namespace rc
