// The typed lake layers (lake/layers/layers.h).
#include "lake/layers/layers.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>

#include "testing/literals.h"
#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc::lake::layers {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;
using rc::testing::TempDir;
using rc::testing::Sym;

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

namespace rc::lake::layers {
namespace {

int64_t LiveFiles(const LayerTable& table, const std::string& symbol) {
  auto snap = table.table().Latest();
  EXPECT_THAT(snap, IsOk());
  int64_t files = 0;
  for (const auto& [path, file] : (*snap)->files) files += file.add.partition_values.at("symbol") == symbol ? 1 : 0;
  return files;
}

TEST(LayersTest, CompactIfFragmentedRewritesOnlyAFragmentedPartition) {
  TempDir tmp;
  auto raw = LayerTable::OpenRaw(tmp.str());
  ASSERT_THAT(raw, IsOk());
  const Timeframe tf = Timeframe::k5m;
  for (int i = 0; i < 6; ++i) ASSERT_THAT(raw->Append(RawRows("TCS.NS", {i})), IsOk());
  for (int i = 0; i < 3; ++i) ASSERT_THAT(raw->Append(RawRows("INFY.NS", {i})), IsOk());
  auto before = raw->Read(Sym("TCS.NS"), tf);
  ASSERT_THAT(before, IsOk());
  // At or under the limit: nothing happens.
  auto quiet = raw->CompactIfFragmented(Sym("TCS.NS"), tf, 6);
  ASSERT_THAT(quiet, IsOk());
  EXPECT_FALSE(quiet->has_value());
  EXPECT_EQ(LiveFiles(*raw, "TCS.NS"), 6);
  // Over it: that partition becomes one file, the other partition is untouched.
  auto compacted = raw->CompactIfFragmented(Sym("TCS.NS"), tf, 4);
  ASSERT_THAT(compacted, IsOk());
  ASSERT_TRUE(compacted->has_value());
  EXPECT_EQ((*compacted)->files_removed, 6);
  EXPECT_EQ((*compacted)->partitions, 1);
  EXPECT_EQ(LiveFiles(*raw, "TCS.NS"), 1);
  EXPECT_EQ(LiveFiles(*raw, "INFY.NS"), 3);
  auto after = raw->Read(Sym("TCS.NS"), tf);
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ(after->Int64s(2), before->Int64s(2));
  EXPECT_EQ(after->Doubles(6), before->Doubles(6));
  EXPECT_THAT(raw->CompactIfFragmented(Sym("TCS.NS"), tf, 0), ErrorIs(ErrorCode::kInvalidArgument, "max_files"));
}

TEST(LayersTest, RecordedWatermarksAndPartitionWatermarksSurviveCheckpointAndLogCleanup) {
  TempDir tmp;
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  delta::TableOptions options;
  options.clock_ms = [&now] { return now; };
  auto bronze = LayerTable::OpenRaw(tmp.str(), options);
  ASSERT_THAT(bronze, IsOk());
  const Timeframe tf = Timeframe::k5m;
  // 13 rebuilds of one partition, each recording the source watermark it used.
  for (int i = 0; i < 13; ++i) {
    ASSERT_THAT(bronze->ReplacePartition(Sym("TCS.NS"), tf, RawRows("TCS.NS", {i}), {}, 100 + i), IsOk());
  }
  ASSERT_THAT(bronze->ReplacePartition(Sym("INFY.NS"), tf, RawRows("INFY.NS", {0}), {}, -1), IsOk());
  auto marks = bronze->RecordedWatermarks();
  ASSERT_THAT(marks, IsOk());
  EXPECT_EQ(*marks, (std::map<std::string, int64_t>{{"TCS.NS/5m", 112}, {"INFY.NS/5m", -1}}));
  now += 40LL * 24 * 3600 * 1000;  // past the default 30-day log retention
  auto cleaned = bronze->table().CleanupLog();
  ASSERT_THAT(cleaned, IsOk());
  EXPECT_FALSE(cleaned->files.empty());
  delta::Table::ClearSnapshotCache();
  auto reopened = LayerTable::OpenRaw(tmp.str(), options);
  ASSERT_THAT(reopened, IsOk());
  auto history = reopened->table().History();
  ASSERT_THAT(history, IsOk());
  EXPECT_EQ(history->front().version, 10);  // the commits that recorded them are gone
  auto after = reopened->RecordedWatermarks();
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ(*after, *marks);
  EXPECT_THAT(reopened->ReplacePartition(Sym("TCS.NS"), tf, RawRows("TCS.NS", {1}), {}, -2),
              ErrorIs(ErrorCode::kInvalidArgument, "source_watermark"));
}

TEST(LayersTest, PartitionWatermarkKeepsTheAddingVersionAcrossACheckpoint) {
  TempDir tmp;
  auto raw = LayerTable::OpenRaw(tmp.str());
  ASSERT_THAT(raw, IsOk());
  const Timeframe tf = Timeframe::k5m;
  ASSERT_THAT(raw->Append(RawRows("INFY.NS", {0})), IsOk());  // version 1
  for (int i = 0; i < 11; ++i) ASSERT_THAT(raw->Append(RawRows("TCS.NS", {i})), IsOk());  // 2..12
  auto infy = raw->PartitionWatermark(Sym("INFY.NS"), tf);
  ASSERT_THAT(infy, IsOk());
  EXPECT_EQ(*infy, 1);
  delta::Table::ClearSnapshotCache();
  auto reopened = LayerTable::OpenRaw(tmp.str());  // starts at checkpoint 10
  ASSERT_THAT(reopened, IsOk());
  auto snap = reopened->table().Latest();
  ASSERT_THAT(snap, IsOk());
  EXPECT_EQ((*snap)->first_timestamp_version, 10);
  EXPECT_EQ(*reopened->PartitionWatermark(Sym("INFY.NS"), tf), 1);
  EXPECT_EQ(*reopened->PartitionWatermark(Sym("TCS.NS"), tf), 12);
  // The map of every partition answers the same, a partition without files included.
  const auto marks = LayerTable::PartitionWatermarks(**snap);
  for (const char* symbol : {"INFY.NS", "TCS.NS", "RELIANCE.NS"}) {
    auto one = reopened->PartitionWatermark(Sym(symbol), tf);
    ASSERT_THAT(one, IsOk());
    EXPECT_EQ(WatermarkIn(marks, LayerTable::PartitionKey(Sym(symbol), tf)), *one) << symbol;
  }
  EXPECT_EQ(WatermarkIn(marks, "RELIANCE.NS/5m"), -1);
}

}  // namespace
}  // namespace rc::lake::layers
