#include "regime/regime_input.h"

#include <gtest/gtest.h>

#include <cmath>

#include "testing/matchers.h"

namespace rc::regime {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;

ColumnTable TwoRows() {
  ColumnTable t;
  t.ts = {10, 20};
  for (const char* name : {"adx_14", "plus_di_14", "minus_di_14", "er_10", "ret_12", "dist_sma_20", "rv_20"}) {
    t.columns[name] = {1.0, 2.0};
  }
  return t;
}

TEST(RegimeInputTest, BuildsOneInputPerRowFromNamedColumns) {
  ColumnTable t = TwoRows();
  t.columns["adx_14"] = {30, 40};
  t.gap_before = {0, 1};
  auto inputs = RegimeInputsFromColumns(t);
  ASSERT_THAT(inputs, IsOk());
  ASSERT_EQ(inputs->size(), 2u);
  EXPECT_EQ((*inputs)[1].ts, 20);
  EXPECT_DOUBLE_EQ((*inputs)[1].adx, 40);
  EXPECT_FALSE((*inputs)[0].gap_before);
  EXPECT_TRUE((*inputs)[1].gap_before);
}

TEST(RegimeInputTest, MissingColumnIsNamed) {
  ColumnTable t = TwoRows();
  t.columns.erase("er_10");
  EXPECT_THAT(RegimeInputsFromColumns(t), ErrorIs(ErrorCode::kInvalidArgument, "er_10"));
}

TEST(RegimeInputTest, RaggedColumnAndTimeOrderAreRejected) {
  ColumnTable t = TwoRows();
  t.columns["rv_20"].push_back(3);
  EXPECT_THAT(RegimeInputsFromColumns(t), ErrorIs(ErrorCode::kInvalidArgument, "rv_20"));
  ColumnTable u = TwoRows();
  u.ts = {20, 10};
  EXPECT_THAT(RegimeInputsFromColumns(u), ErrorIs(ErrorCode::kInvalidArgument, "ts"));
}

TEST(RegimeInputTest, LiveValuesMissingANameGiveNaN) {
  RegimeInput in = RegimeInputFromValues(5, {{"adx_14", 25.0}});
  EXPECT_EQ(in.ts, 5);
  EXPECT_DOUBLE_EQ(in.adx, 25.0);
  EXPECT_TRUE(std::isnan(in.realized_vol));
}

}  // namespace
}  // namespace rc::regime
