// Delta tables end to end (lake/delta/table.h): create, append, time travel,
// reconciliation, partitions with hostile values, concurrency, maintenance.
#include "lake/delta/table.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <thread>

#include "delta_test_util.h"
#include "lake/parquet_test_util.h"
#include "lake/paths.h"
#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc::lake::delta {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;
using rc::testing::TempDir;
using namespace testing_util;


TEST(DeltaTableTest, CreateWritesProtocolAndMetadata) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  std::string log = rc::testing::ReadFile(Dir(tmp) + "/_delta_log/00000000000000000000.json");
  EXPECT_NE(log.find(R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})"), std::string::npos);
  EXPECT_NE(log.find(R"("partitionColumns":["symbol","timeframe"])"), std::string::npos);
  EXPECT_NE(log.find(R"("format":{"provider":"parquet","options":{}})"), std::string::npos);
  EXPECT_NE(log.find(R"("engineInfo":"regimecast/)"), std::string::npos);
  auto snap = t->Latest();
  ASSERT_THAT(snap, IsOk());
  EXPECT_EQ((*snap)->version, 0);
  EXPECT_EQ((*snap)->schema(), BarsSchema());
  EXPECT_TRUE((*snap)->files.empty());
  EXPECT_THAT(Table::Create(Dir(tmp), BarsCreate()), ErrorIs(ErrorCode::kConflict));
}

TEST(DeltaTableTest, CreateValidatesSchema) {
  TempDir tmp;
  CreateOptions bad = BarsCreate();
  bad.partition_columns = {"nope"};
  EXPECT_THAT(Table::Create(Dir(tmp), bad), ErrorIs(ErrorCode::kInvalidArgument, "partition_columns"));
  bad = BarsCreate();
  bad.schema.fields.push_back({"Close", ColumnType::kDouble, true});
  EXPECT_THAT(Table::Create(Dir(tmp), bad), ErrorIs(ErrorCode::kInvalidArgument, "schema"));
  bad = BarsCreate();
  bad.schema.fields[3].name = "a b";
  EXPECT_THAT(Table::Create(Dir(tmp), bad), ErrorIs(ErrorCode::kInvalidArgument, "schema"));
  bad = BarsCreate();
  bad.configuration["delta.enableChangeDataFeed"] = "true";
  EXPECT_THAT(Table::Create(Dir(tmp), bad), ErrorIs(ErrorCode::kInvalidArgument, "configuration"));
  EXPECT_THAT(Table::Open(Dir(tmp)), ErrorIs(ErrorCode::kNotFound));
}

TEST(DeltaTableTest, AppendAndReadBackWithPartitionsReattached) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  ColumnBatch rows = Bars("AAPL", 3);
  ASSERT_THAT(rows.Append(Bars("EURUSD=X", 2)), IsOk());
  rows.SetNull(3, 1);
  auto c = t->Append(rows, {.lineage = {.source_versions = {{"raw/bars", 4}}, .attributes = {{"batch_id", "b1"}}}});
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->version, 1);
  EXPECT_EQ(c->files_added, 2);
  EXPECT_EQ(c->attempts, 1);
  EXPECT_TRUE(std::filesystem::is_directory(Dir(tmp) + "/symbol=EURUSD%3DX/timeframe=5m"));

  auto snap = t->Latest();
  ASSERT_THAT(snap, IsOk());
  ASSERT_EQ((*snap)->files.size(), 2u);
  for (const auto& [rel, f] : (*snap)->files) {
    // Partition columns are not stored in data files; stats carry all four keys.
    EXPECT_NE(f.add.stats.find("\"numRecords\""), std::string::npos);
    EXPECT_NE(f.add.stats.find("\"minValues\""), std::string::npos);
    EXPECT_NE(f.add.stats.find("\"maxValues\""), std::string::npos);
    EXPECT_NE(f.add.stats.find("\"nullCount\""), std::string::npos);
    EXPECT_NE(f.add.stats.find("\"ts\":\"2023-11-14T22:13:20.000Z\""), std::string::npos) << f.add.stats;
    EXPECT_EQ(f.add.stats.find("\"symbol\""), std::string::npos);
    auto reader = parquet::Reader::OpenFile(Dir(tmp) + "/" + rel);
    ASSERT_THAT(reader, IsOk());
    EXPECT_EQ(reader->info().schema.FieldIndex("symbol"), -1);
    EXPECT_GE(reader->info().schema.FieldIndex("close"), 0);
  }
  EXPECT_EQ((*snap)->files.begin()->second.add.path.find("EURUSD%253DX") != std::string::npos ||
                std::next((*snap)->files.begin())->second.add.path.find("EURUSD%253DX") != std::string::npos,
            true);

  auto all = t->Scan(**snap);
  ASSERT_THAT(all, IsOk());
  ASSERT_EQ(all->num_rows(), 5u);
  EXPECT_EQ(all->schema(), BarsSchema());
  EXPECT_EQ(all->Strings(0)[0], "AAPL");
  EXPECT_EQ(all->Strings(0)[4], "EURUSD=X");
  EXPECT_TRUE(all->column(3).IsNull(1));
  EXPECT_EQ(all->Doubles(3)[2], 102.0);

  auto eur = t->Scan(**snap, {.columns = {"close", "symbol"}, .partition_filter = {{"symbol", "EURUSD=X"}}});
  ASSERT_THAT(eur, IsOk());
  ASSERT_EQ(eur->num_rows(), 2u);
  EXPECT_EQ(eur->schema().fields[0].name, "close");
  EXPECT_EQ(eur->Strings(1)[1], "EURUSD=X");

  auto hist = t->History();
  ASSERT_THAT(hist, IsOk());
  ASSERT_EQ(hist->size(), 2u);
  EXPECT_EQ((*hist)[0].operation, "CREATE TABLE");
  EXPECT_EQ((*hist)[1].operation, "WRITE");
  EXPECT_NE((*hist)[1].commit_info_json.find(R"("sourceVersions":{"raw/bars":4})"), std::string::npos);
  EXPECT_NE((*hist)[1].commit_info_json.find(R"("batch_id":"b1")"), std::string::npos);
}

