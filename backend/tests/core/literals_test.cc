#include "testing/literals.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

namespace rc::testing {
namespace {

using ::testing::HasSubstr;

TEST(TestLiteralsTest, ParseWhatTheProductParses) {
  EXPECT_EQ(Sym("tcs.ns").str(), "TCS.NS");
  EXPECT_EQ(Iso("2024-01-02T03:45:00Z"), *ParseIsoUtc("2024-01-02T03:45:00Z"));
  EXPECT_EQ(Iso("2024-01-02T09:15:00+05:30"), Iso("2024-01-02T03:45:00Z"));
}

TEST(TestLiteralsTest, ATypoInATestThrowsWithTheParsersReason) {
  try {
    Iso("2024-13-02T03:45:00Z");
    ADD_FAILURE() << "a month of 13 parsed";
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("test time '2024-13-02T03:45:00Z'"));
  }
  EXPECT_THROW(Sym("TCS NS"), std::invalid_argument);
}

}  // namespace
}  // namespace rc::testing
