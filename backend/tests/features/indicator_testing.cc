#include "indicator_testing.h"

#include <algorithm>

#include "core/time.h"
#include "testing/bars.h"

namespace rc::features::testing {

const ExchangeCalendar& Nse() { return **ExchangeCalendar::ByName("NSE"); }
const ExchangeCalendar& Crypto() { return **ExchangeCalendar::ByName("24x7"); }

BarSeries Series(size_t count, uint64_t seed) {
  return rc::testing::RandomWalkBars(Nse(), Timeframe::k5m, *ParseIsoUtc("2024-01-01"), count, seed);
}

std::vector<double> Closes(const BarSeries& bars) {
  std::vector<double> closes;
  for (const Bar& bar : bars) closes.push_back(bar.close);
  return closes;
}

::testing::AssertionResult Near(double expected, double actual, double rel, double abs) {
  if (std::isnan(expected) && std::isnan(actual)) return ::testing::AssertionSuccess();
  if (std::isnan(expected) != std::isnan(actual)) {
    return ::testing::AssertionFailure() << "expected " << expected << ", got " << actual;
  }
  const double tolerance = rel * std::max(std::fabs(expected), std::fabs(actual)) + abs;
  if (std::fabs(expected - actual) <= tolerance) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected " << expected << ", got " << actual << " (diff "
                                       << expected - actual << ")";
}

bool Same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

double WindowMean(const std::vector<double>& x, size_t end_inclusive, size_t length) {
  double sum = 0;
  for (size_t idx = end_inclusive + 1 - length; idx <= end_inclusive; ++idx) sum += x[idx];
  return sum / static_cast<double>(length);
}

double WindowPopulationSd(const std::vector<double>& x, size_t end_inclusive, size_t length) {
  const double mean = WindowMean(x, end_inclusive, length);
  double ss = 0;
  for (size_t idx = end_inclusive + 1 - length; idx <= end_inclusive; ++idx) ss += (x[idx] - mean) * (x[idx] - mean);
  return std::sqrt(ss / static_cast<double>(length));
}

}  // namespace rc::features::testing
