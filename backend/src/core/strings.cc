#include "core/strings.h"

#include <charconv>
#include <cmath>

namespace rc {

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view TrimAscii(std::string_view text) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

std::string FormatShortestDouble(double value) {
  char buf[400];  // fixed notation of a double below 1e21 needs at most ~330 characters
  const double magnitude = std::fabs(value);
  // Plain notation in the range JavaScript uses it; std::to_chars with a format
  // (and no precision) still gives the shortest round-trip digits.
  const bool plain = value == 0 || (magnitude >= 1e-7 && magnitude < 1e21);
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value,
                                 plain ? std::chars_format::fixed : std::chars_format::scientific);
  if (ec != std::errc()) return "0";  // unreachable for finite values with this buffer
  return std::string(buf, end);
}

}  // namespace rc