TEST(DeltaTableTest, AppendingAMovedBatchWritesWhatAppendingACopyWrites) {
  // One partition (its columns move into the file), two partitions, and a
  // batch whose columns are in another order (conformed first), each appended
  // by copy to one table and moved into another: the same rows come back.
  ColumnBatch two_partitions = Bars("AAPL", 3);
  ASSERT_THAT(two_partitions.Append(Bars("MSFT", 4)), IsOk());
  ColumnBatch reordered = *Bars("TSLA", 5).Project({"close", "ts", "timeframe", "symbol"});
  ColumnBatch with_null = Bars("AAPL", 6);
  with_null.SetNull(3, 2);
  for (const ColumnBatch& rows : {Bars("AAPL", 4), two_partitions, reordered, with_null}) {
    TempDir copied_dir, moved_dir;
    auto copied = Table::Create(Dir(copied_dir), BarsCreate());
    auto moved = Table::Create(Dir(moved_dir), BarsCreate());
    ASSERT_THAT(copied, IsOk());
    ASSERT_THAT(moved, IsOk());
    auto by_copy = copied->Append(rows);
    ASSERT_THAT(by_copy, IsOk());
    ColumnBatch given = rows;
    auto by_move = moved->Append(std::move(given));
    ASSERT_THAT(by_move, IsOk());
    EXPECT_EQ(by_move->files_added, by_copy->files_added);
    EXPECT_EQ(by_move->rows_added, static_cast<int64_t>(rows.num_rows()));
    auto copied_rows = copied->Scan(**copied->Latest());
    auto moved_rows = moved->Scan(**moved->Latest());
    ASSERT_THAT(copied_rows, IsOk());
    ASSERT_THAT(moved_rows, IsOk());
    EXPECT_EQ(moved_rows->num_rows(), rows.num_rows());
    EXPECT_TRUE(lake::testing::BatchesEqual(*copied_rows, *moved_rows));
  }
  // A moved batch that is refused is refused as a copied one would be.
  TempDir bad_dir;
  auto table = Table::Create(Dir(bad_dir), BarsCreate());
  ASSERT_THAT(table, IsOk());
  ColumnBatch missing = *Bars("AAPL", 2).Project({"symbol", "timeframe", "ts"});
  EXPECT_THAT(table->Append(std::move(missing)), ErrorIs(ErrorCode::kInvalidArgument, "rows"));
}

