#include "features/trend/sma.h"

#include "indicator_testing.h"

namespace rc::features::testing {
namespace {

TEST(SmaTest, MatchesWindowMeanAtEveryStep) {
  for (int period : {1, 2, 5, 20}) {
    const BarSeries bars = Series(500, 7 + period);
    const auto closes = Closes(bars);
    std::vector<double> reference(bars.size(), kNaN);
    for (size_t t = period - 1; t < bars.size(); ++t) reference[t] = WindowMean(closes, t, period);
    ExpectMatchesReference(Sma(period), bars, reference);
  }
}

TEST(SmaTest, ReadyExactlyAfterPeriodBars) { ExpectIndicatorContract(Sma(20), 19); }

TEST(SmaTest, NanVolumeDoesNotMatterToACloseIndicator) {
  BarSeries bars = Series(30, 4);
  Sma with(5), without(5);
  for (Bar bar : bars) {
    without.Update(bar);
    bar.volume = kNaN;
    with.Update(bar);
    ASSERT_TRUE(Same(without.Value(), with.Value()));
  }
}

TEST(SmaTest, ScalarUpdateComposes) {
  Sma sma(3);
  for (double x : {1.0, 2.0, 3.0, 4.0}) sma.Update(x);
  EXPECT_DOUBLE_EQ(sma.Value(), 3.0);
}

}  // namespace
}  // namespace rc::features::testing
