#include "core/time.h"

#include <charconv>
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
  int year = 0, month = 0, day = 0;
  if (!ReadDigits(text, 0, 4, year) || text.size() < 10 || text[4] != '-' || !ReadDigits(text, 5, 2, month) ||
      text[7] != '-' || !ReadDigits(text, 8, 2, day)) {
    return bad("date must be YYYY-MM-DD");
  }
  const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                                 date::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return bad("no such calendar date");
  int64_t micros = static_cast<int64_t>(date::sys_days(ymd).time_since_epoch().count()) * kMicrosPerDay;
  size_t pos = 10;
  if (pos == text.size()) return micros;
  if (text[pos] != 'T' && text[pos] != ' ') return bad("expected 'T' after the date");
  ++pos;
  int hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, pos, 2, hour) || pos + 2 >= text.size() || text[pos + 2] != ':' ||
      !ReadDigits(text, pos + 3, 2, minute)) {
    return bad("time must be HH:MM[:SS]");
  }
  pos += 5;
  if (pos < text.size() && text[pos] == ':') {
    if (!ReadDigits(text, pos + 1, 2, second)) return bad("seconds must be two digits");
    pos += 3;
  }
  if (hour > 23 || minute > 59 || second > 60) return bad("hour/minute/second out of range");
  int64_t fraction_us = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 6) fraction_us = fraction_us * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return bad("empty fraction");
    for (size_t pad = digits; pad < 6; ++pad) fraction_us *= 10;
  }
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
  micros += (static_cast<int64_t>(hour) * 3600 + minute * 60 + second - offset_seconds) * kMicrosPerSecond;
  return micros + fraction_us;
}

std::string FormatIsoUtc(TimestampUs t) {
  using namespace std::chrono;
  const sys_time<microseconds> tp{microseconds{t}};
  const auto day_point = floor<days>(tp);
  const date::year_month_day ymd{day_point};
  const date::hh_mm_ss<microseconds> tod{tp - day_point};
  char buf[40];
  const int64_t frac = tod.subseconds().count();
  int n = std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                        static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                        static_cast<int>(tod.seconds().count()));
  std::string out(buf, static_cast<size_t>(n));
  if (frac != 0) {
    std::snprintf(buf, sizeof(buf), ".%06lld", static_cast<long long>(frac));
    out += buf;
  }
  out += 'Z';
  return out;
}

}  // namespace rc
