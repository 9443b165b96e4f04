#include "features/trend/wma.h"

#include "indicator_testing.h"

namespace rc::features::testing {
namespace {

TEST(WmaTest, MatchesWeightedWindowAtEveryStep) {
  for (int period : {1, 2, 9, 20}) {
    const BarSeries bars = Series(500, 3 + period);
    const auto x = Closes(bars);
    std::vector<double> reference(bars.size(), kNaN);
    for (size_t t = period - 1; t < x.size(); ++t) {
      double weighted = 0, weights = 0;
      for (int j = 0; j < period; ++j) {
        weighted += (j + 1) * x[t + 1 - period + j];
        weights += j + 1;
      }
      reference[t] = weighted / weights;
    }
    ExpectMatchesReference(Wma(period), bars, reference);
  }
}

TEST(WmaTest, ReadyExactlyAfterPeriodBars) { ExpectIndicatorContract(Wma(20), 19); }

}  // namespace
}  // namespace rc::features::testing
