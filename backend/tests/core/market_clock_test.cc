#include "core/market_clock.h"

#include <gtest/gtest.h>

#include <thread>

#include "testing/fake_wall_clock.h"
#include "testing/literals.h"

namespace rc {
namespace {

using ::rc::testing::Crypto;
using ::rc::testing::FakeWallClock;
using ::rc::testing::Iso;
using ::rc::testing::Nse;

constexpr TimestampUs kWall0 = 1'700'000'000'000'000;  // any instant: only differences matter

// 2024-01-02 (Tue) 09:15 IST = 03:45Z; the session closes 15:30 IST = 10:00Z.
struct ReplayFixture : ::testing::Test {
  std::shared_ptr<FakeWallClock> wall = std::make_shared<FakeWallClock>(kWall0);
  ReplayMarketClock Make(const char* start, double speed, const ExchangeCalendar& cal = Nse()) {
    return ReplayMarketClock(cal, {.start = Iso(start), .speed = speed, .wall_anchor = kWall0}, wall);
  }
};

TEST(WallMarketClockTest, FollowsTheWallClockAndWaitsOnIt) {
  auto wall = std::make_shared<FakeWallClock>(kWall0);
  WallMarketClock clock(wall);
  EXPECT_EQ(clock.Now(), kWall0);
  EXPECT_FALSE(clock.IsReplay());
  EXPECT_TRUE(clock.WaitUntil(kWall0 + 5 * kMicrosPerSecond, {}));
  EXPECT_EQ(clock.Now(), kWall0 + 5 * kMicrosPerSecond);
}

TEST_F(ReplayFixture, AdvancesSpeedTimesFasterWhileTheSessionIsOpen) {
  auto clock = Make("2024-01-02T04:00:00Z", 60);  // 09:30 IST
  EXPECT_TRUE(clock.IsReplay());
  EXPECT_EQ(clock.Now(), Iso("2024-01-02T04:00:00Z"));
  wall->Advance(5 * kMicrosPerSecond);  // 5 s of wall time = 5 minutes = one 5m bar
  EXPECT_EQ(clock.Now(), Iso("2024-01-02T04:05:00Z"));
  wall->Advance(60 * kMicrosPerSecond);
  EXPECT_EQ(clock.Now(), Iso("2024-01-02T05:05:00Z"));
}

TEST_F(ReplayFixture, ANightAndAWeekendCostNoWallTime) {
  // Friday 2024-01-05 15:25 IST: five replay minutes before the close.
  auto clock = Make("2024-01-05T09:55:00Z", 60);
  wall->Advance(5 * kMicrosPerSecond - 1);
  EXPECT_EQ(clock.Now(), Iso("2024-01-05T09:59:59.999940Z"));
  wall->Advance(1);  // reaching the close jumps to Monday's open
  EXPECT_EQ(clock.Now(), Iso("2024-01-08T03:45:00Z"));
  wall->Advance(5 * kMicrosPerSecond);
  EXPECT_EQ(clock.Now(), Iso("2024-01-08T03:50:00Z"));
  // A whole trading day (375 minutes) later it is the same time on Tuesday.
  wall->Advance(375 * kMicrosPerSecond);
  EXPECT_EQ(clock.Now(), Iso("2024-01-09T03:50:00Z"));
}

TEST_F(ReplayFixture, HolidaysAreSkippedToo) {
  // Thu 2024-01-25 15:25 IST; Fri 2024-01-26 is Republic Day: next open is Mon 29th.
  auto clock = Make("2024-01-25T09:55:00Z", 60);
  wall->Advance(5 * kMicrosPerSecond);
  EXPECT_EQ(clock.Now(), Iso("2024-01-29T03:45:00Z"));
}

TEST_F(ReplayFixture, AStartInClosedHoursBeginsAtTheNextOpen) {
  auto clock = Make("2024-01-06T12:00:00Z", 60);  // Saturday
  EXPECT_EQ(clock.start(), Iso("2024-01-08T03:45:00Z"));
  EXPECT_EQ(clock.Now(), Iso("2024-01-08T03:45:00Z"));
  wall->Advance(kMicrosPerSecond);
  EXPECT_EQ(clock.Now(), Iso("2024-01-08T03:46:00Z"));
}

TEST_F(ReplayFixture, WallTimeBeforeTheAnchorIsTheStart) {
  auto clock = Make("2024-01-02T04:00:00Z", 60);
  EXPECT_EQ(clock.ReplayAt(kWall0 - kMicrosPerDay), Iso("2024-01-02T04:00:00Z"));
}

TEST_F(ReplayFixture, WallAtInvertsReplayAt) {
  auto clock = Make("2024-01-02T04:00:00Z", 7.5);
  // Inside a session: 15 replay minutes at 7.5x = 2 wall minutes.
  EXPECT_EQ(clock.WallAt(Iso("2024-01-02T04:15:00Z")), kWall0 + 120 * kMicrosPerSecond);
  // A time in the night is reached when the replay jumps to the next open.
  const TimestampUs night = clock.WallAt(Iso("2024-01-02T20:00:00Z"));
  EXPECT_EQ(night, clock.WallAt(Iso("2024-01-02T10:00:00Z")));
  EXPECT_EQ(clock.ReplayAt(night), Iso("2024-01-03T03:45:00Z"));
  EXPECT_LT(clock.ReplayAt(night - 1), Iso("2024-01-02T10:00:00Z"));
  for (const char* iso : {"2024-01-02T04:00:00.000001Z", "2024-01-03T05:17:13.123457Z", "2024-02-15T08:00:00Z"}) {
    const TimestampUs w = clock.WallAt(Iso(iso));
    EXPECT_GE(clock.ReplayAt(w), Iso(iso)) << iso;
    EXPECT_LT(clock.ReplayAt(w - 1), Iso(iso)) << iso;
  }
}

TEST_F(ReplayFixture, WaitUntilSleepsExactlyToTheReplayInstant) {
  auto clock = Make("2024-01-02T04:00:00Z", 60);
  // The 15:25 bar closes at 15:30 = 10:00Z: 6 replay hours = 6 wall minutes.
  EXPECT_TRUE(clock.WaitUntil(Iso("2024-01-02T10:00:00Z"), {}));
  EXPECT_EQ(wall->Now(), kWall0 + 360 * kMicrosPerSecond);
  EXPECT_EQ(clock.Now(), Iso("2024-01-03T03:45:00Z"));  // and the market reopened the next morning
  // The next close is 09:20 IST: five wall seconds away.
  EXPECT_TRUE(clock.WaitUntil(Nse().NextBarClose(clock.Now(), Timeframe::k5m), {}));
  EXPECT_EQ(wall->Now(), kWall0 + 365 * kMicrosPerSecond);
  // A time already passed does not sleep.
  const int sleeps = wall->sleeps();
  EXPECT_TRUE(clock.WaitUntil(Iso("2024-01-02T05:00:00Z"), {}));
  EXPECT_EQ(wall->sleeps(), sleeps);
}

TEST_F(ReplayFixture, WaitUntilStopsOnRequest) {
  auto clock = Make("2024-01-02T04:00:00Z", 60);
  std::stop_source stop;
  stop.request_stop();
  EXPECT_FALSE(clock.WaitUntil(Iso("2024-01-02T05:00:00Z"), stop.get_token()));
  EXPECT_EQ(wall->Now(), kWall0);
}

TEST(ReplaySystemClockTest, StopInterruptsARealSleepAtOnce) {
  // The one test on the real clock: a wait a day away returns as soon as stop is requested.
  ReplayMarketClock clock(Nse(), {.start = Iso("2024-01-02T04:00:00Z"), .speed = 1});
  std::stop_source stop;
  std::thread stopper([&] { stop.request_stop(); });
  EXPECT_FALSE(clock.WaitUntil(Iso("2024-01-09T04:00:00Z"), stop.get_token()));
  stopper.join();
}

TEST_F(ReplayFixture, CryptoNeverCloses) {
  auto clock = Make("2024-01-05T23:59:00Z", 60, Crypto());
  wall->Advance(2 * kMicrosPerSecond);
  EXPECT_EQ(clock.Now(), Iso("2024-01-06T00:01:00Z"));  // through midnight into Saturday
}

TEST_F(ReplayFixture, LongReplaysStayConsistent) {
  auto clock = Make("2024-01-02T03:45:00Z", 600);
  TimestampUs previous = clock.Now();
  for (int step = 0; step < 2000; ++step) {
    wall->Advance(37 * kMicrosPerSecond);
    const TimestampUs now = clock.Now();
    ASSERT_GT(now, previous);
    ASSERT_EQ(Nse().SessionAt(now), MarketSession::kRegular) << FormatIsoUtc(now);
    previous = now;
  }
  // 2000 * 37 s * 600 = 44.4e6 replay seconds of open market = 1973.33 trading days of 375 min.
  EXPECT_GT(previous, Iso("2030-06-01T00:00:00Z"));
}

}  // namespace
}  // namespace rc
