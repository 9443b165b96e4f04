#include "features/volatility/realized_vol.h"

#include "indicator_testing.h"

namespace rc::features::testing {
namespace {

TEST(RealizedVolTest, MatchesTwoPassSdOfLogReturnsAtEveryStep) {
  for (int period : {2, 20}) {
    const BarSeries bars = Series(400, 111 + period);
    const auto x = Closes(bars);
    std::vector<double> r(x.size(), kNaN), ref(x.size(), kNaN);
    for (size_t t = 1; t < x.size(); ++t) r[t] = std::log(x[t] / x[t - 1]);
    for (size_t t = period; t < x.size(); ++t) ref[t] = WindowPopulationSd(r, t, period);
    ExpectMatchesReference(RealizedVol(period), bars, ref, 0, 1e-8, 1e-14);
  }
}

TEST(RealizedVolTest, ReadyAfterPeriodReturns) { ExpectIndicatorContract(RealizedVol(20), 20); }

TEST(RealizedVolTest, ConstantGrowthHasZeroVolatility) {
  RealizedVol rv(5);
  double price = 100;
  for (int i = 0; i < 20; ++i) rv.Update(price *= 1.01);
  EXPECT_NEAR(rv.Value(), 0.0, 1e-12);
}

}  // namespace
}  // namespace rc::features::testing
