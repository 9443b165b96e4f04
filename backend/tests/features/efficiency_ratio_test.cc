#include "features/trend/efficiency_ratio.h"

#include "indicator_testing.h"

namespace rc::features::testing {
namespace {

TEST(EfficiencyRatioTest, MatchesNetOverPathAtEveryStep) {
  for (int period : {1, 10}) {
    const BarSeries bars = Series(400, 131 + period);
    const auto x = Closes(bars);
    std::vector<double> ref(x.size(), kNaN);
    for (size_t t = period; t < x.size(); ++t) {
      double path = 0;
      for (size_t j = t + 1 - period; j <= t; ++j) path += std::fabs(x[j] - x[j - 1]);
      ref[t] = std::fabs(x[t] - x[t - period]) / path;
    }
    ExpectMatchesReference(EfficiencyRatio(period), bars, ref);
  }
}

TEST(EfficiencyRatioTest, ReadyAfterPeriodPlusOneCloses) { ExpectIndicatorContract(EfficiencyRatio(10), 10); }

TEST(EfficiencyRatioTest, StraightLineIsOneAndFlatIsZero) {
  EfficiencyRatio line(4), flat(4);
  for (int i = 0; i < 10; ++i) {
    line.Update(100.0 + i);
    flat.Update(100.0);
  }
  EXPECT_DOUBLE_EQ(line.Value(), 1.0);
  EXPECT_EQ(flat.Value(), 0.0);
}

}  // namespace
}  // namespace rc::features::testing
