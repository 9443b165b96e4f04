#include "features/volatility/zscore.h"

#include "indicator_testing.h"

namespace rc::features::testing {
namespace {

TEST(ZScoreTest, MatchesTwoPassWindowAtEveryStep) {
  for (int period : {2, 20}) {
    const BarSeries bars = Series(400, 121 + period);
    const auto x = Closes(bars);
    std::vector<double> ref(x.size(), kNaN);
    for (size_t t = period - 1; t < x.size(); ++t) {
      ref[t] = (x[t] - WindowMean(x, t, period)) / WindowPopulationSd(x, t, period);
    }
    ExpectMatchesReference(ZScore(period), bars, ref, 0, 1e-7, 1e-9);
  }
}

TEST(ZScoreTest, ReadyExactlyAfterPeriodInputs) { ExpectIndicatorContract(ZScore(20), 19); }

TEST(ZScoreTest, FlatWindowIsZero) {
  ZScore z(5);
  for (int i = 0; i < 10; ++i) z.Update(1234.5);
  EXPECT_EQ(z.Value(), 0.0);
}

TEST(ZScoreTest, ScalarUpdateWorksOnVolume) {
  ZScore z(3);
  for (double v : {1.0, 2.0, 3.0}) z.Update(v);
  EXPECT_DOUBLE_EQ(z.Value(), 1.0 / std::sqrt(2.0 / 3.0));
}

}  // namespace
}  // namespace rc::features::testing
