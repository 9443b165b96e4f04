// File: core/numeric.h
//
// The quiet NaN that stands for "no value" in the numeric series of the code base
// (a warm-up feature, a missing forecast, a metric over no rows), named once so that
// every module spells it the same way (features/internal/numeric.h re-exports it beside the
// indicators' TA-Lib-flavoured helpers). XGBoost's float missing-value marker stays
// std::numeric_limits<float>::quiet_NaN() in ml/models/gbdt.cc: a different type.
#pragma once

#include <limits>

namespace rc {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace rc
