#include "features/targets.h"

#include "core/time.h"
#include "indicator_testing.h"
#include "testing/bars.h"
#include "testing/literals.h"
#include "testing/matchers.h"

namespace rc::features::testing {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;
using rc::testing::Iso;

TEST(TargetsTest, ColumnNameCarriesTheHorizonInMinutes) {
  EXPECT_EQ(TargetColumnName(180), "target_ret_180m");
}

TEST(TargetsTest, HorizonMustBeAPositiveMultipleOfTheTimeframe) {
  EXPECT_EQ(*HorizonBars(Timeframe::k5m, 180), 36);
  EXPECT_EQ(*HorizonBars(Timeframe::k1h, 120), 2);
  EXPECT_EQ(*HorizonBars(Timeframe::k1d, 1440), 1);
  EXPECT_THAT(HorizonBars(Timeframe::k5m, 7), ErrorIs(ErrorCode::kInvalidArgument, "horizon_minutes"));
  EXPECT_THAT(HorizonBars(Timeframe::k5m, 0), ErrorIs(ErrorCode::kInvalidArgument, "horizon_minutes"));
  EXPECT_THAT(HorizonBars(Timeframe::k5m, -5), ErrorIs(ErrorCode::kInvalidArgument, "horizon_minutes"));
  EXPECT_THAT(HorizonBars(Timeframe::k1h, 90), ErrorIs(ErrorCode::kInvalidArgument, "horizon_minutes"));
  const BarSeries bars = Series(10, 1);
  EXPECT_THAT(ForwardLogReturns(bars, Timeframe::k5m, 12), ErrorIs(ErrorCode::kInvalidArgument, "horizon_minutes"));
}

TEST(TargetsTest, ExactlyKBarsAheadWithANullTail) {
  const BarSeries bars = Series(300, 2);
  auto target = ForwardLogReturns(bars, Timeframe::k5m, 180);
  ASSERT_THAT(target, IsOk());
  ASSERT_EQ(target->size(), bars.size());
  for (size_t t = 0; t < bars.size(); ++t) {
    if (t + 36 < bars.size()) {
      ASSERT_DOUBLE_EQ((*target)[t], std::log(bars[t + 36].close / bars[t].close)) << t;
    } else {
      ASSERT_TRUE(std::isnan((*target)[t])) << "tail row " << t << " must be null";
    }
  }
}

TEST(TargetsTest, SeriesShorterThanTheHorizonIsAllNull) {
  const BarSeries bars = Series(20, 3);
  auto target = ForwardLogReturns(bars, Timeframe::k5m, 180);
  ASSERT_THAT(target, IsOk());
  for (double v : *target) EXPECT_TRUE(std::isnan(v));
}

TEST(TargetsTest, CountsTradingBarsAcrossAWeekendAndAHoliday) {
  // NSE: Thursday 2024-01-25, then Friday 2024-01-26 (Republic Day holiday) and the
  // weekend; the next session is Monday 2024-01-29.
  const BarSeries bars =
      rc::testing::RandomWalkBars(Nse(), Timeframe::k5m, Iso("2024-01-25T00:00:00Z"), 150, 4);
  const int64_t thursday = DaysFromCivil(2024, 1, 25);
  const int64_t monday = DaysFromCivil(2024, 1, 29);
  ASSERT_EQ(Nse().LocalDay(bars[0].open_time), thursday);
  ASSERT_EQ(Nse().LocalDay(bars[75].open_time), monday);  // 75 five-minute bars per NSE session
  auto target = ForwardLogReturns(bars, Timeframe::k5m, 180);
  ASSERT_THAT(target, IsOk());
  // Thursday 14:00 IST (bar 57) -> 36 regular bars later = Monday 10:45 IST (bar 93).
  const size_t t = 57;
  EXPECT_EQ(FormatIsoUtc(bars[t].open_time), "2024-01-25T08:30:00Z");
  EXPECT_EQ(FormatIsoUtc(bars[t + 36].open_time), "2024-01-29T05:15:00Z");
  EXPECT_DOUBLE_EQ((*target)[t], std::log(bars[t + 36].close / bars[t].close));
  // Daily bars: one trading day ahead skips the holiday and the weekend too.
  const BarSeries days =
      rc::testing::RandomWalkBars(Nse(), Timeframe::k1d, Iso("2024-01-24T00:00:00Z"), 4, 5);
  ASSERT_EQ(Nse().LocalDay(days[2].open_time), monday);
  auto daily = ForwardLogReturns(days, Timeframe::k1d, 1440);
  ASSERT_THAT(daily, IsOk());
  EXPECT_DOUBLE_EQ((*daily)[1], std::log(days[2].close / days[1].close));
}

TEST(TargetsTest, InvalidClosesGiveNull) {
  BarSeries bars = Series(10, 6);
  bars[2].close = kNaN;
  bars[5].close = 0;
  auto target = ForwardLogReturns(bars, Timeframe::k5m, 5);
  ASSERT_THAT(target, IsOk());
  EXPECT_TRUE(std::isnan((*target)[1]));
  EXPECT_TRUE(std::isnan((*target)[2]));
  EXPECT_TRUE(std::isnan((*target)[4]));
  EXPECT_TRUE(std::isfinite((*target)[0]));
}

}  // namespace
}  // namespace rc::features::testing
