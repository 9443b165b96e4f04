// Many partitions replaced in one Delta commit (Table::StagePartition +
// CommitStagedPartitions): one log entry, all-or-nothing visibility, conflict
// detection and retry against concurrent writers, failures that leave no
// garbage, checkpoints of batched commits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "delta_test_util.h"
#include "lake/delta/table.h"
#include "core/time.h"
#include "lake/paths.h"
#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc::lake::delta {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;
using rc::testing::TempDir;
using namespace testing_util;

PartitionValueMap Part(const std::string& symbol) { return {{"symbol", symbol}, {"timeframe", "5m"}}; }
std::string Sym(int i) { return "S" + std::to_string(i); }

size_t CommitFiles(const std::string& dir) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/_delta_log")) {
    if (paths::ParseCommitFileName(e.path().filename().string())) ++n;
  }
  return n;
}

// Parquet files anywhere under the table (referenced or not).
std::set<std::string> DataFilesOnDisk(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".parquet") {
      out.insert(std::filesystem::relative(e.path(), dir).string());
    }
  }
  return out;
}

// Stages `count` partitions S0.. (partition i holds i % 7 + 1 rows of value
// `base`) on 4 threads against `base_snap`.
std::vector<StagedPartition> StageMany(const Table& t, const Snapshot& base_snap, int count, double base) {
  std::vector<StagedPartition> staged(static_cast<size_t>(count));
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&] {
      for (int i = next++; i < count; i = next++) {
        auto s = t.StagePartition(base_snap, Part(Sym(i)), Bars(Sym(i), i % 7 + 1, 1'700'000'000'000'000, base));
        if (!s) {
          ++failures;
          continue;
        }
        staged[static_cast<size_t>(i)] = std::move(*s);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  return staged;
}

TEST(DeltaBatchCommitTest, ManyPartitionsInOneCommit) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  // Partitions S0..S9 exist already (two files each): the batch replaces them.
  for (int i = 0; i < 10; ++i) ASSERT_THAT(t->Append(Bars(Sym(i), 2)), IsOk());
  for (int i = 0; i < 10; ++i) ASSERT_THAT(t->Append(Bars(Sym(i), 1, 1'800'000'000'000'000)), IsOk());
  ASSERT_THAT(t->Append(Bars("KEEP", 4)), IsOk());
  auto base = t->Latest();
  ASSERT_THAT(base, IsOk());
  const int64_t base_version = (*base)->version;
  const size_t commits_before = CommitFiles(Dir(tmp));
  constexpr int kPartitions = 120;
  std::vector<StagedPartition> staged = StageMany(*t, **base, kPartitions, 500.0);
  int64_t expected_rows = 0;
  for (const auto& s : staged) expected_rows += s.rows;
  // Staged files are on disk but invisible.
  EXPECT_EQ(RowCount(*t, base_version), 10 * 3 + 4);
  WriteOptions write;
  for (int i = 0; i < kPartitions; ++i) write.txns["app/" + Sym(i)] = i;
  auto r = t->CommitStagedPartitions(**base, std::move(staged), write);
  ASSERT_THAT(r, IsOk());
  EXPECT_TRUE(r->committed);
  EXPECT_EQ(r->version, base_version + 1);
  EXPECT_EQ(r->files_added, kPartitions);
  EXPECT_EQ(r->files_removed, 20);
  EXPECT_EQ(r->rows_added, expected_rows);
  EXPECT_EQ(CommitFiles(Dir(tmp)), commits_before + 1);  // ONE log entry for all partitions
  auto latest = t->Latest();
  ASSERT_THAT(latest, IsOk());
  EXPECT_EQ((*latest)->txn_versions.size(), static_cast<size_t>(kPartitions));
  EXPECT_EQ((*latest)->txn_versions.at("app/" + Sym(42)), 42);
  auto rows = t->Scan(**latest);
  ASSERT_THAT(rows, IsOk());
  EXPECT_EQ(static_cast<int64_t>(rows->num_rows()), expected_rows + 4);
  // Every replaced partition holds the new rows only; KEEP is untouched.
  auto s3 = t->Scan(**latest, {.partition_filter = {{"symbol", "S3"}}});
  ASSERT_THAT(s3, IsOk());
  ASSERT_EQ(s3->num_rows(), 4u);
  EXPECT_EQ(s3->Doubles(3)[0], 500.0);
  auto keep = t->Scan(**latest, {.partition_filter = {{"symbol", "KEEP"}}});
  ASSERT_THAT(keep, IsOk());
  EXPECT_EQ(keep->num_rows(), 4u);
  // The old version still reads as it was (time travel).
  EXPECT_EQ(RowCount(*t, base_version), 10 * 3 + 4);
}

TEST(DeltaBatchCommitTest, ReadersSeeAllPartitionsOrNone) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  constexpr int kPartitions = 40;
  {
    auto base = t->Latest();
    ASSERT_THAT(base, IsOk());
    ASSERT_THAT(t->CommitStagedPartitions(**base, StageMany(*t, **base, kPartitions, 1.0)), IsOk());
  }
  // A reader in another thread (its own Table, no shared cache) checks at
  // every version it sees that all partitions hold one generation's value.
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    TableOptions opts;
    opts.snapshot_cache = false;
    auto r = Table::Open(Dir(tmp), opts);
    if (!r) {
      ++torn;
      return;
    }
    while (!done) {
      auto snap = r->Latest();
      if (!snap) continue;
      auto rows = r->Scan(**snap, {.columns = {"symbol", "close"}});
      if (!rows) continue;
      std::set<std::string> symbols;
      std::set<double> generations;
      for (size_t i = 0; i < rows->num_rows(); ++i) {
        symbols.insert(rows->Strings(0)[i]);
        generations.insert(std::floor(rows->Doubles(1)[i] / 1000.0));
      }
      if (symbols.size() != kPartitions || generations.size() != 1) ++torn;
      ++reads;
    }
  });
  for (int gen = 1; gen <= 5; ++gen) {
    auto base = t->Latest();
    ASSERT_THAT(base, IsOk());
    ASSERT_THAT(t->CommitStagedPartitions(**base, StageMany(*t, **base, kPartitions, gen * 1000.0)), IsOk());
  }
  while (reads.load() < 3) std::this_thread::yield();
  done = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0);
}

// Commits a batch of partitions S0..S9 staged against a snapshot while
// another writer appends `rows` rows of `symbol` between that snapshot and
// the batch's commit.
Result<CommitResult> CommitBatchRacingAnAppend(const std::string& dir, const std::string& symbol, int rows) {
  TableOptions no_cache;
  no_cache.snapshot_cache = false;
  auto other = Table::Open(dir, no_cache);
  EXPECT_THAT(other, IsOk());
  RacingFs racing(LocalFileSystem(), [&] { ASSERT_THAT(other->Append(Bars(symbol, rows)), IsOk()); });
  TableOptions opts;
  opts.fs = &racing;
  opts.snapshot_cache = false;
  auto w = Table::Open(dir, opts);
  EXPECT_THAT(w, IsOk());
  auto base = w->Latest();
  EXPECT_THAT(base, IsOk());
  return w->CommitStagedPartitions(**base, StageMany(*w, **base, 10, 1.0));
}

TEST(DeltaBatchCommitTest, ConcurrentWriterToOtherPartitionsMakesTheBatchRetry) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  auto r = CommitBatchRacingAnAppend(Dir(tmp), "OTHER", 2);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->attempts, 2);
  EXPECT_EQ(r->version, 2);  // version 1 went to the other writer
  Table::ClearSnapshotCache();
  auto rows = t->Scan(**t->Latest());
  ASSERT_THAT(rows, IsOk());
  int64_t expected = 2;
  for (int i = 0; i < 10; ++i) expected += i % 7 + 1;
  EXPECT_EQ(static_cast<int64_t>(rows->num_rows()), expected);
}

