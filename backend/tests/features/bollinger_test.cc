#include "features/volatility/bollinger.h"

#include "indicator_testing.h"

namespace rc::features::testing {
namespace {

TEST(BollingerTest, MatchesTwoPassWindowStatisticsAtEveryStep) {
  for (int period : {2, 5, 20}) {
    const BarSeries bars = Series(500, 41 + period);
    const auto x = Closes(bars);
    std::vector<std::vector<double>> ref(5, std::vector<double>(x.size(), kNaN));
    for (size_t t = period - 1; t < x.size(); ++t) {
      const double mid = WindowMean(x, t, period);
      const double dev = 2.5 * WindowPopulationSd(x, t, period);
      ref[Bollinger::kMiddle][t] = mid;
      ref[Bollinger::kUpper][t] = mid + dev;
      ref[Bollinger::kLower][t] = mid - dev;
      ref[Bollinger::kPctB][t] = (x[t] - (mid - dev)) / (2 * dev);
      ref[Bollinger::kWidth][t] = 2 * dev / mid;
    }
    for (size_t out = 0; out < 5; ++out) {
      // %B divides (close - lower) by the band width, so the ~1e-14 absolute rounding of
      // the running-sum mean is amplified by price / width; with two bars the width can
      // be 1e-6 of the price (two nearly equal closes), hence the looser bound there.
      const double rel = out == Bollinger::kPctB ? (period == 2 ? 1e-6 : 1e-8) : 1e-9;
      ExpectMatchesReference(Bollinger(period, 2.5), bars, ref[out], out, rel);
    }
  }
}

TEST(BollingerTest, ReadyExactlyAfterPeriodBars) { ExpectIndicatorContract(Bollinger(20, 2), 19); }

TEST(BollingerTest, FlatWindowHasZeroWidthAndMiddlePctB) {
  Bollinger bb(4, 2);
  for (int i = 0; i < 10; ++i) bb.Update(42.0);
  EXPECT_EQ(bb.Upper(), 42.0);
  EXPECT_EQ(bb.Lower(), 42.0);
  EXPECT_EQ(bb.Width(), 0.0);
  EXPECT_EQ(bb.PctB(), 0.5);
}

TEST(BollingerTest, StaysAccurateOnLargePricesOverLongRuns) {
  // Prices ~1e5 with tiny moves: a running sum of squares would lose most digits here.
  Bollinger bb(20, 2);
  std::vector<double> x;
  for (int i = 0; i < 200000; ++i) {
    x.push_back(100000.0 + 0.01 * std::sin(i * 0.7) + 0.003 * (i % 7));
    bb.Update(x.back());
  }
  const double sd = WindowPopulationSd(x, x.size() - 1, 20);
  EXPECT_TRUE(Near(sd, (bb.Upper() - bb.Value()) / 2, 1e-6, 0));
}

}  // namespace
}  // namespace rc::features::testing
