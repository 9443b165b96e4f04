#include "regime/regime.h"

#include <string>

namespace rc::regime {

const std::array<Regime, kRegimeCount>& AllRegimes() {
  static const std::array<Regime, kRegimeCount> all = {Regime::kTrendingUp, Regime::kTrendingDown,
                                                       Regime::kRangeBound, Regime::kVolatile,
                                                       Regime::kNeutral,    Regime::kUnknown};
  return all;
}

std::string_view ToString(Regime regime) {
  switch (regime) {
    case Regime::kTrendingUp: return "trending_up";
    case Regime::kTrendingDown: return "trending_down";
    case Regime::kRangeBound: return "range_bound";
    case Regime::kVolatile: return "volatile";
    case Regime::kNeutral: return "neutral";
    case Regime::kUnknown: return "unknown";
  }
  return "unknown";
}

Result<Regime> ParseRegime(std::string_view text, std::string_view field) {
  for (Regime r : AllRegimes()) {
    if (ToString(r) == text) return r;
  }
  return InvalidArgument(std::string(field),
                         "must be one of trending_up trending_down range_bound volatile neutral unknown, got '" +
                             std::string(text) + "'");
}

}  // namespace rc::regime