TEST(DeltaTableTest, AppendValidatesRows) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  ColumnBatch wrong(Schema{{{"symbol", ColumnType::kString, false}}});
  EXPECT_THAT(t->Append(wrong), ErrorIs(ErrorCode::kInvalidArgument, "rows"));
  ColumnBatch empty_symbol = Bars("", 1);
  EXPECT_THAT(t->Append(empty_symbol), ErrorIs(ErrorCode::kInvalidArgument, "symbol"));
  Schema nullable_ts = BarsSchema();
  nullable_ts.fields[2].nullable = true;
  ColumnBatch nulls(nullable_ts);
  nulls.Strings(0) = {"A"};
  nulls.Strings(1) = {"5m"};
  nulls.Int64s(2) = {0};
  nulls.Doubles(3) = {1};
  nulls.SetNull(2, 0);
  EXPECT_THAT(t->Append(nulls), ErrorIs(ErrorCode::kInvalidArgument, "ts"));
  auto none = t->Append(ColumnBatch(BarsSchema()));
  ASSERT_THAT(none, IsOk());
  EXPECT_FALSE(none->committed);
  EXPECT_EQ((*t->Latest())->version, 0);
}

TEST(DeltaTableTest, ColumnOrderOfTheBatchDoesNotMatter) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  auto shuffled = Bars("A", 2).Project({"close", "ts", "timeframe", "symbol"});
  ASSERT_THAT(shuffled, IsOk());
  ASSERT_THAT(t->Append(*shuffled), IsOk());
  auto rows = t->Scan(**t->Latest());
  ASSERT_THAT(rows, IsOk());
  EXPECT_EQ(rows->Doubles(3)[1], 101.0);
}

TEST(DeltaTableTest, TimeTravelReadsEveryVersion) {
  TempDir tmp;
  int64_t now = 1'000'000;
  TableOptions opts;
  opts.clock_ms = [&now] { return now; };
  auto t = Table::Create(Dir(tmp), BarsCreate(), opts);
  ASSERT_THAT(t, IsOk());
  for (int v = 1; v <= 4; ++v) {
    now += 1000;
    ASSERT_THAT(t->Append(Bars("S" + std::to_string(v), v)), IsOk());
  }
  for (int v = 0; v <= 4; ++v) EXPECT_EQ(RowCount(*t, v), v * (v + 1) / 2) << v;
  EXPECT_THAT(t->AtVersion(5), ErrorIs(ErrorCode::kNotFound));
  EXPECT_THAT(t->AtVersion(-1), ErrorIs(ErrorCode::kInvalidArgument, "version"));

  // As of: commit timestamps are 1'000'000 + 1000 * v ms.
  auto at = [&](int64_t ms) -> int64_t {
    auto s = t->AsOf(ms * 1000);
    return s ? (*s)->version : -1;
  };
  EXPECT_EQ(at(1'000'000), 0);
  EXPECT_EQ(at(1'002'500), 2);
  EXPECT_EQ(at(1'003'000), 3);
  EXPECT_EQ(at(9'999'999), 4);
  EXPECT_THAT(t->AsOf(999'999'000), ErrorIs(ErrorCode::kNotFound));
}

TEST(DeltaTableTest, CommitTimestampsAreMadeMonotonic) {
  TempDir tmp;
  int64_t now = 5000;
  TableOptions opts;
  opts.clock_ms = [&now] { return now; };
  auto t = Table::Create(Dir(tmp), BarsCreate(), opts);
  ASSERT_THAT(t, IsOk());
  now = 4000;  // clock went backwards
  ASSERT_THAT(t->Append(Bars("A", 1)), IsOk());
  auto hist = t->History();
  ASSERT_THAT(hist, IsOk());
  EXPECT_EQ((*hist)[1].timestamp_ms, 5001);
  EXPECT_EQ((*t->Latest())->commit_timestamps, (std::vector<int64_t>{5000, 5001}));
}

TEST(DeltaTableTest, TimeRangeSkipsFilesByStatsAndFiltersRows) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  const int64_t t0 = 1'700'000'000'000'000;
  ASSERT_THAT(t->Append(Bars("A", 10, t0)), IsOk());
  ASSERT_THAT(t->Append(Bars("A", 10, t0 + 3600'000'000LL)), IsOk());
  auto snap = t->Latest();
  ASSERT_THAT(snap, IsOk());
  // Make the first file unreadable: a range that excludes it by stats must not open it.
  const LiveFile* first = (*snap)->FilesInOrder()[0];
  rc::testing::WriteFile(Dir(tmp) + "/" + first->rel_path, "garbage");
  auto late = t->Scan(**snap, {.time_column = "ts", .time_min = t0 + 3600'000'000LL + 120'000'000,
                               .time_max = t0 + 3600'000'000LL + 240'000'000});
  ASSERT_THAT(late, IsOk());
  ASSERT_EQ(late->num_rows(), 3u);
  EXPECT_EQ(late->Doubles(3)[0], 102.0);
  EXPECT_FALSE(t->Scan(**snap, {.time_column = "ts", .time_min = t0, .time_max = t0 + 60'000'000}).has_value());
  EXPECT_THAT(t->Scan(**snap, {.time_column = "close"}), ErrorIs(ErrorCode::kInvalidArgument, "time_column"));
  EXPECT_THAT(t->Scan(**snap, {.columns = {"nope"}}), ErrorIs(ErrorCode::kNotFound));
  auto limited = t->Scan(**snap, {.time_column = "ts", .time_min = t0 + 3600'000'000LL, .limit = 4});
  ASSERT_THAT(limited, IsOk());
  EXPECT_EQ(limited->num_rows(), 4u);
}

