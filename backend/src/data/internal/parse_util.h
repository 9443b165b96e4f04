// File: data/internal/parse_util.h
// Strict text parsing shared by the provider parsers and the CSV importer
// (dates and times: core/time.h).
#pragma once

#include <optional>
#include <string_view>

namespace rc::data::internal {

// The whole of `text` as a finite double ("123.45", "-1e3"); no spaces, no
// trailing characters, no "nan"/"inf". nullopt otherwise.
std::optional<double> ParseStrictDouble(std::string_view text);

}  // namespace rc::data::internal
