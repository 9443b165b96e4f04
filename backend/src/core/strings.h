// File: core/strings.h
// Small ASCII string helpers shared by parsers (settings, CSV, HTTP headers,
// the Delta log). ASCII only on purpose: the inputs are protocol tokens.
#pragma once

#include <string>
#include <string_view>

namespace rc {

// `text` with ASCII letters lower-cased.
std::string AsciiLower(std::string_view text);

// `text` without leading and trailing ASCII whitespace (a view into `text`).
std::string_view TrimAscii(std::string_view text);

}  // namespace rc
