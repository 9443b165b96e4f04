// Column memory (lake/column_memory.h): ColumnVector keeps std::vector's
// semantics (value-initialised growth, copies to and from std::vector), large
// blocks are reused after they are freed without leaking their old contents
// into value-initialised growth, and a Parquet read reuses the previous
// read's columns and still writes every row, nulls included.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "lake/column_batch.h"
#include "lake/column_memory.h"
#include "lake/parquet/parquet.h"

namespace rc::lake {
namespace {

// Just over kLargeColumnBlock as doubles, so the block is mapped and cached.
constexpr size_t kLargeRows = kLargeColumnBlock / sizeof(double) + 4096;

TEST(ColumnMemoryTest, ConvertsToAndFromStdVectorAndComparesWithOne) {
  const std::vector<double> plain{1.5, 2.5, 3.5};
  ColumnVector<double> column = plain;
  EXPECT_EQ(column, plain);
  EXPECT_EQ(plain, column);
  column.push_back(4.5);
  EXPECT_NE(column, plain);
  std::vector<double> back = column;
  EXPECT_EQ(back, (std::vector<double>{1.5, 2.5, 3.5, 4.5}));
  ColumnVector<std::string> names = {"a", "b"};
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b"}));
}

TEST(ColumnMemoryTest, SmallVectorsDoNotTouchTheLargeBlockCache) {
  ReleaseCachedColumnMemory();
  const ColumnMemoryStats before = GetColumnMemoryStats();
  { ColumnVector<int64_t> small(1000, 7); }
  const ColumnMemoryStats after = GetColumnMemoryStats();
  EXPECT_EQ(after.mapped_blocks, before.mapped_blocks);
  EXPECT_EQ(after.cached_blocks, 0u);
}

TEST(ColumnMemoryTest, FreedLargeBlockIsReusedAndValueInitialisedGrowthIsZero) {
  ReleaseCachedColumnMemory();
  const ColumnMemoryStats start = GetColumnMemoryStats();
  const double* first_data = nullptr;
  {
    ColumnVector<double> dirty;
    dirty.resize_for_overwrite(kLargeRows);
    std::fill(dirty.begin(), dirty.end(), 7.25);
    first_data = dirty.data();
  }
  ColumnMemoryStats freed = GetColumnMemoryStats();
  EXPECT_EQ(freed.mapped_blocks, start.mapped_blocks + 1);
  EXPECT_EQ(freed.cached_blocks, 1u);
  EXPECT_GE(freed.cached_bytes, kLargeRows * sizeof(double));

  // The same size again comes from the cache; resize(n) still zero-fills it.
  {
    ColumnVector<double> clean;
    clean.resize(kLargeRows);
    EXPECT_EQ(clean.data(), first_data);
    size_t nonzero = 0;
    for (double value : clean) nonzero += value != 0.0 ? 1 : 0;
    EXPECT_EQ(nonzero, 0u);
  }
  {
    ColumnVector<double> counted(kLargeRows);
    EXPECT_EQ(counted.data(), first_data);
    EXPECT_EQ(counted.front(), 0.0);
    EXPECT_EQ(counted.back(), 0.0);
  }
  const ColumnMemoryStats reused = GetColumnMemoryStats();
  EXPECT_EQ(reused.reused_blocks, start.reused_blocks + 2);
  EXPECT_EQ(reused.mapped_blocks, start.mapped_blocks + 1);

  // The best fit is taken, and a kept block more than a quarter too big is
  // not handed out: with blocks of 1x and 2x kept, two 1x requests get the 1x
  // block and a fresh one.
  const double* bigger_data = nullptr;
  {
    ColumnVector<double> bigger;
    bigger.resize_for_overwrite(kLargeRows * 2);
    bigger_data = bigger.data();
    EXPECT_NE(bigger_data, first_data);
  }
  EXPECT_EQ(GetColumnMemoryStats().cached_blocks, 2u);
  {
    ColumnVector<double> fits;
    fits.resize_for_overwrite(kLargeRows);
    EXPECT_EQ(fits.data(), first_data);
    ColumnVector<double> too_small_for_kept;
    too_small_for_kept.resize_for_overwrite(kLargeRows);
    EXPECT_NE(too_small_for_kept.data(), bigger_data);
  }
  ReleaseCachedColumnMemory();
  EXPECT_EQ(GetColumnMemoryStats().cached_blocks, 0u);
  EXPECT_EQ(GetColumnMemoryStats().cached_bytes, 0u);
}

TEST(ColumnMemoryTest, ParquetReadReusesTheLastReadsColumnsAndWritesEveryNullSlot) {
  Schema schema{{{"x", ColumnType::kDouble, true}}};
  ColumnBatch full(schema);
  full.Doubles(0).assign(kLargeRows, 9.5);
  ColumnBatch holes(schema);
  holes.Doubles(0).assign(kLargeRows, 1.0);
  for (size_t row = 0; row < kLargeRows; row += 3) holes.SetNull(0, row);
  auto full_file = parquet::Encode(full, {});
  auto holes_file = parquet::Encode(holes, {});
  ASSERT_TRUE(full_file.has_value());
  ASSERT_TRUE(holes_file.has_value());

  ReleaseCachedColumnMemory();
  {
    auto reader = parquet::Reader::OpenBuffer(*full_file);
    ASSERT_TRUE(reader.has_value());
    auto batch = reader->Read();
    ASSERT_TRUE(batch.has_value());
    EXPECT_EQ(batch->Doubles(0), full.Doubles(0));
  }  // its column (all 9.5) goes back to the cache
  const ColumnMemoryStats before = GetColumnMemoryStats();
  auto reader = parquet::Reader::OpenBuffer(*holes_file);
  ASSERT_TRUE(reader.has_value());
  auto batch = reader->Read();
  ASSERT_TRUE(batch.has_value());
  EXPECT_GT(GetColumnMemoryStats().reused_blocks, before.reused_blocks);
  ASSERT_EQ(batch->num_rows(), kLargeRows);
  size_t wrong = 0;
  for (size_t row = 0; row < kLargeRows; ++row) {
    const bool null = row % 3 == 0;
    if (batch->column(0).IsNull(row) != null) ++wrong;
    // Null slots hold the default value, never the previous read's 9.5.
    if (batch->Doubles(0)[row] != (null ? 0.0 : 1.0)) ++wrong;
  }
  EXPECT_EQ(wrong, 0u);
}

}  // namespace
}  // namespace rc::lake
