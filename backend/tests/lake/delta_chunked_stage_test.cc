// A partition staged from chunks (Table::StagePartitionChunks) holds what
// staging all its rows at once (Table::StagePartition) holds: the same rows,
// files of the same rows and the same add.stats, whatever the chunk size
// against max_rows_per_file; only the Parquet row groups differ (one per
// chunk). Errors of the source or of a chunk remove the files written.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <set>

#include "delta_test_util.h"
#include "lake/delta/table.h"
#include "lake/delta/internal/stats.h"
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

// `n` rows of A/5m whose close has nulls (every 5th row) and, when `nan_row`
// is in range, a NaN there (Delta stats then drop close's min/max).
ColumnBatch Rows(int n, int nan_row = -1) {
  ColumnBatch b = Bars("A", n, kT0, 100.0);
  for (int i = 0; i < n; ++i) {
    if (i % 5 == 3) b.SetNull(3, static_cast<size_t>(i));
  }
  if (nan_row >= 0 && nan_row < n) b.Doubles(3)[static_cast<size_t>(nan_row)] = std::nan("");
  return b;
}

// A source handing out the data columns (ts, close) of `rows` in chunks of `chunk_rows`.
Table::ChunkSource ChunksOf(const ColumnBatch& rows, size_t chunk_rows) {
  auto next_row = std::make_shared<size_t>(0);
  return [&rows, chunk_rows, next_row](ColumnBatch& chunk) -> Result<bool> {
    if (*next_row >= rows.num_rows()) return false;
    const size_t count = std::min(chunk_rows, rows.num_rows() - *next_row);
    ColumnBatch slice = rows.Slice(*next_row, count);
    RC_ASSIGN_OR_RETURN(chunk, std::move(slice).Project({"ts", "close"}));
    *next_row += count;
    return true;
  };
}

struct FileSummary {
  int64_t rows;
  std::string stats;
  bool operator<(const FileSummary& other) const {
    return std::tie(rows, stats) < std::tie(other.rows, other.stats);
  }
  bool operator==(const FileSummary& other) const = default;
};

std::vector<FileSummary> Files(const StagedPartition& staged) {
  std::vector<FileSummary> out;
  for (const auto& add : staged.adds) {
    out.push_back({internal::ReadNumRecords(add.stats).value_or(-1), add.stats});
  }
  return out;
}

size_t RowGroupsOf(const Table& t, const StagedPartition& staged) {
  size_t groups = 0;
  for (const auto& add : staged.adds) {
    auto path = paths::ResolveDataPath(t.dir(), add.path);
    if (!path) continue;
    auto reader = parquet::Reader::OpenFile(*path);
    if (reader) groups += reader->info().row_groups.size();
  }
  return groups;
}

ColumnBatch ScanPartition(Table& t, std::vector<StagedPartition> staged) {
  auto base = t.Latest();
  EXPECT_THAT(base, IsOk());
  auto committed = t.CommitStagedPartitions(**base, std::move(staged));
  EXPECT_THAT(committed, IsOk());
  auto snap = t.Latest();
  auto rows = t.Scan(**snap);
  EXPECT_THAT(rows, IsOk());
  return rows ? std::move(*rows) : ColumnBatch();
}

void ExpectSameRows(const ColumnBatch& a, const ColumnBatch& b) {
  ASSERT_EQ(a.num_rows(), b.num_rows());
  ASSERT_EQ(a.schema(), b.schema());
  for (size_t col = 0; col < a.num_columns(); ++col) {
    for (size_t row = 0; row < a.num_rows(); ++row) {
      ASSERT_EQ(a.column(col).IsNull(row), b.column(col).IsNull(row)) << col << " " << row;
      if (a.column(col).IsNull(row)) continue;
      std::visit(
          [&](const auto& left) {
            using V = std::decay_t<decltype(left)>;
            const auto& right = std::get<V>(b.column(col).values);
            if constexpr (std::is_same_v<typename V::value_type, double>) {
              if (std::isnan(left[row])) {
                EXPECT_TRUE(std::isnan(right[row]));
                return;
              }
            }
            EXPECT_EQ(left[row], right[row]) << "column " << col << " row " << row;
          },
          a.column(col).values);
    }
  }
}

// Stages `n` rows both ways (chunks of `chunk_rows`, files of at most
// `file_rows`) and compares what the two tables hold.
void ExpectChunkedEqualsWhole(int n, size_t chunk_rows, int64_t file_rows, int nan_row = -1) {
  SCOPED_TRACE("rows " + std::to_string(n) + ", chunks of " + std::to_string(chunk_rows) + ", files of " +
               std::to_string(file_rows));
  const ColumnBatch rows = Rows(n, nan_row);
  TempDir whole_dir, chunked_dir;
  auto whole = Table::Create(Dir(whole_dir), BarsCreate(), {.max_rows_per_file = file_rows});
  auto chunked = Table::Create(Dir(chunked_dir), BarsCreate(), {.max_rows_per_file = file_rows});
  ASSERT_THAT(whole, IsOk());
  ASSERT_THAT(chunked, IsOk());
  auto whole_base = whole->Latest();
  auto chunked_base = chunked->Latest();
  auto staged_whole = whole->StagePartition(**whole_base, BarsPartition("A"), rows);
  auto staged_chunked = chunked->StagePartitionChunks(**chunked_base, BarsPartition("A"), ChunksOf(rows, chunk_rows));
  ASSERT_THAT(staged_whole, IsOk());
  ASSERT_THAT(staged_chunked, IsOk());
  EXPECT_EQ(staged_chunked->rows, n);
  EXPECT_EQ(Files(*staged_chunked), Files(*staged_whole));  // rows and add.stats per file, in order
  // One row group per chunk, or per piece of a chunk split between files.
  EXPECT_GE(RowGroupsOf(*chunked, *staged_chunked), (static_cast<size_t>(n) + chunk_rows - 1) / chunk_rows);
  std::vector<StagedPartition> w, c;
  w.push_back(std::move(*staged_whole));
  c.push_back(std::move(*staged_chunked));
  ExpectSameRows(ScanPartition(*chunked, std::move(c)), ScanPartition(*whole, std::move(w)));
}