TEST(DeltaBatchCommitTest, ConcurrentChangeToABatchPartitionConflictsAndLeavesNoFiles) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  ASSERT_THAT(t->Append(Bars(Sym(3), 2)), IsOk());
  // The other writer appends to S3, one of the batch's 10 partitions.
  auto r = CommitBatchRacingAnAppend(Dir(tmp), Sym(3), 5);
  EXPECT_THAT(r, ErrorIs(ErrorCode::kConflict));
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("symbol=S3"));
  // Nothing of the batch is visible, and its staged files are gone.
  Table::ClearSnapshotCache();
  auto latest = t->Latest();
  ASSERT_THAT(latest, IsOk());
  EXPECT_EQ((*latest)->version, 2);
  EXPECT_EQ(RowCount(*t, 2), 7);
  EXPECT_EQ(DataFilesOnDisk(Dir(tmp)), LiveFilePaths(*t));
}

TEST(DeltaBatchCommitTest, TwoBatchesOfDisjointPartitionsFromOneBaseBothCommit) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  auto base = t->Latest();
  ASSERT_THAT(base, IsOk());
  std::vector<StagedPartition> first;
  std::vector<StagedPartition> second;
  for (int i = 0; i < 6; ++i) {
    auto s = t->StagePartition(**base, Part(Sym(i)), Bars(Sym(i), 3));
    ASSERT_THAT(s, IsOk());
    (i % 2 == 0 ? first : second).push_back(std::move(*s));
  }
  std::optional<Result<CommitResult>> r1, r2;
  std::thread a([&] { r1 = t->CommitStagedPartitions(**base, std::move(first)); });
  std::thread b([&] { r2 = t->CommitStagedPartitions(**base, std::move(second)); });
  a.join();
  b.join();
  ASSERT_THAT(*r1, IsOk());
  ASSERT_THAT(*r2, IsOk());
  EXPECT_EQ(std::set<int64_t>({(*r1)->version, (*r2)->version}), std::set<int64_t>({1, 2}));
  EXPECT_EQ((*r1)->attempts + (*r2)->attempts, 3);  // the loser retried once
  EXPECT_EQ(RowCount(*t, 2), 18);
}

