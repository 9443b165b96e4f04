// Table::StageAppend / CommitAppends: appends at a partition's end, replacing
// only its tail files (lake/delta/table.h), and a compaction that keeps the
// partitions' data versions (LiveFile::data_version). The live loop's bar
// close appends with them (data/pipeline/append.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "delta_test_util.h"
#include "lake/delta/table.h"
#include "lake/fs.h"
#include "lake/layers/layers.h"
#include "lake/paths.h"
#include "testing/literals.h"
#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc::lake::delta {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;
using rc::testing::TempDir;
using rc::testing::Sym;
using namespace testing_util;

const PartitionValueMap kA = BarsPartition("A");
const PartitionValueMap kB = BarsPartition("B");

// The data columns (ts, close) of `n` rows from minute `first`.
ColumnBatch DataRows(int first, int n) {
  ColumnBatch all = Bars("A", n, kT0 + first * kMinute, 100.0 + first);
  return *all.Project({"ts", "close"});
}

// A build callback returning the tail rows it got followed by `fresh`, as one batch.
std::function<Result<std::vector<ColumnBatch>>(ColumnBatch)> TailThen(ColumnBatch fresh, int64_t* tail_rows_seen) {
  return [fresh = std::move(fresh), tail_rows_seen](ColumnBatch tail) -> Result<std::vector<ColumnBatch>> {
    *tail_rows_seen = static_cast<int64_t>(tail.num_rows());
    RC_RETURN_IF_ERROR(tail.Append(fresh));
    std::vector<ColumnBatch> out;
    out.push_back(std::move(tail));
    return out;
  };
}

// A table whose partition A holds `rows` rows from kT0, one a minute.
Result<Table> TableOfA(const TempDir& tmp, int rows) {
  RC_ASSIGN_OR_RETURN(Table t, Table::Create(Dir(tmp), BarsCreate()));
  RC_RETURN_IF_ERROR(t.Append(Bars("A", rows, kT0)));
  return t;
}

TEST(DeltaAppendTest, APureAppendAddsAFileAndReadsNothing) {
  TempDir tmp;
  auto t = TableOfA(tmp, 10);
  ASSERT_THAT(t, IsOk());
  const auto before = LiveFilePaths(*t);
  auto base = t->Latest();
  ASSERT_THAT(base, IsOk());
  int64_t seen = -1;
  auto staged = t->StageAppend(**base, kA, {}, TailThen(DataRows(10, 2), &seen));
  ASSERT_THAT(staged, IsOk());
  EXPECT_EQ(seen, 0);
  EXPECT_TRUE(staged->replaced.empty());
  EXPECT_EQ(staged->rows, 2);
  std::vector<StagedAppend> batch;
  batch.push_back(std::move(*staged));
  auto commit = t->CommitAppends(**base, std::move(batch), {.txns = {{"app", 3}}});
  ASSERT_THAT(commit, IsOk());
  EXPECT_EQ(commit->files_removed, 0);
  EXPECT_EQ(commit->files_added, 1);
  const auto after = LiveFilePaths(*t);
  EXPECT_TRUE(std::includes(after.begin(), after.end(), before.begin(), before.end()));
  EXPECT_EQ(RowCount(*t, commit->version), 12);
  auto snap = t->Latest();
  EXPECT_EQ((*snap)->txn_versions.at("app"), 3);
}

