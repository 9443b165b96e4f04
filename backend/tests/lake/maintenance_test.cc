// lake/maintenance.h: the server's session-time vacuum and log cleanup keep
// the retention's time travel and the latest version, and delete the rest;
// its compaction merges the small files bar closes append.
#include "lake/maintenance.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "delta_test_util.h"
#include "lake/paths.h"
#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc::lake {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;
using rc::testing::TempDir;
using namespace delta::testing_util;

size_t FilesUnder(const std::string& dir, const std::string& suffix) {
  size_t n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    n += e.is_regular_file() && e.path().string().ends_with(suffix);
  }
  return n;
}

// A silver-like table whose partition was replaced `versions` times (a bar close each).
delta::Table ReplacedManyTimes(const std::string& data_dir, int versions) {
  auto t = delta::Table::Create(paths::LayerTableDir(data_dir, paths::Layer::kSilver), BarsCreate());
  EXPECT_THAT(t, IsOk());
  for (int v = 1; v <= versions; ++v) {
    EXPECT_THAT(t->ReplacePartitions({{{"symbol", "A"}, {"timeframe", "5m"}}}, Bars("A", v)), IsOk());
  }
  return std::move(*t);
}

TEST(LakeMaintenanceTest, KeepsTheRetentionWindowThenDeletesWhatNoRecentVersionNeeds) {
  TempDir tmp;
  const std::string data = tmp.str() + "/data";
  delta::Table t = ReplacedManyTimes(data, 25);  // versions 0..25, checkpoints at 10 and 20
  const std::string dir = t.dir();
  ASSERT_EQ(FilesUnder(dir, ".parquet") - FilesUnder(dir + "/_delta_log", ".parquet"), 25u);

  // Everything is younger than an hour: nothing goes, every version reads.
  auto kept = MaintainLake(data, {.retention_ms = 3'600'000});
  ASSERT_THAT(kept, IsOk());
  ASSERT_EQ(kept->size(), 1u);  // raw, bronze and gold do not exist: skipped
  EXPECT_EQ(kept->front().table, "silver");
  EXPECT_EQ(kept->front().files_deleted, 0);
  EXPECT_EQ(kept->front().log_entries_deleted, 0);
  EXPECT_EQ(kept->front().tombstones_forgotten, 0);
  EXPECT_EQ((*t.Latest())->tombstones.size(), 24u);
  EXPECT_EQ(RowCount(t, 3), 3);

  // A zero window: only the latest version's file stays, the log starts at the newest checkpoint.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto done = MaintainLake(data, {.retention_ms = 0});
  ASSERT_THAT(done, IsOk());
  ASSERT_EQ(done->size(), 1u);
  EXPECT_EQ(done->front().files_deleted, 24);
  EXPECT_GT(done->front().bytes_deleted, 0);
  EXPECT_EQ(done->front().oldest_readable, 20);
  EXPECT_EQ(done->front().log_entries_deleted, 20 + 1);  // commits 0..19 and checkpoint 10
  EXPECT_EQ(FilesUnder(dir, ".parquet") - FilesUnder(dir + "/_delta_log", ".parquet"), 1u);
  // The process's cached snapshot no longer carries the deleted files' tombstones.
  EXPECT_EQ(done->front().tombstones_forgotten, 24);
  auto cached = t.Latest();
  ASSERT_THAT(cached, IsOk());
  EXPECT_TRUE((*cached)->tombstones.empty());
  EXPECT_EQ((*cached)->files.size(), 1u);
  delta::Table::ClearSnapshotCache();
  auto reopened = delta::Table::Open(dir);
  ASSERT_THAT(reopened, IsOk());
  EXPECT_EQ(RowCount(*reopened, 25), 25);
  EXPECT_EQ(RowCount(*reopened, 3), -1);  // before the window: gone, as Delta's VACUUM does
  // The table still takes commits and the next run has nothing to do.
  ASSERT_THAT(reopened->ReplacePartitions({{{"symbol", "A"}, {"timeframe", "5m"}}}, Bars("A", 2)), IsOk());
  EXPECT_EQ(RowCount(*reopened, 26), 2);
}

TEST(LakeMaintenanceTest, CompactsAppendedSmallFilesButNotGoldNorTheNewestFile) {
  TempDir tmp;
  std::vector<delta::Table> tables;
  for (auto layer : {paths::Layer::kBronze, paths::Layer::kGold}) {
    auto t = delta::Table::Create(paths::LayerTableDir(tmp.str(), layer), BarsCreate());
    ASSERT_THAT(t, IsOk());
    // A close each: 12 appends of 2 rows, and a partition of 3 small files.
    constexpr int64_t kT0 = 1'700'000'000'000'000;
    for (int i = 0; i < 12; ++i) ASSERT_THAT(t->Append(Bars("A", 2, kT0 + i * 120'000'000LL)), IsOk());
    for (int i = 0; i < 3; ++i) ASSERT_THAT(t->Append(Bars("B", 1, kT0 + i * 60'000'000LL)), IsOk());
    tables.push_back(std::move(*t));
  }
  auto bronze_before = tables[0].Latest();
  ASSERT_THAT(bronze_before, IsOk());
  auto done = MaintainLake(tmp.str(), {.retention_ms = 3'600'000});
  ASSERT_THAT(done, IsOk());
  ASSERT_EQ(done->size(), 2u);
  EXPECT_EQ(done->at(0).table, "bronze");
  EXPECT_EQ(done->at(0).files_compacted, 11);  // A's files but its newest; B has too few
  EXPECT_EQ(done->at(0).compacted_into, 1);
  EXPECT_EQ(done->at(1).table, "gold");
  EXPECT_EQ(done->at(1).files_compacted, 0);  // the gold log compacts its own files
  auto bronze_after = tables[0].Latest();
  ASSERT_THAT(bronze_after, IsOk());
  EXPECT_EQ((*bronze_after)->files.size(), 2u + 3u);
  EXPECT_EQ(RowCount(tables[0], (*bronze_after)->version), 27);
  EXPECT_EQ(RowCount(tables[0], (*bronze_before)->version), 27);
  // A second run finds nothing left to merge.
  auto again = MaintainLake(tmp.str(), {.retention_ms = 3'600'000});
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->at(0).files_compacted, 0);
}

TEST(LakeMaintenanceTest, ANegativeRetentionIsRefusedAndAnEmptyLakeIsNothingToDo) {
  TempDir tmp;
  EXPECT_THAT(MaintainLake(tmp.str(), {.retention_ms = -1}), ErrorIs(ErrorCode::kInvalidArgument, "retention"));
  EXPECT_THAT(MaintainLake(tmp.str(), {.compact_small_file_bytes = 0}),
              ErrorIs(ErrorCode::kInvalidArgument, "compact_small_file_bytes"));
  EXPECT_THAT(MaintainLake(tmp.str(), {.compact_min_files = 1}),
              ErrorIs(ErrorCode::kInvalidArgument, "compact_min_files"));
  auto none = MaintainLake(tmp.str() + "/nothing-here", {});
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace rc::lake
