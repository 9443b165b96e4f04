// Delta checkpoints: written every 10 commits with _last_checkpoint, read by a
// fresh process instead of the commits before them (the cost of opening does
// not grow with the history), surviving failures at any point of the commit
// that writes them, and log cleanup behind them with time travel failing
// clearly for what was removed. Interop with delta-rs / DuckDB / pyarrow:
// tests/lake/test_delta_checkpoints.py.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "delta_test_util.h"
#include "lake/delta/internal/checkpoint.h"
#include "lake/delta/table.h"
#include "lake/parquet/internal/nested.h"
#include "lake/parquet/parquet.h"
#include "lake/paths.h"
#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc::lake::delta {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;
using rc::testing::TempDir;
using namespace testing_util;
namespace fs = std::filesystem;

int64_t WallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Appends `commits` one-row commits, alternating two symbols, each recording
// a txn watermark for its symbol.
void AppendCommits(Table& table, int commits, int first = 0) {
  for (int i = first; i < first + commits; ++i) {
    const std::string symbol = i % 2 == 0 ? "A" : "B";
    WriteOptions write;
    write.txns["watermark/" + symbol] = i;
    ASSERT_THAT(table.Append(Bars(symbol, 1, kT0 + int64_t{i} * kMinute, i), write), IsOk());
  }
}

std::vector<double> Closes(const Table& table, const Snapshot& snap) {
  auto rows = table.Scan(snap, {.columns = {"close"}});
  EXPECT_THAT(rows, IsOk());
  return rows ? std::vector<double>(rows->Doubles(0)) : std::vector<double>{};
}

bool LogHas(const Table& table, const std::string& name) { return fs::exists(paths::LogDir(table.dir()) + "/" + name); }

TEST(DeltaCheckpointTest, EveryTenthCommitWritesACheckpointAndLastCheckpoint) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  AppendCommits(*t, 25);
  EXPECT_TRUE(LogHas(*t, "00000000000000000010.checkpoint.parquet"));
  EXPECT_TRUE(LogHas(*t, "00000000000000000020.checkpoint.parquet"));
  EXPECT_FALSE(LogHas(*t, "00000000000000000025.checkpoint.parquet"));
  auto last = boost::json::parse(rc::testing::ReadFile(paths::LastCheckpointPath(t->dir()))).as_object();
  EXPECT_EQ(last.at("version").as_int64(), 20);
  // protocol + metaData + 2 txns + 20 adds
  EXPECT_EQ(last.at("size").as_int64(), 24);
  EXPECT_EQ(last.at("numOfAddFiles").as_int64(), 20);

  // The checkpoint holds the protocol's columns and one action per row.
  auto reader = parquet::Reader::OpenFile(paths::CheckpointFilePath(t->dir(), 20));
  ASSERT_THAT(reader, IsOk());
  EXPECT_EQ(reader->info().nested_columns,
            (std::vector<std::string>{"txn", "add", "remove", "metaData", "protocol"}));
  auto rows = parquet::internal::ReadNested(*reader, {"add", "txn"});
  ASSERT_THAT(rows, IsOk());
  int adds = 0;
  for (const auto& row : *rows) {
    if (!row.at("add").is_null()) {
      ++adds;
      const auto& add = row.at("add").as_object();
      EXPECT_EQ(add.at("partitionValues").as_object().at("timeframe").as_string(), "5m");
      EXPECT_TRUE(add.at("tags").as_object().contains("regimecast.addedInVersion"));
    }
  }
  EXPECT_EQ(adds, 20);
}

TEST(DeltaCheckpointTest, FreshOpenStartsAtTheCheckpointAndSeesTheSameTable) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  AppendCommits(*t, 23);
  auto before = t->Latest();
  ASSERT_THAT(before, IsOk());
  const auto closes = Closes(*t, **before);

  Table::ClearSnapshotCache();
  auto reopened = Table::Open(Dir(tmp));
  ASSERT_THAT(reopened, IsOk());
  auto after = reopened->Latest();
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ((*after)->version, 23);
  EXPECT_EQ((*after)->first_timestamp_version, 20);  // read from checkpoint 20
  EXPECT_EQ(Closes(*reopened, **after), closes);     // same files, same scan order
  EXPECT_EQ((*after)->txn_versions, (*before)->txn_versions);
  EXPECT_EQ((*after)->txn_versions.at("watermark/A"), 22);
  // The version that added each file survives the checkpoint.
  for (const auto& [path, file] : (*before)->files) EXPECT_EQ((*after)->files.at(path).version, file.version);
  // Time travel inside and before the checkpoint.
  EXPECT_EQ(RowCount(*reopened, 15), 15);
  EXPECT_EQ(RowCount(*reopened, 20), 20);
  EXPECT_EQ(RowCount(*reopened, 3), 3);
}