TEST(DeltaBatchCommitTest, FailedCommitRemovesStagedFilesAndUncommittedStagingIsInvisible) {
  TempDir tmp;
  FaultInjectionFileSystem faulty(LocalFileSystem());
  TableOptions opts;
  opts.fs = &faulty;
  auto t = Table::Create(Dir(tmp), BarsCreate(), opts);
  ASSERT_THAT(t, IsOk());
  ASSERT_THAT(t->Append(Bars("KEEP", 2)), IsOk());
  auto base = t->Latest();
  ASSERT_THAT(base, IsOk());
  auto staged = StageMany(*t, **base, 8, 1.0);
  EXPECT_EQ(DataFilesOnDisk(Dir(tmp)).size(), 9u);
  // The disk fails while the commit file is written.
  faulty.InjectWriteFault({EIO, "_delta_log/"});
  auto r = t->CommitStagedPartitions(**base, std::move(staged));
  EXPECT_THAT(r, ErrorIs(ErrorCode::kIo));
  faulty.ClearWriteFault();
  EXPECT_EQ(DataFilesOnDisk(Dir(tmp)), LiveFilePaths(*t));
  // A writer that dies between staging and committing (nothing removes its
  // files) leaves orphans that no version references and vacuum removes.
  auto orphans = StageMany(*t, **base, 5, 2.0);
  ASSERT_EQ(DataFilesOnDisk(Dir(tmp)).size(), 6u);
  Table::ClearSnapshotCache();
  auto latest = t->Latest();
  ASSERT_THAT(latest, IsOk());
  EXPECT_EQ((*latest)->version, 1);
  EXPECT_EQ(RowCount(*t, 1), 2);
  // Vacuum an hour later (files written in this millisecond are not yet "older than 0 ms").
  TableOptions later;
  later.clock_ms = [] { return NowMicros() / 1000 + 3'600'000; };
  auto t_later = Table::Open(Dir(tmp), later);
  ASSERT_THAT(t_later, IsOk());
  auto vacuum = t_later->Vacuum({.retention_ms = 0});
  ASSERT_THAT(vacuum, IsOk());
  // The five orphans (and the temp commit file the failing disk kept).
  EXPECT_EQ(std::count_if(vacuum->files.begin(), vacuum->files.end(),
                          [](const std::string& f) { return f.ends_with(".parquet"); }),
            5);
  EXPECT_EQ(DataFilesOnDisk(Dir(tmp)), LiveFilePaths(*t));
}

// Counts directory syncs per directory (on top of the crash simulation).
class SyncCountingFileSystem : public FaultInjectionFileSystem {
 public:
  using FaultInjectionFileSystem::FaultInjectionFileSystem;
  Status SyncDir(const std::string& dir) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++syncs_[std::filesystem::path(dir).lexically_normal().string()];
    }
    return FaultInjectionFileSystem::SyncDir(dir);
  }
  int SyncsOf(const std::string& dir) {
    std::lock_guard<std::mutex> lock(mu_);
    return syncs_[std::filesystem::path(dir).lexically_normal().string()];
  }
  void ResetSyncs() {
    std::lock_guard<std::mutex> lock(mu_);
    syncs_.clear();
  }

 private:
  std::mutex mu_;
  std::map<std::string, int> syncs_;
};

