// Property test: random flat schemas, random data and random writer options
// (seeded, so failures reproduce); every file must read back equal, and
// reading a projection or a row-group-skipping range must agree with the
// same operation done on the in-memory batch.
#include <algorithm>
#include <random>

#include <gtest/gtest.h>

#include "lake/parquet/parquet.h"
#include "lake/parquet_test_util.h"
#include "testing/matchers.h"

namespace rc::lake::parquet {
namespace {

using rc::lake::testing::BatchesEqual;
using rc::lake::testing::FillColumn;
using rc::lake::testing::NullPattern;
using rc::testing::IsOk;

constexpr ColumnType kTypes[] = {ColumnType::kBool,   ColumnType::kInt32,  ColumnType::kInt64,
                                 ColumnType::kFloat,  ColumnType::kDouble, ColumnType::kString,
                                 ColumnType::kTimestampMicros, ColumnType::kDate};

TEST(ParquetPropertyTest, RandomSchemasAndOptionsRoundTrip) {
  constexpr int kIterations = 400;
  for (int iteration = 0; iteration < kIterations; ++iteration) {
    SCOPED_TRACE("iteration " + std::to_string(iteration));
    std::mt19937_64 rng(1000 + static_cast<uint64_t>(iteration));
    auto uniform = [&](size_t lo, size_t hi) { return std::uniform_int_distribution<size_t>(lo, hi)(rng); };
    Schema schema;
    const size_t cols = uniform(1, 6);
    for (size_t col = 0; col < cols; ++col) {
      schema.fields.push_back(
          Field{"c" + std::to_string(col), kTypes[uniform(0, 7)], uniform(0, 1) == 1});
    }
    const size_t rows = uniform(0, 300);
    ColumnBatch batch(schema);
    for (size_t col = 0; col < cols; ++col) {
      const auto nulls = static_cast<NullPattern>(uniform(0, 2));
      FillColumn(&batch, col, rows, nulls, uniform(1, 400), rng);
    }
    WriteOptions options;
    options.codec = static_cast<Codec>(uniform(0, 3));
    options.row_group_rows = static_cast<int64_t>(uniform(1, 120));
    options.data_page_bytes = static_cast<int64_t>(uniform(1, 4096));
    options.dictionary = uniform(0, 3) != 0;
    options.dictionary_max_bytes = static_cast<int64_t>(uniform(0, 3000));
    options.zstd_level = static_cast<int>(uniform(1, 5));
    auto bytes = Encode(batch, options);
    ASSERT_THAT(bytes, IsOk());
    auto reader = Reader::OpenBuffer(*bytes);
    ASSERT_THAT(reader, IsOk());
    auto read = reader->Read();
    ASSERT_THAT(read, IsOk());
    ASSERT_TRUE(BatchesEqual(batch, *read));

    // A random projection (random order, subset) reads the same columns.
    std::vector<std::string> names;
    for (const Field& f : schema.fields) names.push_back(f.name);
    std::shuffle(names.begin(), names.end(), rng);
    names.resize(uniform(1, names.size()));
    auto projected = reader->Read({.columns = names});
    ASSERT_THAT(projected, IsOk());
    auto expected = batch.Project(names);
    ASSERT_THAT(expected, IsOk());
    ASSERT_TRUE(BatchesEqual(*expected, *projected));

    // Row-group skipping never drops a row whose value is inside the range.
    const int ts_col = [&] {
      for (size_t col = 0; col < cols; ++col) {
        if (schema.fields[col].type == ColumnType::kTimestampMicros) return static_cast<int>(col);
      }
      return -1;
    }();
    if (ts_col >= 0 && rows > 0) {
      const auto& ts = batch.Int64s(static_cast<size_t>(ts_col));
      const int64_t a = ts[uniform(0, rows - 1)];
      const int64_t b = ts[uniform(0, rows - 1)];
      ReadOptions range_options;
      range_options.columns = {schema.fields[static_cast<size_t>(ts_col)].name};
      range_options.time_range = ReadOptions::Range{range_options.columns[0], std::min(a, b), std::max(a, b)};
      auto ranged = reader->Read(range_options);
      ASSERT_THAT(ranged, IsOk());
      size_t expected_hits = 0;
      size_t actual_hits = 0;
      const Column& in = batch.column(static_cast<size_t>(ts_col));
      for (size_t row = 0; row < rows; ++row) {
        if (!in.IsNull(row) && ts[row] >= std::min(a, b) && ts[row] <= std::max(a, b)) ++expected_hits;
      }
      const Column& out = ranged->column(0);
      for (size_t row = 0; row < ranged->num_rows(); ++row) {
        const int64_t v = ranged->Int64s(0)[row];
        if (!out.IsNull(row) && v >= std::min(a, b) && v <= std::max(a, b)) ++actual_hits;
      }
      ASSERT_EQ(expected_hits, actual_hits);
    }
  }
}

}  // namespace
}  // namespace rc::lake::parquet
