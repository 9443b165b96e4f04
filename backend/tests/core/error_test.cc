#include "core/error.h"

#include <gtest/gtest.h>

#include <set>

namespace rc {
namespace {

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("x", "must be even");
  return x / 2;
}

Result<int> Quarter(int x) {
  RC_ASSIGN_OR_RETURN(int half, Half(x));
  RC_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

TEST(ErrorTest, MacrosPropagateTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  auto odd = Quarter(6);
  ASSERT_FALSE(odd.has_value());
  EXPECT_EQ(odd.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(odd.error().field, "x");
}

TEST(ErrorTest, CatalogueMapsCodesToStableNamesAndStatuses) {
  EXPECT_EQ(ErrorCodeName(ErrorCode::kInvalidArgument), "invalid_argument");
  EXPECT_EQ(ErrorCodeHttpStatus(ErrorCode::kInvalidArgument), 422);
  EXPECT_EQ(ErrorCodeHttpStatus(ErrorCode::kMalformed), 400);
  EXPECT_EQ(ErrorCodeHttpStatus(ErrorCode::kNotFound), 404);
  EXPECT_EQ(ErrorCodeHttpStatus(ErrorCode::kConflict), 409);
  EXPECT_EQ(ErrorCodeHttpStatus(ErrorCode::kRateLimited), 429);
  EXPECT_EQ(ErrorCodeHttpStatus(ErrorCode::kUnavailable), 503);
  // Wire names are unique (they are the metric label and the JSON code).
  std::set<std::string_view> names;
  for (int code = 0; code <= static_cast<int>(ErrorCode::kTimeout); ++code) {
    EXPECT_TRUE(names.insert(ErrorCodeName(static_cast<ErrorCode>(code))).second);
  }
}

TEST(ErrorTest, ToStringAndContext) {
  Error e = WithContext(DataCorrupt("bad magic", "footer").value(), "reading x.parquet");
  EXPECT_EQ(e.ToString(), "data_corrupt: footer: reading x.parquet: bad magic");
}

}  // namespace
}  // namespace rc
