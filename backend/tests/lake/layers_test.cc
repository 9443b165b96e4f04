// The typed lake layers (lake/layers/layers.h).
#include "lake/layers/layers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc::lake::layers {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;
using rc::testing::TempDir;

const int64_t kT0 = 1'700'000'000'000'000;

ColumnBatch RawRows(const std::string& symbol, const std::vector<int>& minutes, const std::string& batch_id = "b1") {
  ColumnBatch b(RawBarsSchema());
  for (int m : minutes) {
    b.Strings(0).push_back(symbol);
    b.Strings(1).push_back("5m");
    b.Int64s(2).push_back(kT0 + m * 60'000'000LL);
    for (size_t c = 3; c <= 7; ++c) b.Doubles(c).push_back(100.0 + m);
    b.Strings(8).push_back("yahoo");
    b.Int64s(9).push_back(kT0);
    b.Strings(10).push_back(batch_id);
  }
  return b;
}

Symbol Sym(const std::string& s) { return *Symbol::Parse(s); }

TEST(LayersTest, SchemasAreFixed) {
  Schema raw = RawBarsSchema();
  ASSERT_EQ(raw.fields.size(), 11u);
  EXPECT_EQ(raw.fields[2].name, "ts");
  EXPECT_EQ(raw.fields[2].type, ColumnType::kTimestampMicros);
  EXPECT_TRUE(raw.fields[6].nullable);  // close as the provider returned it
  Schema bronze = BronzeBarsSchema();
  EXPECT_EQ(bronze.fields[bronze.FieldIndex("gap_before")].type, ColumnType::kBool);
  EXPECT_FALSE(bronze.fields[bronze.FieldIndex("close")].nullable);
  Schema gold = GoldPredictionsSchema();
  EXPECT_EQ(gold.fields[gold.FieldIndex("horizon_minutes")].type, ColumnType::kInt32);
  EXPECT_TRUE(gold.fields[gold.FieldIndex("realized_close")].nullable);
  EXPECT_GE(gold.FieldIndex("upper_95"), 0);
  EXPECT_GE(gold.FieldIndex("weights_json"), 0);
}

TEST(LayersTest, SilverSchemaTakesCallerColumns) {
  auto s = SilverFeaturesSchema({{"ret_1", "rsi_14"}, {"target_ret_180m", "target_ret_60m"}});
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->fields.back().name, "feature_set_version");
  EXPECT_EQ(s->fields[8].name, "ret_1");
  EXPECT_EQ(s->fields[10].name, "target_ret_180m");
  EXPECT_THAT(SilverFeaturesSchema({{"Bad Name"}, {}}), ErrorIs(ErrorCode::kInvalidArgument, "features"));
  EXPECT_THAT(SilverFeaturesSchema({{"close"}, {}}), ErrorIs(ErrorCode::kInvalidArgument, "features"));
  EXPECT_THAT(SilverFeaturesSchema({{"a", "a"}, {}}), ErrorIs(ErrorCode::kInvalidArgument, "features"));
  EXPECT_THAT(SilverFeaturesSchema({{}, {"target_ret_x"}}), ErrorIs(ErrorCode::kInvalidArgument, "targets"));
  EXPECT_THAT(SilverFeaturesSchema({{}, {"target_ret_0m"}}), ErrorIs(ErrorCode::kInvalidArgument, "targets"));
}

TEST(LayersTest, OpenCreatesTheTablesUnderDataDir) {
  TempDir data;
  ASSERT_THAT(LayerTable::OpenRaw(data.str()), IsOk());
  ASSERT_THAT(LayerTable::OpenBronze(data.str()), IsOk());
  ASSERT_THAT(LayerTable::OpenGold(data.str()), IsOk());
  ASSERT_THAT(LayerTable::OpenSilver(data.str(), {{"f1"}, {"target_ret_60m"}}), IsOk());
  for (const char* t : {"raw/bars", "bronze/bars", "silver/features", "gold/predictions"}) {
    EXPECT_TRUE(std::filesystem::exists(data / (std::string(t) + "/_delta_log/00000000000000000000.json"))) << t;
  }
  // Reopening is idempotent; a different silver feature set is a conflict.
  ASSERT_THAT(LayerTable::OpenRaw(data.str()), IsOk());
  EXPECT_THAT(LayerTable::OpenSilver(data.str(), {{"f2"}, {"target_ret_60m"}}), ErrorIs(ErrorCode::kConflict));
  auto existing = LayerTable::OpenSilverExisting(data.str());
  ASSERT_THAT(existing, IsOk());
  EXPECT_GE(existing->schema().FieldIndex("f1"), 0);
  TempDir empty;
  EXPECT_THAT(LayerTable::OpenSilverExisting(empty.str()), ErrorIs(ErrorCode::kNotFound));
}