TEST(DeltaBatchCommitTest, NewPartitionsOfABatchSyncTheTableRootOnceAndSurviveAPowerLoss) {
  // Staging 12 new partitions leaves their entries in the table root to the
  // commit, which syncs the root once. A power loss right after the commit
  // keeps every partition; one before it loses only the uncommitted files.
  TempDir tmp;
  const std::string dir = std::filesystem::absolute(Dir(tmp)).string();
  SyncCountingFileSystem fs(LocalFileSystem());
  TableOptions opts;
  opts.fs = &fs;
  opts.snapshot_cache = false;
  auto t = Table::Create(dir, BarsCreate(), opts);
  ASSERT_THAT(t, IsOk());
  ASSERT_THAT(t->Append(Bars("KEEP", 2)), IsOk());
  auto base = t->Latest();
  ASSERT_THAT(base, IsOk());
  fs.ResetSyncs();
  std::vector<StagedPartition> staged = StageMany(*t, **base, 8, 1.0);
  for (int i = 8; i < 12; ++i) {  // and four in chunks, as the pipeline stages silver
    bool given = false;
    auto chunked = t->StagePartitionChunks(**base, Part(Sym(i)), [&](ColumnBatch& chunk) -> Result<bool> {
      if (given) return false;
      given = true;
      chunk = *Bars(Sym(i), 3).Project({"ts", "close"});
      return true;
    });
    ASSERT_THAT(chunked, IsOk());
    staged.push_back(std::move(*chunked));
  }
  ASSERT_EQ(staged.size(), 12u);
  EXPECT_EQ(fs.SyncsOf(dir), 0) << "staging synced the table root";
  EXPECT_EQ(fs.SyncsOf(dir + "/symbol=S3"), 1);  // the entry of timeframe=5m in it
  ASSERT_THAT(t->CommitStagedPartitions(**base, std::move(staged)), IsOk());
  EXPECT_EQ(fs.SyncsOf(dir), 1);

  ASSERT_THAT(fs.SimulateCrash(), IsOk());
  auto reopened = Table::Open(dir, {.snapshot_cache = false});
  ASSERT_THAT(reopened, IsOk());
  auto latest = reopened->Latest();
  ASSERT_THAT(latest, IsOk());
  auto rows = reopened->Scan(**latest);
  ASSERT_THAT(rows, IsOk());
  int64_t expected = 2 + 4 * 3;
  for (int i = 0; i < 8; ++i) expected += i % 7 + 1;
  EXPECT_EQ(static_cast<int64_t>(rows->num_rows()), expected);

  // A partition whose staging was discarded left its directory behind,
  // unsynced in the root: staged again, it is still new to the table, and
  // the commit syncs the root for it.
  auto now = reopened->Latest();
  ASSERT_THAT(now, IsOk());
  fs.ResetSyncs();
  auto discarded = t->StagePartition(**now, Part("LATE"), Bars("LATE", 2));
  ASSERT_THAT(discarded, IsOk());
  t->DiscardStaged({*discarded});
  ASSERT_TRUE(std::filesystem::is_directory(dir + "/symbol=LATE/timeframe=5m"));
  auto again = t->StagePartition(**now, Part("LATE"), Bars("LATE", 2));
  ASSERT_THAT(again, IsOk());
  // An existing partition rewritten in the same batch needs no root sync of its own.
  auto rewritten = t->StagePartition(**now, Part("KEEP"), Bars("KEEP", 1));
  ASSERT_THAT(rewritten, IsOk());
  ASSERT_THAT(t->CommitStagedPartitions(**now, {std::move(*again), std::move(*rewritten)}), IsOk());
  EXPECT_EQ(fs.SyncsOf(dir), 1);
  ASSERT_THAT(fs.SimulateCrash(), IsOk());
  auto after = Table::Open(dir, {.snapshot_cache = false});
  ASSERT_THAT(after, IsOk());
  auto late = after->Scan(**after->Latest(), {.partition_filter = {{"symbol", "LATE"}}});
  ASSERT_THAT(late, IsOk());
  EXPECT_EQ(late->num_rows(), 2u);

  // Only existing partitions rewritten: the root is not synced at all.
  fs.ResetSyncs();
  auto latest_now = after->Latest();
  ASSERT_THAT(latest_now, IsOk());
  auto keep = t->StagePartition(**latest_now, Part("KEEP"), Bars("KEEP", 3));
  ASSERT_THAT(keep, IsOk());
  ASSERT_THAT(t->CommitStagedPartitions(**latest_now, {std::move(*keep)}), IsOk());
  EXPECT_EQ(fs.SyncsOf(dir), 0);
}