// Counts reads of log files through a wrapped file system.
class CountingFileSystem : public FaultInjectionFileSystem {
 public:
  using FaultInjectionFileSystem::FaultInjectionFileSystem;
  Result<std::string> ReadFile(const std::string& path) override {
    if (path.find("/_delta_log/") != std::string::npos) ++log_reads;
    return FaultInjectionFileSystem::ReadFile(path);
  }
  Result<std::vector<DirEntry>> ListDir(const std::string& dir) override {
    ++listings;
    return FaultInjectionFileSystem::ListDir(dir);
  }
  int log_reads = 0;
  int listings = 0;
};

// Opens `dir` through `file_system` as a fresh process would (no cached snapshot).
Result<Table> OpenFresh(const std::string& dir, FileSystem& file_system) {
  Table::ClearSnapshotCache();
  TableOptions options;
  options.fs = &file_system;
  return Table::Open(dir, options);
}

// Log files read, and listings made, by opening the table in a fresh process.
std::pair<int, int> OpenCost(const std::string& dir) {
  CountingFileSystem counting(LocalFileSystem());
  EXPECT_THAT(OpenFresh(dir, counting), IsOk());
  return {counting.log_reads, counting.listings};
}

TEST(DeltaCheckpointTest, OpeningAfterThousandsOfCommitsReadsAsFewLogFilesAsAfterTen) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  AppendCommits(*t, 15);
  const auto small = OpenCost(Dir(tmp));
  // Version 1505: the same distance past its checkpoint (1500) as 15 is past 10.
  AppendCommits(*t, 1490, 15);
  const auto large = OpenCost(Dir(tmp));
  EXPECT_EQ(large, small);
  // _last_checkpoint, the checkpoint, commit 10 (its timestamp), commits 11..15,
  // and the probe for 16 that finds the end of the log; no listing.
  EXPECT_EQ(small.first, 9);
  EXPECT_EQ(small.second, 0);
}

