#include "testing/bars.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace rc::testing {

BarSeries RandomWalkBars(const ExchangeCalendar& calendar, Timeframe tf, TimestampUs start, size_t count,
                         uint64_t seed, double start_price, double vol) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> shock(0.0, vol);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  BarSeries bars;
  bars.reserve(count);
  double price = start_price;
  TimestampUs window_start = start;
  while (bars.size() < count) {
    // Fetch a chunk of bar opens (30 days at a time) and walk through them.
    const auto opens = calendar.TradingBars(window_start, window_start + 30 * kMicrosPerDay, tf);
    window_start += 30 * kMicrosPerDay;
    for (TimestampUs open_time : opens) {
      if (bars.size() >= count) break;
      const double open = price;
      const double close = open * std::exp(shock(rng));
      const double high = std::max(open, close) * (1.0 + vol * unit(rng));
      const double low = std::min(open, close) * (1.0 - vol * unit(rng));
      bars.push_back(Bar{open_time, open, high, low, close, std::floor(1000 + 9000 * unit(rng))});
      price = close;
    }
  }
  return bars;
}

}  // namespace rc::testing