TEST(DeltaAppendTest, TheTailFilesAreReplacedAndTheRestKept) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  ASSERT_THAT(t->Append(Bars("A", 10, kT0)), IsOk());                  // minutes 0..9
  ASSERT_THAT(t->Append(Bars("A", 5, kT0 + 10 * kMinute, 110)), IsOk());  // minutes 10..14: the tail
  ASSERT_THAT(t->Append(Bars("B", 3, kT0 + 10 * kMinute)), IsOk());
  auto base = t->Latest();
  ASSERT_THAT(base, IsOk());
  int64_t seen = -1;
  auto staged = t->StageAppend(**base, kA, {.time_column = "ts", .time_min = kT0 + 12 * kMinute},
                               TailThen(DataRows(15, 3), &seen));
  ASSERT_THAT(staged, IsOk());
  EXPECT_EQ(seen, 5);  // the whole tail file, not only its rows from minute 12
  ASSERT_EQ(staged->replaced.size(), 1u);
  std::vector<StagedAppend> batch;
  batch.push_back(std::move(*staged));
  auto commit = t->CommitAppends(**base, std::move(batch));
  ASSERT_THAT(commit, IsOk());
  EXPECT_EQ(commit->files_removed, 1);
  auto snap = t->Latest();
  ASSERT_THAT(snap, IsOk());
  EXPECT_EQ((*snap)->files.size(), 3u);  // A's first file, A's new tail, B's
  auto rows = t->Scan(**snap, {.partition_filter = {{"symbol", "A"}}});
  ASSERT_THAT(rows, IsOk());
  ASSERT_EQ(rows->num_rows(), 18u);
  for (size_t r = 0; r < rows->num_rows(); ++r) EXPECT_EQ(rows->Int64s(2)[r], kT0 + static_cast<int64_t>(r) * kMinute);
}

TEST(DeltaAppendTest, AnotherPartitionsCommitIsNoConflictButAnotherWritersDataChangeInThePartitionIs) {
  TempDir tmp;
  auto t = TableOfA(tmp, 10);
  ASSERT_THAT(t, IsOk());
  std::string staged_file;  // the file the last append staged
  // Stages one row of A against the latest version, runs `meanwhile`, commits.
  auto append_while = [&](int minute, const std::function<void()>& meanwhile) -> Result<CommitResult> {
    auto base = t->Latest();
    EXPECT_THAT(base, IsOk());
    int64_t seen = 0;
    auto staged = t->StageAppend(**base, kA, {}, TailThen(DataRows(minute, 1), &seen));
    EXPECT_THAT(staged, IsOk());
    staged_file = Dir(tmp) + "/" + staged->adds.front().path;
    meanwhile();
    std::vector<StagedAppend> batch;
    batch.push_back(std::move(*staged));
    return t->CommitAppends(**base, std::move(batch));
  };
  auto after_b = append_while(10, [&] { ASSERT_THAT(t->Append(Bars("B", 1, kT0)), IsOk()); });
  ASSERT_THAT(after_b, IsOk());
  EXPECT_EQ(after_b->version, 3);  // after B's append (version 2)
  EXPECT_EQ(RowCount(*t, after_b->version), 12);
  auto after_a = append_while(11, [&] { ASSERT_THAT(t->Append(Bars("A", 1, kT0 + 20 * kMinute)), IsOk()); });
  EXPECT_THAT(after_a, ErrorIs(ErrorCode::kConflict));
  EXPECT_FALSE(std::filesystem::exists(staged_file));  // the staged file is gone
}

TEST(DeltaAppendTest, ACommitOfOnlyTxnsRecordsThemAndNothingElse) {
  TempDir tmp;
  auto t = TableOfA(tmp, 10);
  ASSERT_THAT(t, IsOk());
  auto base = t->Latest();
  ASSERT_THAT(base, IsOk());
  std::vector<StagedAppend> empty_batch;
  empty_batch.push_back(StagedAppend{kA, {}, {}, 0});
  auto nothing = t->CommitAppends(**base, empty_batch);
  ASSERT_THAT(nothing, IsOk());
  EXPECT_FALSE(nothing->committed);
  auto marked = t->CommitAppends(**base, empty_batch, {.txns = {{"consumer", 7}}});
  ASSERT_THAT(marked, IsOk());
  EXPECT_EQ(marked->version, (*base)->version + 1);
  auto snap = t->Latest();
  EXPECT_EQ((*snap)->txn_versions.at("consumer"), 7);
  EXPECT_EQ((*snap)->files.size(), 1u);
}

