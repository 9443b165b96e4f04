#include "features/volume/obv.h"

#include "indicator_testing.h"

namespace rc::features::testing {
namespace {

TEST(ObvTest, MatchesSignedVolumeSumFromFirstVolume) {
  BarSeries bars = Series(300, 71);
  bars[10].close = bars[9].close;  // an unchanged close keeps OBV
  std::vector<double> ref(bars.size());
  for (size_t t = 0; t < bars.size(); ++t) {
    double obv = bars[0].volume;
    for (size_t j = 1; j <= t; ++j) {
      if (bars[j].close > bars[j - 1].close) obv += bars[j].volume;
      if (bars[j].close < bars[j - 1].close) obv -= bars[j].volume;
    }
    ref[t] = obv;
  }
  ExpectMatchesReference(Obv(), bars, ref, 0, 0, 0);
}

TEST(ObvTest, ReadyFromTheFirstBar) { ExpectIndicatorContract(Obv(), 0); }

TEST(ObvTest, BarWithNanVolumeIsSkipped) {
  Obv obv;
  obv.Update(Bar{0, 1, 1, 1, 10, 5});
  obv.Update(Bar{1, 1, 1, 1, 11, kNaN});
  EXPECT_EQ(obv.Value(), 5.0);
  obv.Update(Bar{2, 1, 1, 1, 12, 2});
  EXPECT_EQ(obv.Value(), 7.0);
}

}  // namespace
}  // namespace rc::features::testing
