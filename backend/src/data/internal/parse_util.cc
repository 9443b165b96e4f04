#include "data/internal/parse_util.h"

#include <charconv>
#include <cmath>

namespace rc::data::internal {

std::optional<double> ParseStrictDouble(std::string_view text) {
  if (text.empty()) return std::nullopt;
  const char* begin = text.data();
  if (*begin == '+') return std::nullopt;
  double value = 0;
  auto [ptr, ec] = std::from_chars(begin, begin + text.size(), value);
  if (ec != std::errc() || ptr != begin + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

}  // namespace rc::data::internal