TEST(DeltaTableTest, HostilePartitionValuesRoundTrip) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  std::vector<std::string> hostile = {"../x", "=", "%", "/", "a/../../b", "日本語", "%2F", "..", " sp ace", "q?#*"};
  ColumnBatch rows(BarsSchema());
  for (const auto& s : hostile) ASSERT_THAT(rows.Append(Bars(s, 1)), IsOk());
  ASSERT_THAT(t->Append(rows), IsOk());
  // Nothing was written outside the table directory.
  for (const auto& e : std::filesystem::directory_iterator(tmp.path())) EXPECT_EQ(e.path().filename(), "t");
  auto all = t->Scan(**t->Latest());
  ASSERT_THAT(all, IsOk());
  ASSERT_EQ(all->num_rows(), hostile.size());
  for (size_t i = 0; i < hostile.size(); ++i) EXPECT_EQ(all->Strings(0)[i], hostile[i]);
  for (const auto& s : hostile) {
    auto one = t->Scan(**t->Latest(), {.partition_filter = {{"symbol", s}}});
    ASSERT_THAT(one, IsOk());
    ASSERT_EQ(one->num_rows(), 1u) << s;
  }
  Table::ClearSnapshotCache();
  auto reopened = Table::Open(Dir(tmp));
  ASSERT_THAT(reopened, IsOk());
  EXPECT_EQ(RowCount(*reopened, 1), static_cast<int64_t>(hostile.size()));
}

// Writes commit `version` by hand (to test reconciliation on logs we did not write).
void WriteCommit(const std::string& dir, int64_t version, const CommitActions& c) {
  rc::testing::WriteFile(paths::CommitFilePath(dir, version), SerializeCommit(c));
}

TEST(DeltaTableTest, ReconciliationRemoveAfterAddAndReAdd) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  ASSERT_THAT(t->Append(Bars("A", 2)), IsOk());  // v1
  auto s1 = t->Latest();
  ASSERT_THAT(s1, IsOk());
  AddFile add = (*s1)->files.begin()->second.add;
  CommitActions remove;
  remove.removes.push_back(RemoveFile{add.path, 1, true, true, add.partition_values, add.size});
  WriteCommit(t->dir(), 2, remove);
  CommitActions readd;
  readd.adds.push_back(add);
  WriteCommit(t->dir(), 3, readd);
  EXPECT_EQ(RowCount(*t, 1), 2);
  EXPECT_EQ(RowCount(*t, 2), 0);
  EXPECT_EQ(RowCount(*t, 3), 2);
  auto s2 = t->AtVersion(2);
  ASSERT_THAT(s2, IsOk());
  EXPECT_EQ((*s2)->tombstones.size(), 1u);
  auto s3 = t->AtVersion(3);
  EXPECT_TRUE((*s3)->tombstones.empty());
  // The same file spelled with a different (equivalent) percent-encoding is the same key.
  CommitActions remove2;
  std::string alt = add.path;
  alt.replace(alt.find("symbol="), 7, "symbol%3D");
  remove2.removes.push_back(RemoveFile{alt, 1, true, false, std::nullopt, std::nullopt});
  WriteCommit(t->dir(), 4, remove2);
  EXPECT_EQ(RowCount(*t, 4), 0);
}

