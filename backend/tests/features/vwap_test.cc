#include "features/volume/vwap.h"

#include "core/time.h"
#include "indicator_testing.h"
#include "testing/literals.h"

namespace rc::features::testing {
namespace {

using rc::testing::Iso;

std::vector<double> Reference(const BarSeries& bars, const ExchangeCalendar& cal) {
  std::vector<double> out(bars.size());
  for (size_t t = 0; t < bars.size(); ++t) {
    const int64_t day = cal.LocalDay(bars[t].open_time);
    double pv = 0, v = 0, tp_sum = 0, count = 0;
    for (size_t j = 0; j <= t; ++j) {
      if (cal.LocalDay(bars[j].open_time) != day) continue;
      const double tp = (bars[j].high + bars[j].low + bars[j].close) / 3;
      pv += tp * bars[j].volume;
      v += bars[j].volume;
      tp_sum += tp;
      ++count;
    }
    out[t] = v > 0 ? pv / v : tp_sum / count;
  }
  return out;
}

TEST(VwapTest, MatchesSessionSumsAtEveryStepAcrossDays) {
  const BarSeries bars = Series(400, 81);  // > 5 NSE sessions of 75 bars
  ASSERT_NE(Nse().LocalDay(bars.front().open_time), Nse().LocalDay(bars.back().open_time));
  ExpectMatchesReference(Vwap(Nse()), bars, Reference(bars, Nse()));
}

TEST(VwapTest, RestartsAtTheFirstBarOfEachSession) {
  const BarSeries bars = Series(200, 82);
  Vwap vwap(Nse());
  for (size_t t = 0; t < bars.size(); ++t) {
    vwap.Update(bars[t]);
    if (t == 0 || Nse().LocalDay(bars[t].open_time) != Nse().LocalDay(bars[t - 1].open_time)) {
      EXPECT_DOUBLE_EQ(vwap.Value(), (bars[t].high + bars[t].low + bars[t].close) / 3) << t;
    }
  }
}

TEST(VwapTest, UsesTheExchangeLocalDayNotTheUtcDay) {
  // 24x7 (UTC) vs NSE (IST): both bars are on March 4 in UTC, but 19:00 UTC is
  // 00:30 IST on March 5, a new NSE local day.
  const int64_t t0 = Iso("2024-03-04T18:00:00Z");  // 23:30 IST on the 4th
  const int64_t t1 = Iso("2024-03-04T19:00:00Z");
  const Bar a{t0, 10, 10, 10, 10, 1}, b{t1, 20, 20, 20, 20, 1};
  Vwap utc(Crypto()), ist(Nse());
  utc.Update(a);
  utc.Update(b);
  ist.Update(a);
  ist.Update(b);
  EXPECT_DOUBLE_EQ(utc.Value(), 15.0);
  EXPECT_DOUBLE_EQ(ist.Value(), 20.0);
}

TEST(VwapTest, ZeroVolumeSessionFallsBackToMeanTypicalPrice) {
  BarSeries bars = Series(3, 83);
  Vwap vwap(Nse());
  double sum = 0;
  for (Bar bar : bars) {
    bar.volume = 0;
    vwap.Update(bar);
    sum += (bar.high + bar.low + bar.close) / 3;
  }
  EXPECT_DOUBLE_EQ(vwap.Value(), sum / 3);
}

TEST(VwapTest, ReadyFromTheFirstBar) { ExpectIndicatorContract(Vwap(Nse()), 0); }

}  // namespace
}  // namespace rc::features::testing
