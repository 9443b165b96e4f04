#include "features/momentum/rsi.h"

#include "indicator_testing.h"

namespace rc::features::testing {
namespace {

std::vector<double> ReferenceRsi(const std::vector<double>& x, int n) {
  std::vector<double> out(x.size(), kNaN);
  double gain = 0, loss = 0;
  for (size_t t = 1; t < x.size(); ++t) {
    const double diff = x[t] - x[t - 1];
    const double up = diff > 0 ? diff : 0.0;
    const double down = diff < 0 ? -diff : 0.0;
    if (t <= static_cast<size_t>(n)) {
      gain += up / n;
      loss += down / n;
      if (t < static_cast<size_t>(n)) continue;
    } else {
      gain = (gain * (n - 1) + up) / n;
      loss = (loss * (n - 1) + down) / n;
    }
    out[t] = gain + loss == 0 ? 0.0 : 100.0 * gain / (gain + loss);
  }
  return out;
}

TEST(RsiTest, MatchesWilderRecursionAtEveryStep) {
  for (int period : {2, 5, 14}) {
    const BarSeries bars = Series(500, 21 + period);
    ExpectMatchesReference(Rsi(period), bars, ReferenceRsi(Closes(bars), period));
  }
}

TEST(RsiTest, ReadyAfterPeriodPlusOneCloses) { ExpectIndicatorContract(Rsi(14), 14); }

TEST(RsiTest, FlatSeriesIsZeroAsTaLib) {
  Rsi rsi(3);
  for (int i = 0; i < 10; ++i) rsi.Update(50.0);
  EXPECT_EQ(rsi.Value(), 0.0);
}

TEST(RsiTest, OnlyGainsIsHundred) {
  Rsi rsi(3);
  for (int i = 0; i < 10; ++i) rsi.Update(50.0 + i);
  EXPECT_DOUBLE_EQ(rsi.Value(), 100.0);
}

}  // namespace
}  // namespace rc::features::testing