TEST(DeltaTableTest, CorruptOrMissingCommitsAreDataCorrupt) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  ASSERT_THAT(t->Append(Bars("A", 2)), IsOk());
  rc::testing::WriteFile(paths::CommitFilePath(t->dir(), 2), "{\"add\":{\"path\":\"x\"\n");
  EXPECT_THAT(t->Latest(), ErrorIs(ErrorCode::kDataCorrupt, "00000000000000000002.json:1"));
  EXPECT_EQ(RowCount(*t, 1), -1);  // latest cannot be determined: not silently version 1
  std::filesystem::remove(paths::CommitFilePath(t->dir(), 2));
  rc::testing::WriteFile(paths::CommitFilePath(t->dir(), 3), "{}\n");
  EXPECT_THAT(t->Latest(), ErrorIs(ErrorCode::kDataCorrupt, "_delta_log"));
  std::filesystem::remove(paths::CommitFilePath(t->dir(), 3));
  CommitActions escape;
  escape.adds.push_back(AddFile{"../../etc/passwd", {}, 1, 1, true, "", false});
  WriteCommit(t->dir(), 2, escape);
  EXPECT_THAT(t->Latest(), ErrorIs(ErrorCode::kDataCorrupt, "path"));
}

TEST(DeltaTableTest, UnsupportedProtocolIsRejectedClearly) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  CommitActions up;
  up.protocol = Protocol{3, 7, {"deletionVectors"}, {"deletionVectors"}};
  WriteCommit(t->dir(), 1, up);
  auto latest = t->Latest();
  ASSERT_THAT(latest, ErrorIs(ErrorCode::kUnsupported, "protocol"));
  EXPECT_NE(latest.error().message.find("deletionVectors"), std::string::npos);
  EXPECT_EQ(RowCount(*t, 0), -1);
}

TEST(DeltaTableTest, WriterVersionAboveTwoIsReadOnly) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  ASSERT_THAT(t->Append(Bars("A", 2)), IsOk());
  CommitActions up;
  up.protocol = Protocol{1, 7, {}, {"appendOnly", "invariants"}};
  WriteCommit(t->dir(), 2, up);
  EXPECT_EQ(RowCount(*t, 2), 2);
  EXPECT_THAT(t->Append(Bars("A", 1)), ErrorIs(ErrorCode::kUnsupported, "protocol"));
}

TEST(DeltaTableTest, UnreadableCheckpointWithoutEarlierCommitsIsDataCorrupt) {
  TempDir tmp;
  std::string dir = Dir(tmp);
  rc::testing::WriteFile(dir + "/_delta_log/00000000000000000010.checkpoint.parquet", "x");
  rc::testing::WriteFile(dir + "/_delta_log/00000000000000000011.json", "{}\n");
  EXPECT_THAT(Table::Open(dir), ErrorIs(ErrorCode::kDataCorrupt));
}

TEST(DeltaTableTest, MultiPartCheckpointOnlyLogIsUnsupported) {
  TempDir tmp;
  std::string dir = Dir(tmp);
  rc::testing::WriteFile(dir + "/_delta_log/00000000000000000010.checkpoint.0000000001.0000000002.parquet", "x");
  rc::testing::WriteFile(dir + "/_delta_log/00000000000000000010.checkpoint.0000000002.0000000002.parquet", "x");
  EXPECT_THAT(Table::Open(dir), ErrorIs(ErrorCode::kUnsupported, "checkpoint"));
}