TEST(DeltaCheckpointTest, AFailureAtAnyStepOfTheCheckpointingCommitLeavesTheTableReadable) {
  TempDir tmp;
  const std::string seed = tmp.str() + "/seed";
  {
    auto t = Table::Create(seed, BarsCreate());
    ASSERT_THAT(t, IsOk());
    AppendCommits(*t, 9);
  }
  for (int fail_at = 1; fail_at <= 40; ++fail_at) {
    SCOPED_TRACE("failing operation " + std::to_string(fail_at));
    const std::string dir = tmp.str() + "/run" + std::to_string(fail_at);
    fs::copy(seed, dir, fs::copy_options::recursive);
    FaultInjectionFileSystem faults(LocalFileSystem());
    auto t = OpenFresh(dir, faults);
    ASSERT_THAT(t, IsOk());
    faults.FailAtOp(fail_at, /*sticky=*/true);
    auto commit = t->Append(Bars("A", 1, 1'800'000'000'000'000, 10));
    ASSERT_THAT(faults.SimulateCrash(), IsOk());
    Table::ClearSnapshotCache();
    auto reopened = Table::Open(dir);
    ASSERT_THAT(reopened, IsOk());
    auto snap = reopened->Latest();
    ASSERT_THAT(snap, IsOk());
    // Version 10 is there exactly when the commit was reported (or its link survived).
    if (commit) {
      EXPECT_EQ((*snap)->version, 10);
    }
    EXPECT_EQ(RowCount(*reopened, (*snap)->version), (*snap)->version);
  }
}

TEST(DeltaCheckpointTest, CheckpointsThatFailOnAFullOrFailingDiskCostOnlyReadTimeAndResumeAfter) {
  for (int os_errno : {ENOSPC, EIO}) {
    SCOPED_TRACE(std::strerror(os_errno));
    TempDir tmp;
    FaultInjectionFileSystem faults(LocalFileSystem());
    ASSERT_THAT(Table::Create(Dir(tmp), BarsCreate()), IsOk());
    auto t = OpenFresh(Dir(tmp), faults);
    ASSERT_THAT(t, IsOk());
    // Only the checkpoint files fail: every commit itself succeeds.
    faults.InjectWriteFault({os_errno, "checkpoint"});
    AppendCommits(*t, 12);
    EXPECT_GT(faults.injected_write_failures(), 0);
    EXPECT_FALSE(LogHas(*t, paths::CheckpointFileName(10)));
    EXPECT_FALSE(LogHas(*t, "_last_checkpoint"));
    for (const auto& entry : fs::directory_iterator(paths::LogDir(t->dir()))) {
      // No torn checkpoint under a real name (temporary names are ignored by readers).
      EXPECT_TRUE(entry.path().filename().string().front() == '.' ||
                  entry.path().filename().string().find("checkpoint") == std::string::npos)
          << entry.path();
    }
    Table::ClearSnapshotCache();
    auto reopened = Table::Open(Dir(tmp));
    ASSERT_THAT(reopened, IsOk());
    EXPECT_EQ(RowCount(*reopened, 12), 12);  // the commits replay without a checkpoint

    faults.ClearWriteFault();
    AppendCommits(*t, 8, 12);  // version 20 writes the next checkpoint
    EXPECT_TRUE(LogHas(*t, paths::CheckpointFileName(20)));
    EXPECT_TRUE(LogHas(*t, "_last_checkpoint"));
    Table::ClearSnapshotCache();
    auto after = Table::Open(Dir(tmp));
    ASSERT_THAT(after, IsOk());
    EXPECT_EQ(RowCount(*after, 20), 20);
  }
}

TEST(DeltaCheckpointTest, CleanupRemovesExpiredLogBehindTheCheckpointAndTimeTravelFailsClearly) {
  TempDir tmp;
  int64_t now = WallClockMs();
  TableOptions options;
  options.clock_ms = [&now] { return now; };
  auto t = Table::Create(Dir(tmp), BarsCreate({{"delta.logRetentionDuration", "interval 1 hours"}}), options);
  ASSERT_THAT(t, IsOk());
  AppendCommits(*t, 35);
  // Nothing is older than an hour yet.
  auto fresh = t->CleanupLog();
  ASSERT_THAT(fresh, IsOk());
  EXPECT_TRUE(fresh->files.empty());

  now += 2 * 3600 * 1000;
  auto dry = t->CleanupLog({.dry_run = true});
  ASSERT_THAT(dry, IsOk());
  // Commits 0..29 and checkpoints 10, 20 go; checkpoint 30 starts the log.
  EXPECT_EQ(dry->files.size(), 32u);
  EXPECT_EQ(dry->oldest_readable, 30);
  EXPECT_TRUE(LogHas(*t, "00000000000000000000.json"));
  auto done = t->CleanupLog();
  ASSERT_THAT(done, IsOk());
  EXPECT_EQ(done->files, dry->files);
  EXPECT_FALSE(LogHas(*t, "00000000000000000029.json"));
  EXPECT_FALSE(LogHas(*t, "00000000000000000020.checkpoint.parquet"));
  EXPECT_TRUE(LogHas(*t, "00000000000000000030.checkpoint.parquet"));

  Table::ClearSnapshotCache();
  auto reopened = Table::Open(Dir(tmp), options);
  ASSERT_THAT(reopened, IsOk());
  EXPECT_EQ(RowCount(*reopened, 35), 35);
  EXPECT_EQ(RowCount(*reopened, 30), 30);
  EXPECT_EQ(RowCount(*reopened, 32), 32);
  auto gone = reopened->AtVersion(29);
  ASSERT_THAT(gone, ErrorIs(ErrorCode::kNotFound));
  EXPECT_NE(gone.error().message.find("cleaned up"), std::string::npos);
  auto history = reopened->History();
  ASSERT_THAT(history, IsOk());
  EXPECT_EQ(history->front().version, 30);
  // As-of: the oldest retained commit's time resolves; before it fails clearly.
  EXPECT_THAT(reopened->AsOf(history->front().timestamp_ms * 1000), IsOk());
  auto too_old = reopened->AsOf((history->front().timestamp_ms - 1) * 1000);
  ASSERT_THAT(too_old, ErrorIs(ErrorCode::kNotFound));
  EXPECT_NE(too_old.error().message.find("oldest retained"), std::string::npos);
  // The writer watermarks live on in the checkpoint's txn actions.
  auto snap = reopened->Latest();
  ASSERT_THAT(snap, IsOk());
  EXPECT_EQ((*snap)->txn_versions.at("watermark/B"), 33);
  // Writing continues on the cleaned log.
  AppendCommits(*reopened, 6, 35);
  EXPECT_TRUE(LogHas(*reopened, "00000000000000000040.checkpoint.parquet"));
  EXPECT_EQ(RowCount(*reopened, 41), 41);
}

TEST(DeltaCheckpointTest, CleanupRetentionComesFromTheCallerOrTheTableAndIsValidated) {
  TempDir tmp;
  int64_t now = WallClockMs();
  TableOptions options;
  options.clock_ms = [&now] { return now; };
  auto t = Table::Create(Dir(tmp), BarsCreate(), options);
  ASSERT_THAT(t, IsOk());
  AppendCommits(*t, 12);
  now += 2 * 3600 * 1000;
  // Default: 30 days, so nothing expires after two hours.
  auto kept = t->CleanupLog();
  ASSERT_THAT(kept, IsOk());
  EXPECT_TRUE(kept->files.empty());
  auto by_caller = t->CleanupLog({.retention_ms = 3600 * 1000, .dry_run = true});
  ASSERT_THAT(by_caller, IsOk());
  EXPECT_EQ(by_caller->files.size(), 10u);  // commits 0..9
  EXPECT_THAT(t->CleanupLog({.retention_ms = -1}), ErrorIs(ErrorCode::kInvalidArgument, "retention"));

  auto t2 = Table::Create(tmp.str() + "/t2", BarsCreate({{"delta.logRetentionDuration", "30 days"}}), options);
  ASSERT_THAT(t2, IsOk());
  EXPECT_THAT(t2->CleanupLog(), ErrorIs(ErrorCode::kInvalidArgument, "delta.logRetentionDuration"));
}

TEST(DeltaCheckpointTest, AStaleLastCheckpointOrAnUnreadableCheckpointFallsBackToTheCommits) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  AppendCommits(*t, 12);
  // A torn checkpoint (e.g. copied by a tool that died) is never misread.
  rc::testing::WriteFile(paths::CheckpointFilePath(t->dir(), 10), "PAR1 torn");
  Table::ClearSnapshotCache();
  auto reopened = Table::Open(Dir(tmp));
  ASSERT_THAT(reopened, IsOk());
  EXPECT_EQ(RowCount(*reopened, 12), 12);
  EXPECT_EQ(RowCount(*reopened, 11), 11);
  // _last_checkpoint naming a version that does not exist: listing wins.
  rc::testing::WriteFile(paths::LastCheckpointPath(t->dir()), R"({"version": 99, "size": 3})");
  Table::ClearSnapshotCache();
  auto again = Table::Open(Dir(tmp));
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(RowCount(*again, 12), 12);
}

TEST(DeltaCheckpointTest, RetentionIntervalsParseAsSparkWritesThem) {
  using internal::ParseIntervalMs;
  EXPECT_EQ(*ParseIntervalMs("interval 30 days", "p"), 30LL * 86'400'000);
  EXPECT_EQ(*ParseIntervalMs("interval 1 week", "p"), 7LL * 86'400'000);
  EXPECT_EQ(*ParseIntervalMs("INTERVAL 12 HOURS", "p"), 12LL * 3'600'000);
  EXPECT_EQ(*ParseIntervalMs("interval 90 seconds", "p"), 90'000);
  EXPECT_THAT(ParseIntervalMs("30 days", "delta.logRetentionDuration"),
              ErrorIs(ErrorCode::kInvalidArgument, "delta.logRetentionDuration"));
  EXPECT_THAT(ParseIntervalMs("interval 3 fortnights", "p"), ErrorIs(ErrorCode::kInvalidArgument, "p"));
  EXPECT_THAT(ParseIntervalMs("interval -1 days", "p"), ErrorIs(ErrorCode::kInvalidArgument, "p"));
  EXPECT_THAT(ParseIntervalMs("interval 1 day extra", "p"), ErrorIs(ErrorCode::kInvalidArgument, "p"));
  EXPECT_THAT(ParseIntervalMs("interval 99999999999999 weeks", "p"), ErrorIs(ErrorCode::kInvalidArgument, "p"));
}

TEST(DeltaCheckpointTest, TheCheckpointIntervalIsATableProperty) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate({{"delta.checkpointInterval", "4"}}));
  ASSERT_THAT(t, IsOk());
  AppendCommits(*t, 9);
  EXPECT_TRUE(LogHas(*t, "00000000000000000004.checkpoint.parquet"));
  EXPECT_TRUE(LogHas(*t, "00000000000000000008.checkpoint.parquet"));
  EXPECT_FALSE(LogHas(*t, "00000000000000000006.checkpoint.parquet"));
  // A bad value disables checkpoints (logged), never the commits.
  auto t2 = Table::Create(tmp.str() + "/t2", BarsCreate({{"delta.checkpointInterval", "often"}}));
  ASSERT_THAT(t2, IsOk());
  AppendCommits(*t2, 10);
  EXPECT_FALSE(LogHas(*t2, "00000000000000000010.checkpoint.parquet"));
  EXPECT_EQ(RowCount(*t2, 10), 10);
}

