#include "core/bar.h"

#include <gtest/gtest.h>

#include <limits>

namespace rc {
namespace {

TEST(BarTest, ValidBarIsAccepted) { EXPECT_TRUE(IsValidBar({0, 10, 11, 9, 10.5, 100})); }

TEST(BarTest, InconsistentBarsAreRejected) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(IsValidBar({0, 10, 9, 11, 10, 100}));    // high < low
  EXPECT_FALSE(IsValidBar({0, 10, 11, 9, 12, 100}));    // close above high
  EXPECT_FALSE(IsValidBar({0, 8, 11, 9, 10, 100}));     // open below low
  EXPECT_FALSE(IsValidBar({0, 0, 11, 0, 10, 100}));     // non-positive price
  EXPECT_FALSE(IsValidBar({0, 10, 11, 9, nan, 100}));   // NaN
  EXPECT_FALSE(IsValidBar({0, 10, 11, 9, 10, -1}));     // negative volume
}

}  // namespace
}  // namespace rc