TEST(DeltaTableTest, ReplacePartitionsIsAtomic) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  ASSERT_THAT(t->Append(Bars("A", 3)), IsOk());
  ASSERT_THAT(t->Append(Bars("A", 2, 1'800'000'000'000'000)), IsOk());
  ASSERT_THAT(t->Append(Bars("B", 4)), IsOk());
  PartitionValueMap a{{"symbol", "A"}, {"timeframe", "5m"}};
  auto r = t->ReplacePartitions({a}, Bars("A", 1, 0, 7.0));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->files_removed, 2);
  EXPECT_EQ(r->files_added, 1);
  EXPECT_EQ(RowCount(*t, 3), 9);
  EXPECT_EQ(RowCount(*t, 4), 5);
  auto rows = t->Scan(**t->Latest(), {.partition_filter = {{"symbol", "A"}}});
  ASSERT_EQ(rows->num_rows(), 1u);
  EXPECT_EQ(rows->Doubles(3)[0], 7.0);
  EXPECT_THAT(t->ReplacePartitions({a}, Bars("B", 1)), ErrorIs(ErrorCode::kInvalidArgument, "rows"));
  EXPECT_THAT(t->ReplacePartitions({{{"symbol", "A"}}}, Bars("A", 1)),
              ErrorIs(ErrorCode::kInvalidArgument, "partitions"));
  // Replacing with nothing deletes the partition.
  ASSERT_THAT(t->ReplacePartitions({a}, ColumnBatch(BarsSchema())), IsOk());
  EXPECT_EQ(RowCount(*t, 5), 4);
}

TEST(DeltaTableTest, AppendOnlyTablesRefuseReplace) {
  TempDir tmp;
  CreateOptions c = BarsCreate();
  c.configuration["delta.appendOnly"] = "true";
  auto t = Table::Create(Dir(tmp), c);
  ASSERT_THAT(t, IsOk());
  ASSERT_THAT(t->Append(Bars("A", 3)), IsOk());
  EXPECT_THAT(t->ReplacePartitions({{{"symbol", "A"}, {"timeframe", "5m"}}}, Bars("A", 1)),
              ErrorIs(ErrorCode::kUnsupported, "configuration"));
}

TEST(DeltaTableTest, CommitLoserRetriesAsNextVersion) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  // A second writer with its own view commits version 1 behind our back;
  // the snapshot cache is off so that our Append reads the stale version 0.
  TableOptions no_cache;
  no_cache.snapshot_cache = false;
  auto stale = Table::Open(Dir(tmp), no_cache);
  ASSERT_THAT(stale, IsOk());
  // Plant a competing commit at version 1 between our snapshot and our commit
  // by injecting it through a FileSystem hook: the LinkNoReplace of version 1
  // happens after the other writer's commit lands.
  RacingFs racing(LocalFileSystem(), [&] { ASSERT_THAT(stale->Append(Bars("B", 2)), IsOk()); });
  TableOptions opts;
  opts.fs = &racing;
  auto loser = Table::Open(Dir(tmp), opts);
  ASSERT_THAT(loser, IsOk());
  auto r = loser->Append(Bars("A", 3));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->version, 2);
  EXPECT_EQ(r->attempts, 2);
  EXPECT_EQ(RowCount(*t, 2), 5);
  // No temp commit file is left behind.
  for (const auto& e : std::filesystem::directory_iterator(Dir(tmp) + "/_delta_log")) {
    EXPECT_FALSE(paths::IsTempCommitFileName(e.path().filename().string())) << e.path();
  }
}

TEST(DeltaTableTest, ReplaceConflictsWithConcurrentChangeToItsPartition) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  ASSERT_THAT(t->Append(Bars("A", 3)), IsOk());
  TableOptions no_cache;
  no_cache.snapshot_cache = false;
  auto other = Table::Open(Dir(tmp), no_cache);
  ASSERT_THAT(other, IsOk());
  // A concurrent append to another partition does not conflict ...
  RacingFs racing_b(LocalFileSystem(), [&] { ASSERT_THAT(other->Append(Bars("B", 1)), IsOk()); });
  TableOptions ob;
  ob.fs = &racing_b;
  ob.snapshot_cache = false;
  auto w1 = Table::Open(Dir(tmp), ob);
  ASSERT_THAT(w1, IsOk());
  PartitionValueMap a{{"symbol", "A"}, {"timeframe", "5m"}};
  auto ok = w1->ReplacePartitions({a}, Bars("A", 1));
  ASSERT_THAT(ok, IsOk());
  EXPECT_EQ(ok->attempts, 2);
  // ... but one to the replaced partition does.
  RacingFs racing_a(LocalFileSystem(), [&] { ASSERT_THAT(other->Append(Bars("A", 1)), IsOk()); });
  TableOptions oa;
  oa.fs = &racing_a;
  oa.snapshot_cache = false;
  auto w2 = Table::Open(Dir(tmp), oa);
  ASSERT_THAT(w2, IsOk());
  auto conflict = w2->ReplacePartitions({a}, Bars("A", 5));
  EXPECT_THAT(conflict, ErrorIs(ErrorCode::kConflict));
  Table::ClearSnapshotCache();
  auto latest = t->Latest();
  ASSERT_THAT(latest, IsOk());
  EXPECT_EQ((*latest)->version, 4);
  EXPECT_EQ(RowCount(*t, 4), 3);  // B:1, A:1 (replace), A:1 (append); the loser wrote nothing visible
}

