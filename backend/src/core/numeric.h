// File: core/numeric.h
//
// The quiet NaN that stands for "no value" in the numeric series of the code base
// (a warm-up feature, a missing forecast, a metric over no rows), named once so that
// every module spells it the same way. The indicators keep their own TA-Lib-flavoured
// helpers in features/internal/numeric.h.
#pragma once

#include <limits>

namespace rc {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace rc