TEST(DeltaChunkedStageTest, ChunkedEqualsWholeAcrossChunkAndFileBoundaries) {
  constexpr size_t kChunk = 7;
  ExpectChunkedEqualsWhole(3, kChunk, 1 << 20);               // smaller than one chunk
  ExpectChunkedEqualsWhole(7, kChunk, 1 << 20);               // exactly one chunk
  ExpectChunkedEqualsWhole(8, kChunk, 1 << 20);               // one chunk and one row
  ExpectChunkedEqualsWhole(50, kChunk, 1 << 20);              // many chunks, one file
  ExpectChunkedEqualsWhole(50, kChunk, 14);                   // chunks divide the file size
  ExpectChunkedEqualsWhole(50, kChunk, 10);                   // chunks straddle file boundaries
  ExpectChunkedEqualsWhole(50, 64, 10);                       // a chunk bigger than a file
  ExpectChunkedEqualsWhole(50, kChunk, 1 << 20, /*nan_row=*/45);  // NaN in the last chunk only
  ExpectChunkedEqualsWhole(50, kChunk, 10, /*nan_row=*/2);        // NaN in the first file only
}

TEST(DeltaChunkedStageTest, NoRowsEmptiesThePartitionAndEmptyChunksAreSkipped) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate());
  ASSERT_THAT(t, IsOk());
  ASSERT_THAT(t->Append(Bars("A", 3)), IsOk());
  auto base = t->Latest();
  auto none = t->StagePartitionChunks(**base, BarsPartition("A"), [](ColumnBatch&) -> Result<bool> { return false; });
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->adds.empty());
  EXPECT_EQ(none->rows, 0);
  // Empty chunks between full ones add nothing.
  int calls = 0;
  auto sparse = t->StagePartitionChunks(**base, BarsPartition("A"), [&calls](ColumnBatch& chunk) -> Result<bool> {
    ++calls;
    if (calls > 4) return false;
    chunk = ColumnBatch(chunk.schema());
    if (calls % 2 == 0) {
      chunk.Int64s(0).push_back(1'700'000'000'000'000 + calls);
      chunk.Doubles(1).push_back(calls);
    }
    return true;
  });
  ASSERT_THAT(sparse, IsOk());
  EXPECT_EQ(sparse->rows, 2);
  ASSERT_EQ(sparse->adds.size(), 1u);
  EXPECT_EQ(internal::ReadNumRecords(sparse->adds[0].stats), 2);
}

TEST(DeltaChunkedStageTest, SourceAndChunkErrorsRemoveTheFilesWritten) {
  TempDir tmp;
  auto t = Table::Create(Dir(tmp), BarsCreate(), {.max_rows_per_file = 4});
  ASSERT_THAT(t, IsOk());
  auto base = t->Latest();
  const ColumnBatch rows = Rows(20);
  auto files_on_disk = [&]() {
    size_t n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(Dir(tmp))) {
      n += e.path().extension() == ".parquet" ? 1 : 0;
    }
    return n;
  };
  // The source fails after two files were complete.
  Table::ChunkSource good = ChunksOf(rows, 3);
  int calls = 0;
  auto failing = t->StagePartitionChunks(**base, BarsPartition("A"), [&](ColumnBatch& chunk) -> Result<bool> {
    if (++calls == 4) return IoError("source went away");
    return good(chunk);
  });
  EXPECT_THAT(failing, ErrorIs(ErrorCode::kIo));
  EXPECT_EQ(files_on_disk(), 0u);
  // A chunk of another schema (the partition columns kept).
  auto wrong_schema = t->StagePartitionChunks(**base, BarsPartition("A"), [&](ColumnBatch& chunk) -> Result<bool> {
    chunk = Bars("A", 2);
    return true;
  });
  EXPECT_THAT(wrong_schema, ErrorIs(ErrorCode::kInvalidArgument, "rows"));
  // Columns of different lengths.
  auto ragged = t->StagePartitionChunks(**base, BarsPartition("A"), [&](ColumnBatch& chunk) -> Result<bool> {
    chunk.Int64s(0).assign(3, 1'700'000'000'000'000);
    chunk.Doubles(1).assign(2, 1.0);
    return true;
  });
  EXPECT_THAT(ragged, ErrorIs(ErrorCode::kInvalidArgument));
  EXPECT_EQ(files_on_disk(), 0u);
  // An incomplete partition map.
  EXPECT_THAT(t->StagePartitionChunks(**base, {{"symbol", "A"}}, ChunksOf(rows, 3)),
              ErrorIs(ErrorCode::kInvalidArgument, "partitions"));
}

}  // namespace
}  // namespace rc::lake::delta
