#include "regime/regime.h"

#include <gtest/gtest.h>

#include "testing/matchers.h"

namespace rc::regime {
namespace {

using rc::testing::ErrorIs;

TEST(RegimeTest, CanonicalStringsRoundTrip) {
  for (Regime r : AllRegimes()) {
    auto parsed = ParseRegime(ToString(r));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, r);
  }
  EXPECT_EQ(ToString(Regime::kTrendingUp), "trending_up");
  EXPECT_EQ(ToString(Regime::kRangeBound), "range_bound");
}

TEST(RegimeTest, UnknownSpellingIsRejectedNamingTheField) {
  EXPECT_THAT(ParseRegime("Trending_Up", "state"), ErrorIs(ErrorCode::kInvalidArgument, "state"));
}

}  // namespace
}  // namespace rc::regime