TEST(DeltaCheckpointTest, ACheckpointWithDeletionVectorsIsRefusedNotMisread) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  AppendCommits(*t, 3);
  // A checkpoint as Spark writes it for a table with deletion vectors: the
  // add carries a deletionVector struct (and typed stats we skip).
  namespace pqi = parquet::internal;
  auto string_map = [](std::string name) {
    return pqi::MapOf(std::move(name), pqi::Leaf("key", ColumnType::kString), pqi::Leaf("value", ColumnType::kString));
  };
  std::vector<pqi::NestedField> schema = {
      pqi::Struct("protocol", {pqi::Leaf("minReaderVersion", ColumnType::kInt32),
                               pqi::Leaf("minWriterVersion", ColumnType::kInt32)}),
      pqi::Struct("metaData", {pqi::Leaf("id", ColumnType::kString),
                               pqi::Struct("format", {pqi::Leaf("provider", ColumnType::kString)}),
                               pqi::Leaf("schemaString", ColumnType::kString),
                               pqi::ListOf("partitionColumns", pqi::Leaf("element", ColumnType::kString))}),
      pqi::Struct("add", {pqi::Leaf("path", ColumnType::kString), string_map("partitionValues"),
                          pqi::Leaf("size", ColumnType::kInt64), pqi::Leaf("modificationTime", ColumnType::kInt64),
                          pqi::Leaf("dataChange", ColumnType::kBool),
                          pqi::Struct("deletionVector", {pqi::Leaf("storageType", ColumnType::kString),
                                                         pqi::Leaf("pathOrInlineDv", ColumnType::kString),
                                                         pqi::Leaf("sizeInBytes", ColumnType::kInt32),
                                                         pqi::Leaf("cardinality", ColumnType::kInt64)}),
                          pqi::Struct("stats_parsed", {pqi::Leaf("numRecords", ColumnType::kInt64)})})};
  auto snap = t->Latest();
  ASSERT_THAT(snap, IsOk());
  boost::json::object meta;
  meta["id"] = (*snap)->metadata.id;
  meta["format"] = boost::json::object{{"provider", "parquet"}};
  meta["schemaString"] = (*snap)->metadata.schema_string;
  meta["partitionColumns"] = boost::json::array{"symbol", "timeframe"};
  boost::json::object add;
  add["path"] = "symbol=A/timeframe=5m/part-dv.parquet";
  add["partitionValues"] = boost::json::object{{"symbol", "A"}, {"timeframe", "5m"}};
  add["size"] = 10;
  add["modificationTime"] = 1;
  add["dataChange"] = false;
  add["deletionVector"] = boost::json::object{
      {"storageType", "i"}, {"pathOrInlineDv", "wi5b=000010000siXQKl0rr91000f"}, {"sizeInBytes", 4}, {"cardinality", 1}};
  add["stats_parsed"] = boost::json::object{{"numRecords", 3}};
  std::vector<boost::json::object> rows = {
      {{"protocol", boost::json::object{{"minReaderVersion", 1}, {"minWriterVersion", 2}}}},
      {{"metaData", meta}},
      {{"add", add}}};
  auto bytes = pqi::EncodeNested(schema, rows, parquet::WriteOptions{});
  ASSERT_THAT(bytes, IsOk());
  rc::testing::WriteFile(paths::CheckpointFilePath(t->dir(), 3), *bytes);
  rc::testing::WriteFile(paths::LastCheckpointPath(t->dir()), R"({"version": 3, "size": 3})");
  Table::ClearSnapshotCache();
  auto opened = Table::Open(Dir(tmp));
  ASSERT_THAT(opened, ErrorIs(ErrorCode::kUnsupported));
  EXPECT_NE(opened.error().message.find("deletion vector"), std::string::npos);
}

}  // namespace
}  // namespace rc::lake::delta