TEST(LayersTest, AppendReadSortedByTimeWithRangeAndVersion) {
  TempDir data;
  auto raw = LayerTable::OpenRaw(data.str());
  ASSERT_THAT(raw, IsOk());
  ASSERT_THAT(raw->Append(RawRows("EURUSD=X", {5, 3})), IsOk());
  ASSERT_THAT(raw->Append(RawRows("EURUSD=X", {1, 4, 2}), {.attributes = {{"batch_id", "b2"}}}), IsOk());
  ASSERT_THAT(raw->Append(RawRows("AAPL", {0})), IsOk());
  auto rows = raw->Read(Sym("EURUSD=X"), Timeframe::k5m);
  ASSERT_THAT(rows, IsOk());
  ASSERT_EQ(rows->num_rows(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(rows->Int64s(2)[i], kT0 + static_cast<int64_t>(i + 1) * 60'000'000);
  EXPECT_EQ(rows->Strings(0)[0], "EURUSD=X");
  auto ranged = raw->Read(Sym("EURUSD=X"), Timeframe::k5m,
                          {.from = kT0 + 2 * 60'000'000LL, .to = kT0 + 4 * 60'000'000LL, .columns = {"close"}});
  ASSERT_THAT(ranged, IsOk());
  ASSERT_EQ(ranged->num_columns(), 1u);
  EXPECT_EQ(ranged->Doubles(0), (std::vector<double>{102, 103, 104}));
  auto v1 = raw->Read(Sym("EURUSD=X"), Timeframe::k5m, {.version = 1});
  ASSERT_THAT(v1, IsOk());
  EXPECT_EQ(v1->num_rows(), 2u);
  EXPECT_EQ(*raw->Version(), 3);
  auto none = raw->Read(Sym("MSFT"), Timeframe::k5m);
  ASSERT_THAT(none, IsOk());
  EXPECT_EQ(none->num_rows(), 0u);
  EXPECT_THAT(raw->Read(Sym("AAPL"), Timeframe::k5m, {.version = 9}), ErrorIs(ErrorCode::kNotFound));
}

TEST(LayersTest, NonCanonicalKeysAreRejected) {
  TempDir data;
  auto raw = LayerTable::OpenRaw(data.str());
  ASSERT_THAT(raw, IsOk());
  EXPECT_THAT(raw->Append(RawRows("aapl", {1})), ErrorIs(ErrorCode::kInvalidArgument, "symbol"));
  EXPECT_THAT(raw->Append(RawRows("../etc", {1})), ErrorIs(ErrorCode::kInvalidArgument, "symbol"));
  ColumnBatch bad_tf = RawRows("AAPL", {1});
  bad_tf.Strings(1)[0] = "60m";
  EXPECT_THAT(raw->Append(bad_tf), ErrorIs(ErrorCode::kInvalidArgument, "timeframe"));
  EXPECT_EQ(*raw->Version(), 0);
}

TEST(LayersTest, ReplacePartitionSwapsOnePartitionOnly) {
  TempDir data;
  auto raw = LayerTable::OpenRaw(data.str());
  ASSERT_THAT(raw, IsOk());
  ASSERT_THAT(raw->Append(RawRows("AAPL", {1, 2, 3})), IsOk());
  ASSERT_THAT(raw->Append(RawRows("MSFT", {1, 2})), IsOk());
  auto r = raw->ReplacePartition(Sym("AAPL"), Timeframe::k5m, RawRows("AAPL", {9}, "b9"),
                                 {.source_versions = {{"raw/bars", 2}}});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->files_removed, 1);
  auto aapl = raw->Read(Sym("AAPL"), Timeframe::k5m);
  ASSERT_EQ(aapl->num_rows(), 1u);
  EXPECT_EQ(aapl->Strings(10)[0], "b9");
  EXPECT_EQ(raw->Read(Sym("MSFT"), Timeframe::k5m)->num_rows(), 2u);
  EXPECT_THAT(raw->ReplacePartition(Sym("AAPL"), Timeframe::k5m, RawRows("MSFT", {1})),
              ErrorIs(ErrorCode::kInvalidArgument, "rows"));
}

}  // namespace
}  // namespace rc::lake::layers
