#include "core/strings.h"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace rc {

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
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

size_t Utf8SequenceLength(std::string_view text, size_t pos) {
  const auto byte = [&](size_t at) { return static_cast<unsigned char>(text[at]); };
  const unsigned char lead = byte(pos);
  size_t length = 0;
  uint32_t min = 0;
  uint32_t code = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2, min = 0x80, code = lead & 0x1f;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3, min = 0x800, code = lead & 0x0f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4, min = 0x10000, code = lead & 0x07;
  } else {
    return 0;
  }
  if (pos + length > text.size()) return 0;
  for (size_t idx = 1; idx < length; ++idx) {
    if ((byte(pos + idx) & 0xc0) != 0x80) return 0;
    code = (code << 6) | (byte(pos + idx) & 0x3f);
  }
  if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return 0;
  return length;
}

bool IsValidUtf8(std::string_view text) {
  for (size_t pos = 0; pos < text.size();) {
    if (static_cast<unsigned char>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    const size_t length = Utf8SequenceLength(text, pos);
    if (length == 0) return false;
    pos += length;
  }
  return true;
}

}  // namespace rc
