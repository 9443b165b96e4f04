#include "features/volatility/atr.h"

#include <algorithm>

#include "indicator_testing.h"

namespace rc::features::testing {
namespace {

std::vector<double> ReferenceAtr(const BarSeries& bars, int n) {
  std::vector<double> tr(bars.size(), kNaN), out(bars.size(), kNaN);
  for (size_t t = 1; t < bars.size(); ++t) {
    const double pc = bars[t - 1].close;
    tr[t] = std::max({bars[t].high - bars[t].low, std::fabs(bars[t].high - pc), std::fabs(bars[t].low - pc)});
  }
  if (bars.size() <= static_cast<size_t>(n)) return out;
  double atr = WindowMean(tr, n, n);  // TR[1..n]
  out[n] = atr;
  for (size_t t = n + 1; t < bars.size(); ++t) out[t] = atr = (atr * (n - 1) + tr[t]) / n;
  return out;
}

TEST(AtrTest, MatchesWilderAverageOfTrueRangeAtEveryStep) {
  for (int period : {1, 3, 14}) {
    const BarSeries bars = Series(500, 31 + period);
    ExpectMatchesReference(Atr(period), bars, ReferenceAtr(bars, period));
  }
}

TEST(AtrTest, ReadyAfterPeriodPlusOneBars) { ExpectIndicatorContract(Atr(14), 14); }

TEST(AtrTest, TrueRangeUsesTheGapFromThePreviousClose) {
  EXPECT_DOUBLE_EQ(TrueRange(105, 104, 100), 5.0);
  EXPECT_DOUBLE_EQ(TrueRange(101, 96, 100), 5.0);
  EXPECT_DOUBLE_EQ(TrueRange(101, 99, 100), 2.0);
}

}  // namespace
}  // namespace rc::features::testing
