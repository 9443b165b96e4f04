#include "data/internal/time_zone.h"

#include <gtest/gtest.h>

#include "testing/literals.h"
#include "testing/matchers.h"

namespace rc::data::internal {
namespace {

using ::rc::testing::ErrorIs;
using ::rc::testing::Iso;

// Wall clock read as UTC, the form LocalToUtc and ZoneClock take.
int64_t Wall(const char* iso) { return Iso(iso); }

// ZoneClock caches an offset per stretch without a DST change; every time it
// converts must equal the uncached LocalToUtc, across the spring gap (02:00 to
// 03:00 does not exist), the autumn overlap (01:00 to 02:00 happens twice:
// earliest wins), back and forth in time so the cache is both hit and missed.
TEST(ZoneClockTest, MatchesLocalToUtcAcrossDstTransitions) {
  auto clock = ZoneClock::For("America/New_York");
  ASSERT_TRUE(clock.has_value());
  const int64_t step = 7 * kMicrosPerMinute;
  int checked = 0;
  for (const char* start : {"2024-03-08T00:00:00Z", "2024-10-31T00:00:00Z", "2024-03-08T00:00:00Z"}) {
    for (int64_t local = Wall(start); local < Wall(start) + 5 * kMicrosPerDay; local += step) {
      ASSERT_EQ(clock->ToUtc(local), *LocalToUtc("America/New_York", local)) << FormatIsoUtc(local);
      ++checked;
    }
  }
  EXPECT_GT(checked, 3000);
  // The gap resolves to the instant it starts, the overlap to its first pass.
  EXPECT_EQ(clock->ToUtc(Wall("2024-03-10T02:30:00Z")), Wall("2024-03-10T07:00:00Z"));
  EXPECT_EQ(clock->ToUtc(Wall("2024-11-03T01:30:00Z")), Wall("2024-11-03T05:30:00Z"));
  // Far from any transition: a fixed offset.
  EXPECT_EQ(clock->ToUtc(Wall("2024-07-01T09:15:00Z")), Wall("2024-07-01T13:15:00Z"));
}

TEST(ZoneClockTest, ZoneWithoutTransitionsAndUnknownZone) {
  auto ist = ZoneClock::For("Asia/Kolkata");
  ASSERT_TRUE(ist.has_value());
  EXPECT_EQ(ist->ToUtc(Wall("2021-05-17T09:15:00Z")), Wall("2021-05-17T03:45:00Z"));
  EXPECT_EQ(ist->ToUtc(Wall("1900-01-01T00:00:00Z")), *LocalToUtc("Asia/Kolkata", Wall("1900-01-01T00:00:00Z")));
  EXPECT_EQ(ist->ToUtc(Wall("2200-01-01T00:00:00Z")), Wall("2199-12-31T18:30:00Z"));
  EXPECT_THAT(ZoneClock::For("Mars/Olympus"), ErrorIs(ErrorCode::kInvalidArgument, "time_zone"));
}

}  // namespace
}  // namespace rc::data::internal
