// File: testing/bars.h
// Canned bar series for tests: deterministic (seeded) and calendar-aware.
#pragma once

#include <cstdint>

#include "core/bar.h"
#include "core/calendar.h"
#include "core/timeframe.h"

namespace rc::testing {

// `count` regular-session bars of `tf` on `calendar`, starting at the first
// bar at or after `start`, following a geometric random walk from `start_price`
// with per-bar volatility `vol`. Deterministic for a seed. All bars are valid.
BarSeries RandomWalkBars(const ExchangeCalendar& calendar, Timeframe tf, TimestampUs start, size_t count,
                         uint64_t seed, double start_price = 100.0, double vol = 0.002);

}  // namespace rc::testing
