#include "data/internal/parse_util.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace rc::data::internal {
namespace {

bool Digits(std::string_view s, size_t pos, size_t len, int& out) {
  if (pos + len > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + len; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

}  // namespace

std::optional<double> ParseStrictDouble(std::string_view text) {
  if (text.empty()) return std::nullopt;
  const char* begin = text.data();
  if (*begin == '+') return std::nullopt;
  double value = 0;
  auto [ptr, ec] = std::from_chars(begin, begin + text.size(), value);
  if (ec != std::errc() || ptr != begin + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<int64_t> ParseDate(std::string_view text) {
  int y = 0, m = 0, d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  if (!Digits(text, 0, 4, y) || !Digits(text, 5, 2, m) || !Digits(text, 8, 2, d)) return std::nullopt;
  if (m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m)) return std::nullopt;
  return DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

std::optional<WallClock> ParseWallClock(std::string_view text) {
  if (text.size() < 10) return std::nullopt;
  auto day = ParseDate(text.substr(0, 10));
  if (!day) return std::nullopt;
  WallClock out{*day * kMicrosPerDay, false};
  if (text.size() == 10) return out;
  if (text[10] != ' ' && text[10] != 'T') return std::nullopt;
  int hh = 0, mm = 0, ss = 0;
  if (!Digits(text, 11, 2, hh) || text.size() < 16 || text[13] != ':' || !Digits(text, 14, 2, mm)) {
    return std::nullopt;
  }
  size_t pos = 16;
  if (pos < text.size() && text[pos] == ':') {
    if (!Digits(text, 17, 2, ss)) return std::nullopt;
    pos = 19;
  }
  int64_t frac = 0;
  if (pos < text.size() && text[pos] == '.') {
    size_t digits = 0;
    ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && digits < 6) {
      frac = frac * 10 + (text[pos] - '0');
      ++pos;
      ++digits;
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 6; ++digits) frac *= 10;
  }
  if (pos != text.size() || hh > 23 || mm > 59 || ss > 59) return std::nullopt;
  out.micros += (hh * 3600 + mm * 60 + ss) * kMicrosPerSecond + frac;
  out.has_time = true;
  return out;
}

std::string FormatSpaceUtc(TimestampUs t) {
  std::string iso = FormatIsoUtc(t - ((t % kMicrosPerSecond) + kMicrosPerSecond) % kMicrosPerSecond);
  // "YYYY-MM-DDTHH:MM:SSZ" -> "YYYY-MM-DD HH:MM:SS"
  iso[10] = ' ';
  iso.pop_back();
  return iso;
}

std::string FormatDate(int64_t day) { return FormatIsoUtc(day * kMicrosPerDay).substr(0, 10); }

}  // namespace rc::data::internal