// The snapshot's partition index (Snapshot::PartitionFiles), which the bar
// close's appends, scans and watermark lookups use instead of scanning every
// file of the table: the same files as filtering all of them, in the order
// they were added; a partition with no file gives none; the next version's
// snapshot indexes its own files; many threads may build and read it at once.
TEST(DeltaAppendTest, ThePartitionIndexGivesEachPartitionsFilesInOrder) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  for (int round = 0; round < 3; ++round) {
    for (const char* symbol : {"A", "B", "C"}) ASSERT_THAT(t->Append(Bars(symbol, 4, kT0 + round * 10 * kMinute)), IsOk());
  }
  auto snap = t->Latest();
  ASSERT_THAT(snap, IsOk());
  auto filtered = [&](const Snapshot& s, const PartitionValueMap& p) {
    std::vector<const LiveFile*> out;
    for (const LiveFile* f : s.FilesInOrder()) {
      if (f->add.partition_values == p) out.push_back(f);
    }
    return out;
  };
  // Several threads ask at once: one builds the index, all get the same answer.
  std::vector<std::thread> readers;
  std::vector<size_t> sizes(8);
  for (size_t i = 0; i < sizes.size(); ++i) {
    readers.emplace_back([&, i] { sizes[i] = (*snap)->PartitionFiles(i % 2 ? kA : kB).size(); });
  }
  for (auto& r : readers) r.join();
  for (size_t i = 0; i < sizes.size(); ++i) EXPECT_EQ(sizes[i], 3u) << i;
  for (const auto& p : {kA, kB, BarsPartition("C")}) {
    EXPECT_EQ((*snap)->PartitionFiles(p), filtered(**snap, p));
    const auto& files = (*snap)->PartitionFiles(p);
    for (size_t i = 1; i < files.size(); ++i) EXPECT_LT(files[i - 1]->seq, files[i]->seq);
  }
  EXPECT_TRUE((*snap)->PartitionFiles(BarsPartition("Z")).empty());
  // The next version: its own files (the index is not carried over from the base).
  ASSERT_THAT(t->Append(Bars("A", 2, kT0 + 40 * kMinute)), IsOk());
  auto next = t->Latest();
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ((*next)->PartitionFiles(kA).size(), 4u);
  EXPECT_EQ((*next)->PartitionFiles(kA), filtered(**next, kA));
  EXPECT_EQ((*snap)->PartitionFiles(kA).size(), 3u);
}

TEST(DeltaAppendTest, BadInputIsRejectedNamingTheField) {
  TempDir tmp;
  auto t = TableOfA(tmp, 3);
  ASSERT_THAT(t, IsOk());
  auto base = t->Latest();
  ASSERT_THAT(base, IsOk());
  int64_t seen = 0;
  EXPECT_THAT(t->StageAppend(**base, {{"symbol", "A"}}, {}, TailThen(DataRows(3, 1), &seen)),
              ErrorIs(ErrorCode::kInvalidArgument, "partitions"));
  EXPECT_THAT(t->StageAppend(**base, kA, {.time_column = "close", .time_min = 0}, TailThen(DataRows(3, 1), &seen)),
              ErrorIs(ErrorCode::kInvalidArgument, "time_column"));
  EXPECT_THAT(t->StageAppend(**base, kA, {.time_column = "nope", .time_min = 0}, TailThen(DataRows(3, 1), &seen)),
              ErrorIs(ErrorCode::kNotFound));
  auto lacking = [](ColumnBatch) -> Result<std::vector<ColumnBatch>> {
    std::vector<ColumnBatch> out;
    out.push_back(*DataRows(3, 1).Project({"ts"}));
    return out;
  };
  EXPECT_THAT(t->StageAppend(**base, kA, {}, lacking), ErrorIs(ErrorCode::kInvalidArgument, "rows"));
  int64_t a = 0, b = 0;
  std::vector<StagedAppend> twice;
  twice.push_back(*t->StageAppend(**base, kA, {}, TailThen(DataRows(3, 1), &a)));
  twice.push_back(*t->StageAppend(**base, kA, {}, TailThen(DataRows(4, 1), &b)));
  EXPECT_THAT(t->CommitAppends(**base, std::move(twice)), ErrorIs(ErrorCode::kInvalidArgument, "partitions"));
  EXPECT_EQ(RowCount(*t, (*t->Latest())->version), 3);
}

