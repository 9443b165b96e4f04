#include "indicator_testing.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/time.h"
#include "testing/bars.h"
#include "testing/literals.h"
#include "testing/temp_dir.h"

namespace rc::features::testing {

using rc::testing::Iso;

BarSeries Series(size_t count, uint64_t seed) {
  return rc::testing::RandomWalkBars(Nse(), Timeframe::k5m, Iso("2024-01-01"), count, seed);
}

std::vector<double> Closes(const BarSeries& bars) {
  std::vector<double> closes;
  for (const Bar& bar : bars) closes.push_back(bar.close);
  return closes;
}

BarSeries NseBars(const std::string& symbol) {
  const auto dir = rc::testing::SharedDataDir("nse-5m");
  BarSeries bars;
  if (dir.empty()) return bars;
  std::ifstream in(dir / (symbol + ".csv"));
  std::string line;
  std::getline(in, line);  // datetime,symbol,open,high,low,close,volume
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string datetime, name, open, high, low, close, volume;
    std::getline(fields, datetime, ',');
    std::getline(fields, name, ',');
    std::getline(fields, open, ',');
    std::getline(fields, high, ',');
    std::getline(fields, low, ',');
    std::getline(fields, close, ',');
    std::getline(fields, volume, ',');
    const auto day = ParseIsoDate(datetime.substr(0, 10));
    EXPECT_TRUE(day.has_value() && datetime.size() >= 16) << line;
    if (!day || datetime.size() < 16) continue;
    const int minute = std::stoi(datetime.substr(11, 2)) * 60 + std::stoi(datetime.substr(14, 2));
    // India Standard Time is UTC+05:30 all year (no DST).
    const TimestampUs open_time = *day * kMicrosPerDay + (minute - (5 * 60 + 30)) * kMicrosPerMinute;
    bars.push_back({open_time, std::stod(open), std::stod(high), std::stod(low),
                    std::stod(close), std::stod(volume)});
  }
  return bars;
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
