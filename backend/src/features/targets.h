// File: features/targets.h — forward-return targets (the labels), kept apart from the
// feature sets on purpose: a target at bar t reads bars AFTER t, so it must never be a
// feature. Silver stores them as `target_ret_<H>m` beside the features.
//
//   RC_ASSIGN_OR_RETURN(std::vector<double> y, rc::features::ForwardLogReturns(bars, tf, 180));
//   // 5m bars: y[t] = ln(close[t+36] / close[t]); NaN for the last 36 bars.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/bar.h"
#include "core/error.h"
#include "core/timeframe.h"

namespace rc::features {

// "target_ret_<horizon_minutes>m", e.g. "target_ret_180m".
std::string TargetColumnName(int horizon_minutes);

// Bars ahead for a horizon of `horizon_minutes` of TRADING time: horizon / tf.Minutes().
// Errors: kInvalidArgument, field "horizon_minutes", when the horizon is not a positive
// multiple of the timeframe's minutes (e.g. 7 for 5m, 0, or -5).
Result<int> HorizonBars(Timeframe tf, int horizon_minutes);

// Forward log returns over k = HorizonBars(tf, horizon) bars counted in the given
// sequence, which must be the symbol's regular-session bars in time order (so the count
// runs across nights, weekends and holidays, never through them):
//   target[t] = ln(close[t+k] / close[t]),
// NaN (null in silver) where t+k is past the end of the data, or where either close is
// not finite or not > 0. Errors: as HorizonBars.
Result<std::vector<double>> ForwardLogReturns(std::span<const Bar> bars, Timeframe tf, int horizon_minutes);

}  // namespace rc::features