TEST(DeltaAppendTest, CompactionKeepsTheDataVersionAndTheNewestFileThroughACheckpoint) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  for (int i = 0; i < 6; ++i) ASSERT_THAT(t->Append(Bars("A", 2, kT0 + i * 2 * kMinute)), IsOk());
  auto before = t->Latest();
  ASSERT_THAT(before, IsOk());
  const auto marks = layers::LayerTable::PartitionWatermarks(**before);
  ASSERT_EQ(marks.at("A/5m"), 6);
  std::string newest;
  for (const LiveFile* f : (*before)->FilesInOrder()) newest = f->rel_path;
  auto compacted = t->Compact({.small_file_bytes = 1 << 20, .keep_newest_file = true});
  ASSERT_THAT(compacted, IsOk());
  EXPECT_EQ(compacted->files_removed, 5);
  EXPECT_EQ(compacted->files_added, 1);
  auto after = t->Latest();
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ((*after)->files.size(), 2u);
  EXPECT_EQ((*after)->files.count(newest), 1u);
  EXPECT_EQ(layers::LayerTable::PartitionWatermarks(**after), marks);
  for (const auto& [path, file] : (*after)->files) {
    if (path != newest) {
      EXPECT_EQ(file.data_version(), 5);  // the newest of the five it merged
    }
  }
  EXPECT_EQ(RowCount(*t, (*after)->version), 12);
  // The tag survives a checkpoint and a fresh read of the log.
  ASSERT_THAT(t->Checkpoint(), IsOk());
  Table::ClearSnapshotCache();
  auto reopened = Table::Open(Dir(tmp));
  ASSERT_THAT(reopened, IsOk());
  auto read_back = reopened->Latest();
  ASSERT_THAT(read_back, IsOk());
  EXPECT_EQ(layers::LayerTable::PartitionWatermarks(**read_back), marks);
  // A second compaction of the compacted file and later appends keeps the newest data version.
  ASSERT_THAT(t->Append(Bars("A", 2, kT0 + 40 * kMinute)), IsOk());
  ASSERT_THAT(t->Compact({.small_file_bytes = 1 << 20}), IsOk());
  auto final_snap = t->Latest();
  ASSERT_THAT(final_snap, IsOk());
  EXPECT_EQ((*final_snap)->files.size(), 1u);
  EXPECT_EQ(layers::LayerTable::PartitionWatermarks(**final_snap).at("A/5m"), 8);
}

TEST(DeltaAppendTest, EarliestTsChangedAfterSeesOnlyNewerData) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  ASSERT_THAT(t->Append(Bars("A", 5, kT0)), IsOk());                     // v1
  ASSERT_THAT(t->Append(Bars("A", 2, kT0 + 10 * kMinute)), IsOk());      // v2
  ASSERT_THAT(t->Append(Bars("A", 1, kT0 + 2 * kMinute)), IsOk());       // v3: a late bar
  auto snap = t->Latest();
  ASSERT_THAT(snap, IsOk());
  const Symbol a = Sym("A");
  EXPECT_EQ(layers::LayerTable::EarliestTsChangedAfter(**snap, a, Timeframe::k5m, 1), kT0 + 2 * kMinute);
  EXPECT_EQ(layers::LayerTable::EarliestTsChangedAfter(**snap, a, Timeframe::k5m, 3), std::nullopt);
}

}  // namespace
}  // namespace rc::lake::delta
