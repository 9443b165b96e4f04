#include "features/momentum/log_return.h"

#include "indicator_testing.h"

namespace rc::features::testing {
namespace {

TEST(LogReturnTest, MatchesLogRatioAtEveryStep) {
  for (int lag : {1, 3, 12}) {
    const BarSeries bars = Series(300, 101 + lag);
    const auto x = Closes(bars);
    std::vector<double> ref(x.size(), kNaN);
    for (size_t t = lag; t < x.size(); ++t) ref[t] = std::log(x[t]) - std::log(x[t - lag]);
    ExpectMatchesReference(LogReturn(lag), bars, ref, 0, 1e-9, 1e-13);
  }
}

TEST(LogReturnTest, ReadyAfterLagPlusOneCloses) { ExpectIndicatorContract(LogReturn(3), 3); }

TEST(LogReturnTest, NonPositiveCloseIsSkipped) {
  LogReturn ret(1);
  ret.Update(100.0);
  ret.Update(0.0);
  ret.Update(-5.0);
  EXPECT_FALSE(ret.IsReady());
  ret.Update(110.0);
  EXPECT_DOUBLE_EQ(ret.Value(), std::log(1.1));
}

}  // namespace
}  // namespace rc::features::testing