TEST(DeltaTableTest, WritersInThreadsNeverLoseRows) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  constexpr int kThreads = 4;
  constexpr int kBatches = 8;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&, w] {
      TableOptions opts;
      opts.snapshot_cache = (w % 2 == 0);
      auto mine = Table::Open(Dir(tmp), opts);
      if (!mine) {
        ++failures;
        return;
      }
      for (int b = 0; b < kBatches; ++b) {
        if (!mine->Append(Bars("W" + std::to_string(w), 3))) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto latest = t->Latest();
  ASSERT_THAT(latest, IsOk());
  EXPECT_EQ((*latest)->version, kThreads * kBatches);
  EXPECT_EQ(RowCount(*t, (*latest)->version), kThreads * kBatches * 3);
}

TEST(DeltaTableTest, CompactionKeepsDataAndMarksNoDataChange) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  for (int i = 0; i < 4; ++i) ASSERT_THAT(t->Append(Bars("A", 2, 1'700'000'000'000'000 + i * 1'000'000'000LL)), IsOk());
  ASSERT_THAT(t->Append(Bars("B", 2)), IsOk());  // a single file: nothing to compact there
  auto before = t->Scan(**t->Latest());
  ASSERT_THAT(before, IsOk());
  auto c = t->Compact();
  ASSERT_THAT(c, IsOk());
  ASSERT_TRUE(c->version.has_value());
  EXPECT_EQ(c->files_removed, 4);
  EXPECT_EQ(c->files_added, 1);
  EXPECT_EQ(c->partitions, 1);
  auto snap = t->Latest();
  EXPECT_EQ((*snap)->files.size(), 2u);
  for (const auto& [rel, f] : (*snap)->files) {
    if (f.version == *c->version) {
      EXPECT_FALSE(f.add.data_change);
    }
  }
  auto after = t->Scan(**snap);
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ(after->num_rows(), before->num_rows());
  std::multiset<double> a(before->Doubles(3).begin(), before->Doubles(3).end());
  std::multiset<double> b(after->Doubles(3).begin(), after->Doubles(3).end());
  EXPECT_EQ(a, b);
  std::string log = rc::testing::ReadFile(paths::CommitFilePath(t->dir(), *c->version));
  EXPECT_NE(log.find(R"("operation":"OPTIMIZE")"), std::string::npos);
  EXPECT_EQ(log.find(R"("dataChange":true)"), std::string::npos);
  auto again = t->Compact();
  ASSERT_THAT(again, IsOk());
  EXPECT_FALSE(again->version.has_value());
}

TEST(DeltaTableTest, VacuumDeletesOnlyOldUnreferencedFiles) {
  TempDir tmp;
  int64_t now = 1'700'000'000'000;
  TableOptions opts;
  opts.clock_ms = [&now] { return now; };
  auto t = Table::Create(Dir(tmp), BarsCreate(), opts);
  ASSERT_THAT(t, IsOk());
  ASSERT_THAT(t->Append(Bars("A", 2)), IsOk());
  ASSERT_THAT(t->Append(Bars("A", 2)), IsOk());
  ASSERT_THAT(t->Compact(), IsOk());
  auto snap = t->Latest();
  ASSERT_EQ((*snap)->tombstones.size(), 2u);
  // A stray file (e.g. from a crashed writer) and a stale temp commit.
  rc::testing::WriteFile(Dir(tmp) + "/symbol=A/timeframe=5m/part-00000-orphan.c000.snappy.parquet", "x");
  rc::testing::WriteFile(Dir(tmp) + "/_delta_log/.00000000000000000009.json.abc.tmp", "x");
  rc::testing::WriteFile(Dir(tmp) + "/_delta_log/_last_checkpoint.bak", "keep");
  // Files are fresh by mtime: default retention deletes nothing.
  auto none = t->Vacuum();
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->files.empty());
  // Far in the future everything unreferenced is old enough.
  now += 8LL * 24 * 3600 * 1000 + 1000LL * 3600 * 1000 * 24 * 365;
  auto dry = t->Vacuum({.dry_run = true});
  ASSERT_THAT(dry, IsOk());
  EXPECT_EQ(dry->files.size(), 4u);
  auto done = t->Vacuum();
  ASSERT_THAT(done, IsOk());
  EXPECT_EQ(done->files, dry->files);
  EXPECT_GT(done->bytes, 0);
  // The current version is intact; old versions lost their files.
  EXPECT_EQ(RowCount(*t, (*snap)->version), 4);
  EXPECT_EQ(RowCount(*t, 1), -1);
  EXPECT_TRUE(std::filesystem::exists(Dir(tmp) + "/_delta_log/_last_checkpoint.bak"));
  EXPECT_THAT(t->Vacuum({.retention_ms = -1}), ErrorIs(ErrorCode::kInvalidArgument, "retention"));
}

