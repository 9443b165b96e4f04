// File: core/bar.h
//
// One OHLCV bar. `open_time` is the bar's OPEN time in UTC microseconds since
// the Unix epoch; a bar covers [open_time, open_time + timeframe).
#pragma once

#include <cstdint>
#include <vector>

namespace rc {

struct Bar {
  int64_t open_time = 0;  // UTC microseconds, bar start
  double open = 0;
  double high = 0;
  double low = 0;
  double close = 0;
  double volume = 0;

  bool operator==(const Bar&) const = default;
};

// True when the bar is internally consistent: all prices finite and > 0,
// low <= open, close <= high, low <= high, volume finite and >= 0.
bool IsValidBar(const Bar& bar);

using BarSeries = std::vector<Bar>;

}  // namespace rc
