// File: core/strings.h
// Small ASCII string helpers shared by parsers (settings, CSV, HTTP headers,
// the Delta log). ASCII only on purpose: the inputs are protocol tokens.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace rc {

// `text` with ASCII letters lower-cased.
std::string AsciiLower(std::string_view text);

// True when `a` and `b` are equal ignoring the case of ASCII letters (no
// allocation, unlike comparing AsciiLower copies in a per-row loop).
bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b);

// `text` without leading and trailing ASCII whitespace (a view into `text`).
std::string_view TrimAscii(std::string_view text);

// The shortest text that reads back as exactly `value`, in plain notation
// (`1`, `3456.05`, `0.00025`, `-2`) where that is exact and short: as in
// JavaScript, plain for 1e-7 <= |value| < 1e21 and exponent form (`1e+21`,
// `1e-08`) outside. Finite values only; callers spell NaN/Inf their own way.
std::string FormatShortestDouble(double value);

// Length of the valid UTF-8 sequence that starts at text[pos] with a non-ASCII
// byte, or 0 when the bytes there are not one (truncated, overlong, surrogate,
// above U+10FFFF).
size_t Utf8SequenceLength(std::string_view text, size_t pos);

// True when `text` is well-formed UTF-8 (what JSON text and Delta names carry).
bool IsValidUtf8(std::string_view text);

}  // namespace rc
