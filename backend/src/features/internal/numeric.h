// File: features/internal/numeric.h — small numeric helpers shared by the indicators.
#pragma once

#include <cmath>

#include "core/numeric.h"

namespace rc::features::internal {

using ::rc::kNaN;  // spelled internal::kNaN by the indicators

// TA-Lib's TA_IS_ZERO band (|v| < 1e-14) for the places where TA-Lib substitutes a
// value for a zero denominator (RSI, ADX/DI); matching it keeps parity on flat data.
inline constexpr double kTaEpsilon = 1e-14;
inline bool IsTaZero(double v) { return -kTaEpsilon < v && v < kTaEpsilon; }

inline bool Finite(double a) { return std::isfinite(a); }
inline bool Finite(double a, double b) { return std::isfinite(a) && std::isfinite(b); }
inline bool Finite(double a, double b, double c) { return std::isfinite(a) && std::isfinite(b) && std::isfinite(c); }
inline bool Finite(double a, double b, double c, double d) {
  return std::isfinite(a) && std::isfinite(b) && std::isfinite(c) && std::isfinite(d);
}

}  // namespace rc::features::internal
