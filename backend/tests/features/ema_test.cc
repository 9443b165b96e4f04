#include "features/trend/ema.h"

#include "indicator_testing.h"

namespace rc::features::testing {
namespace {

// Reference: seed with the mean of the first `period` closes, then the textbook recursion.
std::vector<double> ReferenceEma(const std::vector<double>& x, int period) {
  std::vector<double> out(x.size(), kNaN);
  if (x.size() < static_cast<size_t>(period)) return out;
  const double k = 2.0 / (period + 1);
  double ema = WindowMean(x, period - 1, period);
  out[period - 1] = ema;
  for (size_t t = period; t < x.size(); ++t) {
    ema = ema + k * (x[t] - ema);
    out[t] = ema;
  }
  return out;
}

TEST(EmaTest, MatchesSmaSeededRecursionAtEveryStep) {
  for (int period : {1, 2, 12, 26}) {
    const BarSeries bars = Series(500, 11 + period);
    ExpectMatchesReference(Ema(period), bars, ReferenceEma(Closes(bars), period));
  }
}

TEST(EmaTest, FirstValueIsTheSmaOfTheFirstPeriod) {
  Ema ema(3);
  ema.Update(1.0);
  ema.Update(2.0);
  EXPECT_FALSE(ema.IsReady());
  ema.Update(6.0);
  EXPECT_DOUBLE_EQ(ema.Value(), 3.0);
  ema.Update(5.0);
  EXPECT_DOUBLE_EQ(ema.Value(), 4.0);  // 3 + 0.5 * (5 - 3)
}

TEST(EmaTest, ReadyExactlyAfterPeriodBars) { ExpectIndicatorContract(Ema(12), 11); }

}  // namespace
}  // namespace rc::features::testing
