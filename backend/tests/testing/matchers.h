// File: testing/matchers.h
// gMock matchers for rc::Result / rc::Status (after Abseil's status_matchers.h):
//   EXPECT_THAT(Symbol::Parse("a/b"), ErrorIs(rc::ErrorCode::kInvalidArgument, "symbol"));
//   ASSERT_THAT(table.Commit(...), IsOk());
#pragma once

#include <gmock/gmock.h>

#include "core/error.h"

namespace rc::testing {

MATCHER(IsOk, "is OK") {
  if (arg.has_value()) return true;
  *result_listener << "error: " << arg.error().ToString();
  return false;
}

MATCHER_P(ErrorIs, code, std::string("fails with ") + std::string(rc::ErrorCodeName(code))) {
  if (arg.has_value()) {
    *result_listener << "succeeded";
    return false;
  }
  *result_listener << "error: " << arg.error().ToString();
  return arg.error().code == code;
}

MATCHER_P2(ErrorIs, code, field,
           std::string("fails with ") + std::string(rc::ErrorCodeName(code)) + " on field " + std::string(field)) {
  if (arg.has_value()) {
    *result_listener << "succeeded";
    return false;
  }
  *result_listener << "error: " << arg.error().ToString();
  return arg.error().code == code && arg.error().field == field;
}

}  // namespace rc::testing
