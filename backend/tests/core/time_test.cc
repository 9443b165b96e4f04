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

TEST(TimeTest, DaysFromCivilMatchesKnownDates) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
}

}  // namespace
}  // namespace rc
