// File: core/percent_encoding.h
//
// The one %XX codec. URLs (data/http), Delta partition directories and the
// Delta log's URI-encoded paths (lake/paths) each keep a different set of
// bytes as they are; they share the escaping itself:
//
//   rc::PercentEncode("a b/c", [](unsigned char c) { return c != ' '; });  // "a%20b/c"
//   rc::PercentDecode("a%20b");                                             // "a b"
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rc {

// `text` with every byte for which `keep(byte)` is false written as `%XX`
// (upper-case hex); the bytes it keeps are copied unchanged.
std::string PercentEncode(std::string_view text, bool (*keep)(unsigned char));

// Reverses any `%XX` (either hex case) in `text`; other bytes are copied.
// nullopt when an escape is malformed (a `%` without two hex digits after it).
std::optional<std::string> PercentDecode(std::string_view text);

}  // namespace rc