TEST(DeltaBatchCommitTest, CheckpointOfBatchedCommitsIsWrittenAndRead) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  // Versions 1..10 are batches of 30 partitions (each replacing the last).
  for (int v = 1; v <= 10; ++v) {
    auto base = t->Latest();
    ASSERT_THAT(base, IsOk());
    WriteOptions write;
    write.txns["batch"] = v;
    ASSERT_THAT(t->CommitStagedPartitions(**base, StageMany(*t, **base, 30, v * 1000.0), write), IsOk());
  }
  EXPECT_TRUE(std::filesystem::exists(Dir(tmp) + "/_delta_log/_last_checkpoint"));
  EXPECT_TRUE(std::filesystem::exists(Dir(tmp) + "/_delta_log/" + paths::CheckpointFileName(10)));
  // A fresh reader starts at the checkpoint: all 30 partitions of the last
  // batch, none of the replaced files, the txn.
  Table::ClearSnapshotCache();
  TableOptions no_cache;
  no_cache.snapshot_cache = false;
  auto fresh = Table::Open(Dir(tmp), no_cache);
  ASSERT_THAT(fresh, IsOk());
  auto snap = fresh->Latest();
  ASSERT_THAT(snap, IsOk());
  EXPECT_EQ((*snap)->version, 10);
  EXPECT_EQ((*snap)->files.size(), 30u);
  EXPECT_EQ((*snap)->txn_versions.at("batch"), 10);
  auto rows = fresh->Scan(**snap, {.columns = {"close"}});
  ASSERT_THAT(rows, IsOk());
  for (double c : rows->Doubles(0)) EXPECT_GE(c, 10000.0);
}

TEST(DeltaBatchCommitTest, ValidatesPartitionsAndRows) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  auto base = t->Latest();
  ASSERT_THAT(base, IsOk());
  EXPECT_THAT(t->StagePartition(**base, Part("A"), Bars("B", 1)), ErrorIs(ErrorCode::kInvalidArgument, "rows"));
  EXPECT_THAT(t->StagePartition(**base, {{"symbol", "A"}}, Bars("A", 1)),
              ErrorIs(ErrorCode::kInvalidArgument, "partitions"));
  auto a1 = t->StagePartition(**base, Part("A"), Bars("A", 1));
  auto a2 = t->StagePartition(**base, Part("A"), Bars("A", 2));
  ASSERT_THAT(a1, IsOk());
  ASSERT_THAT(a2, IsOk());
  std::vector<StagedPartition> twice;
  twice.push_back(std::move(*a1));
  twice.push_back(std::move(*a2));
  EXPECT_THAT(t->CommitStagedPartitions(**base, std::move(twice)), ErrorIs(ErrorCode::kInvalidArgument, "partitions"));
  EXPECT_TRUE(DataFilesOnDisk(Dir(tmp)).empty());  // discarded
  // An empty batch commits nothing.
  auto none = t->CommitStagedPartitions(**base, {});
  ASSERT_THAT(none, IsOk());
  EXPECT_FALSE(none->committed);
  EXPECT_EQ(none->version, 0);
  // A staged partition with no rows empties it.
  ASSERT_THAT(t->Append(Bars("A", 3)), IsOk());
  auto base1 = t->Latest();
  ASSERT_THAT(base1, IsOk());
  auto empty = t->StagePartition(**base1, Part("A"), ColumnBatch(BarsSchema()));
  ASSERT_THAT(empty, IsOk());
  EXPECT_TRUE(empty->adds.empty());
  std::vector<StagedPartition> emptied;
  emptied.push_back(std::move(*empty));
  auto r = t->CommitStagedPartitions(**base1, std::move(emptied));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->files_removed, 1);
  EXPECT_EQ(RowCount(*t, r->version), 0);
  // Append-only tables refuse batches, as they refuse replacements.
  TempDir tmp2;
  auto ao = Table::Create(Dir(tmp2), BarsCreate({{"delta.appendOnly", "true"}}));
  ASSERT_THAT(ao, IsOk());
  auto ao_base = ao->Latest();
  ASSERT_THAT(ao_base, IsOk());
  EXPECT_THAT(ao->StagePartition(**ao_base, Part("A"), Bars("A", 1)),
              ErrorIs(ErrorCode::kUnsupported, "configuration"));
}

}  // namespace
}  // namespace rc::lake::delta
