#include "features/time/time_encoding.h"

#include <chrono>
#include <numbers>

#include "core/time.h"
#include "indicator_testing.h"
#include "testing/literals.h"

namespace rc::features::testing {
namespace {

using rc::testing::Iso;

TEST(TimeOfDayEncodingTest, PhaseOfTheNseSession) {
  TimeOfDayEncoding tod(Nse());
  tod.Update(Bar{Iso("2024-03-04T03:45:00Z"), 1, 1, 1, 1, 1});  // 09:15 IST, the open
  EXPECT_NEAR(tod.Value(), 0.0, 1e-15);
  EXPECT_NEAR(tod.Cos(), 1.0, 1e-15);
  tod.Update(Bar{Iso("2024-03-04T06:52:30Z"), 1, 1, 1, 1, 1});  // 12:22:30 IST, mid-session
  EXPECT_NEAR(tod.Value(), 0.0, 1e-12);
  EXPECT_NEAR(tod.Cos(), -1.0, 1e-12);
}

TEST(TimeOfDayEncodingTest, MatchesSessionPhaseAtEveryStep) {
  const BarSeries bars = Series(300, 141);
  std::vector<double> sin_ref, cos_ref;
  for (const Bar& bar : bars) {
    const auto session = Nse().RegularSession(Nse().LocalDay(bar.open_time));
    ASSERT_TRUE(session.has_value());
    const double phase = double(bar.open_time - session->open) / double(session->close - session->open);
    sin_ref.push_back(std::sin(2 * std::numbers::pi * phase));
    cos_ref.push_back(std::cos(2 * std::numbers::pi * phase));
  }
  ExpectMatchesReference(TimeOfDayEncoding(Nse()), bars, sin_ref, 0, 0, 1e-15);
  ExpectMatchesReference(TimeOfDayEncoding(Nse()), bars, cos_ref, 1, 0, 1e-15);
}

// The sin/cos pair is cached per minute offset into the session: a cached value must be
// exactly the value a fresh encoder (nothing cached) computes, including when more
// offsets than cache slots cycle through it (1-minute bars on a 24x7 calendar: 1440 a
// day over 512 slots) and for offsets that are not whole minutes (never cached).
TEST(TimeOfDayEncodingTest, CachedPhasesEqualFreshlyComputedOnes) {
  struct Case {
    const ExchangeCalendar* calendar;
    TimestampUs first;
    TimestampUs step;
    int bars;
  };
  const Case cases[] = {
      {&Nse(), Iso("2024-03-04T03:45:00Z"), 5 * kMicrosPerMinute, 75 * 10},
      {&Nse(), Iso("2024-03-04T03:45:00Z"), kMicrosPerMinute, 375 * 3},
      {&Crypto(), Iso("2024-03-04T00:00:00Z"), kMicrosPerMinute, 1440 * 3},
      {&Crypto(), Iso("2024-03-04T00:00:30Z"), 90 * kMicrosPerSecond, 2000},
  };
  for (const Case& c : cases) {
    TimeOfDayEncoding cached(*c.calendar);
    int hits_possible = 0;
    for (int idx = 0; idx < c.bars; ++idx) {
      const TimestampUs t = c.first + idx * c.step;
      if (!c.calendar->IsTradingTime(t)) continue;
      const Bar bar{t, 1, 1, 1, 1, 1};
      TimeOfDayEncoding fresh(*c.calendar);
      fresh.Update(bar);
      cached.Update(bar);
      ASSERT_TRUE(Same(fresh.Value(), cached.Value())) << FormatIsoUtc(t);
      ASSERT_TRUE(Same(fresh.Cos(), cached.Cos())) << FormatIsoUtc(t);
      ++hits_possible;
    }
    EXPECT_GT(hits_possible, 100);
  }
}

TEST(TimeOfDayEncodingTest, NonTradingDayIsNan) {
  TimeOfDayEncoding tod(Nse());
  tod.Update(Bar{Iso("2024-03-09T05:00:00Z"), 1, 1, 1, 1, 1});  // a Saturday
  EXPECT_TRUE(tod.IsReady());
  EXPECT_TRUE(std::isnan(tod.Value()));
}

TEST(DayOfWeekEncodingTest, MatchesTheCalendarWeekdayAtEveryStep) {
  const BarSeries bars = Series(800, 142);  // two weeks and more
  std::vector<double> sin_ref, cos_ref;
  for (const Bar& bar : bars) {
    const std::chrono::sys_days day{std::chrono::days{Nse().LocalDay(bar.open_time)}};
    const unsigned monday_zero = std::chrono::weekday{day}.iso_encoding() - 1;
    sin_ref.push_back(std::sin(2 * std::numbers::pi * monday_zero / 7));
    cos_ref.push_back(std::cos(2 * std::numbers::pi * monday_zero / 7));
  }
  ExpectMatchesReference(DayOfWeekEncoding(Nse()), bars, sin_ref, 0, 0, 1e-15);
  ExpectMatchesReference(DayOfWeekEncoding(Nse()), bars, cos_ref, 1, 0, 1e-15);
}

TEST(DayOfWeekEncodingTest, WeekdayNumbering) {
  EXPECT_EQ(DayOfWeekEncoding::Weekday(0), 3);  // 1970-01-01 was a Thursday
  EXPECT_EQ(DayOfWeekEncoding::Weekday(DaysFromCivil(2024, 3, 4)), 0);  // Monday
  EXPECT_EQ(DayOfWeekEncoding::Weekday(-1), 2);  // 1969-12-31, a Wednesday
}

TEST(TimeEncodingTest, ReadyFromTheFirstBarAndResettable) {
  for (uint64_t seed : {1u, 2u}) {
    const BarSeries bars = Series(200, seed);
    ExpectReadyFrom(TimeOfDayEncoding(Nse()), bars, 0);
    ExpectReadyFrom(DayOfWeekEncoding(Nse()), bars, 0);
    ExpectResetRestarts(TimeOfDayEncoding(Nse()), bars);
    ExpectResetRestarts(DayOfWeekEncoding(Nse()), bars);
    ExpectFoldEqualsStreaming(TimeOfDayEncoding(Nse()), bars);
  }
}

}  // namespace
}  // namespace rc::features::testing
