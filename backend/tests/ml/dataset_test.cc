#include "ml/dataset.h"

#include <gtest/gtest.h>

#include <cmath>

#include "regime_sim.h"
#include "testing/matchers.h"

namespace rc::ml {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;

TEST(DatasetTest, HorizonIsCountedInBarsOfTheTimeframe) {
  EXPECT_EQ(*HorizonBars(Timeframe::k5m, 180), 36);
  EXPECT_EQ(*HorizonBars(Timeframe::k1h, 120), 2);
  EXPECT_EQ(*HorizonBars(Timeframe::k1d, 2880), 2);
  EXPECT_THAT(HorizonBars(Timeframe::k5m, 7), ErrorIs(ErrorCode::kInvalidArgument, "horizon_minutes"));
  EXPECT_THAT(HorizonBars(Timeframe::k5m, 0), ErrorIs(ErrorCode::kInvalidArgument, "horizon_minutes"));
  EXPECT_THAT(HorizonBars(Timeframe::k1d, 60), ErrorIs(ErrorCode::kInvalidArgument, "horizon_minutes"));
  EXPECT_EQ(TargetColumnName(180), "target_ret_180m");
}

TEST(DatasetTest, BuildsFromNamedColumnsWithDetectedRegimes) {
  regime::testing::SimOptions so;
  so.bars = 400;
  auto table = regime::testing::ComputeFeatures(regime::testing::SimulateRegimes(so), 12, 60);
  DatasetSpec spec;
  spec.feature_names = {"ret_1", "rv_20"};
  spec.horizon_bars = 12;
  spec.target_column = TargetColumnName(60);
  auto ds = BuildDataset(table, spec);
  ASSERT_THAT(ds, IsOk());
  EXPECT_EQ(ds->rows(), 400u);
  EXPECT_EQ(ds->X.cols(), 2);
  EXPECT_THAT(ds->Validate(), IsOk());
  EXPECT_TRUE(std::isnan(ds->X(0, 0)));  // warm-up NaN kept
  EXPECT_FALSE(ds->Trainable(0));
  EXPECT_TRUE(ds->Trainable(100));
  EXPECT_TRUE(std::isnan(ds->y[399]));   // target tail
  EXPECT_FALSE(ds->Trainable(399));
  EXPECT_EQ(ds->regime[0], regime::Regime::kUnknown);
  EXPECT_NE(ds->regime[300], regime::Regime::kUnknown);
  Dataset part = ds->Slice(100, 200);
  EXPECT_EQ(part.rows(), 100u);
  EXPECT_EQ(part.ts[0], ds->ts[100]);
  EXPECT_THAT(part.Validate(), IsOk());
}

TEST(DatasetTest, MissingColumnsAndBadInputsAreNamed) {
  regime::ColumnTable t;
  t.ts = {1, 2, 3};
  t.columns["close"] = {1, 2, 3};
  t.columns["a"] = {1, 2, 3};
  DatasetSpec spec;
  spec.detect_regimes = false;
  spec.feature_names = {"a", "b"};
  EXPECT_THAT(BuildDataset(t, spec), ErrorIs(ErrorCode::kInvalidArgument, "b"));
  spec.feature_names = {};
  EXPECT_THAT(BuildDataset(t, spec), ErrorIs(ErrorCode::kInvalidArgument, "feature_names"));
  spec.feature_names = {"a"};
  spec.horizon_bars = 0;
  EXPECT_THAT(BuildDataset(t, spec), ErrorIs(ErrorCode::kInvalidArgument, "horizon_bars"));
  spec.horizon_bars = 1;
  EXPECT_THAT(BuildDataset(t, spec, {regime::Regime::kNeutral}), ErrorIs(ErrorCode::kInvalidArgument, "regimes"));
  t.columns["close"][1] = -1;
  EXPECT_THAT(BuildDataset(t, spec), ErrorIs(ErrorCode::kInvalidArgument, "close"));
  t.columns["close"][1] = 2;
  t.ts = {1, 3, 2};
  EXPECT_THAT(BuildDataset(t, spec), ErrorIs(ErrorCode::kInvalidArgument, "ts"));
  spec.detect_regimes = true;
  t.ts = {1, 2, 3};
  EXPECT_THAT(BuildDataset(t, spec), ErrorIs(ErrorCode::kInvalidArgument, "adx_14"));
}

}  // namespace
}  // namespace rc::ml