TEST(DeltaTableTest, SnapshotCacheReplaysOnlyNewCommits) {
  TempDir tmp;
  FaultInjectionFileSystem counting(LocalFileSystem());
  TableOptions opts;
  opts.fs = &counting;
  auto t = Table::Create(Dir(tmp), BarsCreate(), opts);
  ASSERT_THAT(t, IsOk());
  for (int i = 0; i < 5; ++i) ASSERT_THAT(t->Append(Bars("A", 1)), IsOk());
  ASSERT_THAT(t->Latest(), IsOk());
  counting.ResetCounter();
  // Nothing new: the cached version still exists, the next commit does not
  // (and neither does the one after it, which would mean a gap). No listing.
  auto s = t->Latest();
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(counting.op_count(), 3);
  ASSERT_THAT(t->Append(Bars("A", 1)), IsOk());
  counting.ResetCounter();
  ASSERT_THAT(t->Latest(), IsOk());
  // The same plus reading the single new commit (its timestamp is in commitInfo).
  EXPECT_EQ(counting.op_count(), 4);
}

TEST(DeltaTableTest, OpenOrCreateChecksTheSchema) {
  TempDir tmp;
  ASSERT_THAT(Table::OpenOrCreate(Dir(tmp), BarsCreate()), IsOk());
  ASSERT_THAT(Table::OpenOrCreate(Dir(tmp), BarsCreate()), IsOk());
  CreateOptions other = BarsCreate();
  other.partition_columns = {"symbol"};
  EXPECT_THAT(Table::OpenOrCreate(Dir(tmp), other), ErrorIs(ErrorCode::kConflict));
}

TEST(DeltaTableTest, UnpartitionedTablesAndTypedPartitionValues) {
  TempDir tmp;
  Schema s{{{"d", ColumnType::kDate, true},
            {"n", ColumnType::kInt32, true},
            {"b", ColumnType::kBool, true},
            {"t", ColumnType::kTimestampMicros, true},
            {"v", ColumnType::kInt64, true}}};
  auto t = Table::Create(Dir(tmp), {s, {"d", "n", "b", "t"}, {}, {}, {}});
  ASSERT_THAT(t, IsOk());
  ColumnBatch rows(s);
  rows.Int32s(0) = {19000, 19000};
  rows.Int32s(1) = {-5, 7};
  rows.Bools(2) = {1, 0};
  rows.Int64s(3) = {1'700'000'000'123'456, 0};
  rows.Int64s(4) = {1, 2};
  rows.SetNull(1, 1);
  ASSERT_THAT(t->Append(rows), IsOk());
  auto back = t->Scan(**t->Latest());
  ASSERT_THAT(back, IsOk());
  ASSERT_EQ(back->num_rows(), 2u);
  EXPECT_EQ(back->Int32s(0), rows.Int32s(0));
  EXPECT_EQ(back->Int32s(1)[0], -5);
  EXPECT_TRUE(back->column(1).IsNull(1));
  EXPECT_EQ(back->Bools(2), rows.Bools(2));
  EXPECT_EQ(back->Int64s(3), rows.Int64s(3));
  auto snap = t->Latest();
  bool saw_iso = false;
  for (const auto& [rel, f] : (*snap)->files) {
    if (f.add.partition_values.at("t") == "2023-11-14T22:13:20.123456Z") saw_iso = true;
    EXPECT_EQ(f.add.partition_values.at("d"), "2022-01-08");
  }
  EXPECT_TRUE(saw_iso);

  TempDir tmp2;
  auto u = Table::Create(Dir(tmp2), {Schema{{{"x", ColumnType::kDouble, false}}}, {}, {}, {}, {}});
  ASSERT_THAT(u, IsOk());
  ColumnBatch xs(Schema{{{"x", ColumnType::kDouble, false}}});
  xs.Doubles(0) = {1.5, 2.5};
  ASSERT_THAT(u->Append(xs), IsOk());
  auto ub = u->Scan(**u->Latest());
  ASSERT_THAT(ub, IsOk());
  EXPECT_EQ(ub->Doubles(0), xs.Doubles(0));
  EXPECT_THAT(u->ReplacePartitions({}, xs), ErrorIs(ErrorCode::kInvalidArgument, "partitions"));
}

TEST(DeltaTableTest, LargeAppendsAreSplitIntoFiles) {
  TempDir tmp;
  TableOptions opts;
  opts.max_rows_per_file = 4;
  auto t = Table::Create(Dir(tmp), BarsCreate(), opts);
  ASSERT_THAT(t, IsOk());
  auto r = t->Append(Bars("A", 10));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->files_added, 3);
  auto rows = t->Scan(**t->Latest());
  ASSERT_EQ(rows->num_rows(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(rows->Doubles(3)[static_cast<size_t>(i)], 100.0 + i);
}

}  // namespace
}  // namespace rc::lake::delta
