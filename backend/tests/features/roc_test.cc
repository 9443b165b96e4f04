#include "features/momentum/roc.h"

#include "indicator_testing.h"

namespace rc::features::testing {
namespace {

TEST(RocTest, MatchesPercentChangeAtEveryStep) {
  for (int period : {1, 10}) {
    const BarSeries bars = Series(300, 91 + period);
    const auto x = Closes(bars);
    std::vector<double> ref(x.size(), kNaN);
    for (size_t t = period; t < x.size(); ++t) ref[t] = (x[t] / x[t - period] - 1) * 100;
    ExpectMatchesReference(Roc(period), bars, ref);
  }
}

TEST(RocTest, ReadyAfterPeriodPlusOneCloses) { ExpectIndicatorContract(Roc(10), 10); }

TEST(RocTest, ZeroOldCloseGivesZeroAsTaLib) {
  Roc roc(1);
  roc.Update(0.0);
  roc.Update(5.0);
  EXPECT_EQ(roc.Value(), 0.0);
}

}  // namespace
}  // namespace rc::features::testing
