#include "core/time.h"

#include <gtest/gtest.h>

#include "testing/matchers.h"

namespace rc {
namespace {

using ::rc::testing::ErrorIs;

TEST(TimeTest, ParsesIsoForms) {
  EXPECT_EQ(*ParseIsoUtc("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseIsoUtc("1970-01-02"), kMicrosPerDay);
  EXPECT_EQ(*ParseIsoUtc("2024-01-02T03:45:00Z"), *ParseIsoUtc("2024-01-02 03:45:00"));
  EXPECT_EQ(*ParseIsoUtc("2024-01-02T09:15:00+05:30"), *ParseIsoUtc("2024-01-02T03:45:00Z"));
  EXPECT_EQ(*ParseIsoUtc("2024-01-02T03:45Z"), *ParseIsoUtc("2024-01-02T03:45:00Z"));
  EXPECT_EQ(*ParseIsoUtc("2024-01-02T03:45:00.5Z") - *ParseIsoUtc("2024-01-02T03:45:00Z"), 500'000);
  EXPECT_EQ(*ParseIsoUtc("1704166200"), 1704166200LL * kMicrosPerSecond);
}

TEST(TimeTest, RejectsMalformedTimes) {
  for (const char* text : {"", "2024-13-01", "2024-02-30", "2024-01-02T25:00:00Z", "2024-01-02T03:45:00X",
                           "2024/01/02", "yesterday", "2024-01-02T03:45:00+5", "2024-01-02T03:45:00."}) {
    EXPECT_THAT(ParseIsoUtc(text, "from"), ErrorIs(ErrorCode::kInvalidArgument, "from")) << text;
  }
}

TEST(TimeTest, FormatRoundTrips) {
  for (const char* text : {"2024-01-02T03:45:00Z", "1999-12-31T23:59:59Z", "2024-02-29T12:00:00.000123Z"}) {
    auto t = ParseIsoUtc(text);
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(FormatIsoUtc(*t), text);
  }
  EXPECT_EQ(FormatIsoUtc(-1'000'000), "1969-12-31T23:59:59Z");
}

TEST(TimeTest, FormatsEveryIsoSpellingFromOneInstant) {
  const TimestampUs t = *ParseIsoUtc("2020-02-01T08:09:10.123456Z");
  EXPECT_EQ(FormatIsoMillis(t), "2020-02-01T08:09:10.123Z");  // truncated, as Spark writes Delta stats
  EXPECT_EQ(FormatIsoMillis(*ParseIsoUtc("2020-02-01T08:09:10Z")), "2020-02-01T08:09:10.000Z");
  EXPECT_EQ(FormatIsoMillis(-1), "1969-12-31T23:59:59.999Z");  // down, not toward zero
  EXPECT_EQ(FormatIsoSpaceSeconds(t), "2020-02-01 08:09:10");
  EXPECT_EQ(FormatIsoSpaceSeconds(-1), "1969-12-31 23:59:59");
  EXPECT_EQ(FormatIsoDate(0), "1970-01-01");
  EXPECT_EQ(FormatIsoDate(-1), "1969-12-31");
  EXPECT_EQ(FormatIsoDate(DaysFromCivil(2024, 2, 29)), "2024-02-29");
}

TEST(TimeTest, ParsesWallClockAndDatesWithoutZone) {
  auto wall = ParseIsoWallClock("2024-01-02 09:15:30.25");
  ASSERT_TRUE(wall.has_value());
  EXPECT_TRUE(wall->has_time);
  EXPECT_EQ(wall->micros, *ParseIsoUtc("2024-01-02T09:15:30.25Z"));
  wall = ParseIsoWallClock("2024-01-02");
  ASSERT_TRUE(wall.has_value());
  EXPECT_FALSE(wall->has_time);
  EXPECT_EQ(wall->micros, DaysFromCivil(2024, 1, 2) * kMicrosPerDay);
  EXPECT_EQ(ParseIsoWallClock("2024-01-02T09:15")->micros, *ParseIsoUtc("2024-01-02T09:15:00Z"));
  // A zone is the caller's business here: an offset or Z is refused, as is anything malformed.
  for (const char* text : {"2024-01-02T09:15:00Z", "2024-01-02 09:15:00+05:30", "2024-02-30", "2024-01-02 24:00",
                           "2024-01-02 09:15:", "02-01-2024", "1704166200", ""}) {
    EXPECT_FALSE(ParseIsoWallClock(text).has_value()) << text;
  }
  EXPECT_EQ(ParseIsoDate("2024-03-01"), DaysFromCivil(2024, 3, 1));
  EXPECT_EQ(ParseIsoDate("1969-12-31"), -1);
  for (const char* text : {"2023-02-29", "2024-3-01", "2024-03-01T00:00", "2024-03-01 "}) {
    EXPECT_FALSE(ParseIsoDate(text).has_value()) << text;
  }
}

TEST(TimeTest, DaysFromCivilMatchesKnownDates) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
}

}  // namespace
}  // namespace rc
