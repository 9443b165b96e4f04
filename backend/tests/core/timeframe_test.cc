#include "core/timeframe.h"

#include <gtest/gtest.h>

#include "testing/matchers.h"

namespace rc {
namespace {

using ::rc::testing::ErrorIs;

TEST(TimeframeTest, ParsesAndFormatsEveryCanonicalSpelling) {
  for (const Timeframe& tf : Timeframe::All()) {
    auto parsed = Timeframe::Parse(tf.ToString());
    ASSERT_TRUE(parsed.has_value()) << tf.ToString();
    EXPECT_EQ(*parsed, tf);
  }
}

TEST(TimeframeTest, DurationsAreExact) {
  EXPECT_EQ(Timeframe::k1m.DurationSeconds(), 60);
  EXPECT_EQ(Timeframe::k5m.DurationMicros(), 300'000'000);
  EXPECT_EQ(Timeframe::k1h.Minutes(), 60);
  EXPECT_EQ(Timeframe::k1d.DurationSeconds(), 86400);
  EXPECT_FALSE(Timeframe::k1d.IsIntraday());
  EXPECT_TRUE(Timeframe::k30m.IsIntraday());
}

TEST(TimeframeTest, SixtyMinutesIsAnAliasOfOneHour) {
  EXPECT_EQ(*Timeframe::Parse("60m"), Timeframe::k1h);
  EXPECT_EQ(Timeframe::k1h.ToString(), "1h");
}

TEST(TimeframeTest, ProviderSpellingsAreNotAcceptedHere) {
  // "5min" is Twelve Data's spelling; the provider maps it.
  EXPECT_THAT(Timeframe::Parse("5min"), ErrorIs(ErrorCode::kInvalidArgument, "timeframe"));
  EXPECT_THAT(Timeframe::Parse(""), ErrorIs(ErrorCode::kInvalidArgument, "timeframe"));
  EXPECT_THAT(Timeframe::Parse("5M"), ErrorIs(ErrorCode::kInvalidArgument, "timeframe"));
  EXPECT_THAT(Timeframe::Parse("2m", "query.tf"), ErrorIs(ErrorCode::kInvalidArgument, "query.tf"));
}

}  // namespace
}  // namespace rc
