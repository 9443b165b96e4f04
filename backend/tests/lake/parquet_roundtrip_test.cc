// Round trips through our writer and reader for every type x null pattern x
// codec x encoding mode x row-group size, with statistics checked against
// values recomputed from the batch.
#include <algorithm>
#include <cmath>
#include <random>
#include <tuple>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lake/parquet/parquet.h"
#include "lake/parquet_test_util.h"
#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc::lake::parquet {
namespace {

using rc::lake::testing::AllTypeFields;
using rc::lake::testing::BatchesEqual;
using rc::lake::testing::FillColumn;
using rc::lake::testing::NullPattern;
using rc::testing::ErrorIs;
using rc::testing::IsOk;

enum class EncodingMode { kDictionary, kPlain, kForcedFallback };

// One column per type, nullable and required; `distinct` values per column.
ColumnBatch MakeAllTypesBatch(size_t rows, NullPattern nulls, size_t distinct, uint64_t seed) {
  Schema schema;
  for (const Field& f : AllTypeFields(true)) schema.fields.push_back(f);
  for (const Field& f : AllTypeFields(false)) schema.fields.push_back(f);
  ColumnBatch batch(schema);
  std::mt19937_64 rng(seed);
  for (size_t col = 0; col < schema.fields.size(); ++col) FillColumn(&batch, col, rows, nulls, distinct, rng);
  return batch;
}

// Expected statistics of rows [begin, end) of column `col`, by the rules of
// docs/formats.md §1.6 (NaN skipped, zero min -0.0 / zero max +0.0).
void ExpectStats(const ColumnBatch& batch, size_t col, size_t begin, size_t end, const ColumnChunkStats& stats) {
  const Column& column = batch.column(col);
  int64_t nulls = 0;
  for (size_t row = begin; row < end; ++row) nulls += column.IsNull(row) ? 1 : 0;
  ASSERT_TRUE(stats.null_count.has_value());
  EXPECT_EQ(*stats.null_count, nulls);
  std::visit(
      [&](const auto& vec) {
        using T = typename std::decay_t<decltype(vec)>::value_type;
        bool any = false;
        T min{};
        T max{};
        for (size_t row = begin; row < end; ++row) {
          if (column.IsNull(row)) continue;
          if constexpr (std::is_floating_point_v<T>) {
            if (std::isnan(vec[row])) continue;
          }
          if (!any || vec[row] < min) min = vec[row];
          if (!any || max < vec[row]) max = vec[row];
          any = true;
        }
        if (!any) {
          EXPECT_FALSE(stats.min.has_value());
          EXPECT_FALSE(stats.max.has_value());
          return;
        }
        ASSERT_TRUE(stats.min.has_value());
        ASSERT_TRUE(stats.max.has_value());
        if constexpr (std::is_same_v<T, uint8_t>) {
          EXPECT_EQ(std::get<bool>(*stats.min), min != 0);
          EXPECT_EQ(std::get<bool>(*stats.max), max != 0);
        } else if constexpr (std::is_floating_point_v<T>) {
          EXPECT_EQ(std::get<T>(*stats.min), min);
          EXPECT_EQ(std::get<T>(*stats.max), max);
          if (min == 0) {
            EXPECT_TRUE(std::signbit(std::get<T>(*stats.min)));
          }
          if (max == 0) {
            EXPECT_FALSE(std::signbit(std::get<T>(*stats.max)));
          }
        } else {
          EXPECT_EQ(std::get<T>(*stats.min), min);
          EXPECT_EQ(std::get<T>(*stats.max), max);
        }
      },
      column.values);
}

using RoundTripParam = std::tuple<NullPattern, Codec, EncodingMode, int64_t>;
class RoundTripTest : public ::testing::TestWithParam<RoundTripParam> {};

std::string RoundTripName(const ::testing::TestParamInfo<RoundTripParam>& info) {
  static const char* const kNulls[] = {"NoNulls", "SomeNulls", "AllNulls"};
  static const char* const kCodecs[] = {"Uncompressed", "Snappy", "Gzip", "Zstd"};
  static const char* const kModes[] = {"Dictionary", "Plain", "Fallback"};
  return std::string(kNulls[static_cast<int>(std::get<0>(info.param))]) +
         kCodecs[static_cast<int>(std::get<1>(info.param))] + kModes[static_cast<int>(std::get<2>(info.param))] +
         "Rg" + std::to_string(std::get<3>(info.param));
}

TEST_P(RoundTripTest, EveryTypeSurvivesWriteThenRead) {
  const auto [nulls, codec, mode, row_group_rows] = GetParam();
  const size_t rows = 1000;
  const size_t distinct = mode == EncodingMode::kPlain ? 1000 : 40;
  const ColumnBatch batch = MakeAllTypesBatch(rows, nulls, distinct, 42);
  WriteOptions options;
  options.codec = codec;
  options.row_group_rows = row_group_rows;
  options.data_page_bytes = 512;  // several pages per chunk
  options.dictionary = mode != EncodingMode::kPlain;
  if (mode == EncodingMode::kForcedFallback) options.dictionary_max_bytes = 64;
  options.key_value_metadata = {{"origin", "roundtrip"}, {"empty", ""}};

  auto bytes = Encode(batch, options);
  ASSERT_THAT(bytes, IsOk());
  auto reader = Reader::OpenBuffer(*bytes);
  ASSERT_THAT(reader, IsOk());
  const FileInfo& info = reader->info();
  EXPECT_EQ(info.schema, batch.schema());
  EXPECT_EQ(info.num_rows, static_cast<int64_t>(rows));
  EXPECT_EQ(info.row_groups.size(), (rows + static_cast<size_t>(row_group_rows) - 1) / static_cast<size_t>(row_group_rows));
  EXPECT_THAT(info.created_by, ::testing::StartsWith("regimecast version "));
  EXPECT_EQ(info.key_value_metadata, options.key_value_metadata);
  size_t begin = 0;
  for (const RowGroupInfo& group : info.row_groups) {
    const size_t end = begin + static_cast<size_t>(group.num_rows);
    for (size_t col = 0; col < batch.num_columns(); ++col) {
      SCOPED_TRACE(batch.schema().fields[col].name);
      ExpectStats(batch, col, begin, end, group.columns[col]);
    }
    begin = end;
  }
  auto read = reader->Read();
  ASSERT_THAT(read, IsOk());
  EXPECT_TRUE(BatchesEqual(batch, *read));
  // Re-encoding what we read gives the same file (our writer is deterministic).
  auto again = Encode(*read, options);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*again, *bytes);
}

INSTANTIATE_TEST_SUITE_P(
    Matrix, RoundTripTest,
    ::testing::Combine(::testing::Values(NullPattern::kNone, NullPattern::kSome, NullPattern::kAll),
                       ::testing::Values(Codec::kUncompressed, Codec::kSnappy, Codec::kGzip, Codec::kZstd),
                       ::testing::Values(EncodingMode::kDictionary, EncodingMode::kPlain,
                                         EncodingMode::kForcedFallback),
                       ::testing::Values(int64_t{1000}, int64_t{128})),
    RoundTripName);

// Files of more than 65,536 rows decode on several threads, each (row group,
// column) chunk into its own rows of columns sized up front: row groups of
// uneven length, many pages per chunk, pages ending mid-run of nulls, PLAIN
// pages decompressed straight into the output and dictionary pages.
using ParallelParam = std::tuple<NullPattern, Codec, bool>;
class ParallelReadTest : public ::testing::TestWithParam<ParallelParam> {};

TEST_P(ParallelReadTest, RowGroupsTimesColumnsDecodeIntoTheirOwnRows) {
  const auto [nulls, codec, dictionary] = GetParam();
  const size_t rows = 70'001;
  const ColumnBatch batch = MakeAllTypesBatch(rows, nulls, dictionary ? 50 : 100'000, 11);
  WriteOptions options;
  options.codec = codec;
  options.row_group_rows = 16'000;  // four full groups and one of 6,001 rows
  options.data_page_bytes = 4096;
  options.dictionary = dictionary;
  auto bytes = Encode(batch, options);
  ASSERT_THAT(bytes, IsOk());
  auto reader = Reader::OpenBuffer(*bytes);
  ASSERT_THAT(reader, IsOk());
  ASSERT_EQ(reader->info().row_groups.size(), 5u);
  auto read = reader->Read();
  ASSERT_THAT(read, IsOk());
  EXPECT_TRUE(BatchesEqual(batch, *read));
  for (size_t col = 0; col < batch.num_columns(); ++col) {
    SCOPED_TRACE(batch.schema().fields[col].name);
    // Validity is kept only for columns that hold a null (ColumnBatch contract).
    EXPECT_EQ(read->column(col).validity.empty(), batch.column(col).validity.empty());
    for (size_t row = 0; row < rows; ++row) {
      if (!read->column(col).IsNull(row)) continue;
      // Null rows hold the type's default value, not a neighbour's left behind.
      std::visit(
          [&](const auto& vec) {
            using T = typename std::decay_t<decltype(vec)>::value_type;
            EXPECT_TRUE(testing::SameValue(vec[row], T{})) << "row " << row;
          },
          read->column(col).values);
      if (::testing::Test::HasFailure()) return;
    }
  }
  // Row-group skipping hands the decoders rows that start mid-file.
  auto projected = reader->Read({.columns = {"f64_req", "s"}});
  ASSERT_THAT(projected, IsOk());
  auto expected = batch.Project({"f64_req", "s"});
  ASSERT_THAT(expected, IsOk());
  EXPECT_TRUE(BatchesEqual(*expected, *projected));
}

std::string ParallelReadName(const ::testing::TestParamInfo<ParallelParam>& info) {
  static const char* const kCodecs[] = {"Uncompressed", "Snappy", "Gzip", "Zstd"};
  return std::string(std::get<0>(info.param) == NullPattern::kNone ? "NoNulls" : "SomeNulls") +
         kCodecs[static_cast<int>(std::get<1>(info.param))] + (std::get<2>(info.param) ? "Dictionary" : "Plain");
}

INSTANTIATE_TEST_SUITE_P(Matrix, ParallelReadTest,
                         ::testing::Combine(::testing::Values(NullPattern::kNone, NullPattern::kSome),
                                            ::testing::Values(Codec::kUncompressed, Codec::kSnappy, Codec::kZstd),
                                            ::testing::Bool()),
                         ParallelReadName);

TEST(ParquetReaderTest, ParallelReadHonoursTheTimeRange) {
  // 100,000 rows in groups of 10,000: the range keeps groups 3..5, which the
  // parallel decoder places at rows 0..29,999 of the result.
  Schema schema{{{"ts", ColumnType::kTimestampMicros, false}, {"v", ColumnType::kDouble, true},
                 {"s", ColumnType::kString, false}}};
  ColumnBatch batch(schema);
  for (int64_t row = 0; row < 100'000; ++row) {
    batch.Int64s(0).push_back(1'700'000'000'000'000 + row * 60'000'000);
    batch.Doubles(1).push_back(static_cast<double>(row) * 0.5);
    batch.Strings(2).push_back("SYM" + std::to_string(row / 7'000));
  }
  for (size_t row = 25'000; row < 100'000; row += 3) batch.SetNull(1, row);
  WriteOptions options;
  options.row_group_rows = 10'000;
  options.codec = Codec::kZstd;
  auto bytes = Encode(batch, options);
  ASSERT_THAT(bytes, IsOk());
  auto reader = Reader::OpenBuffer(*bytes);
  ASSERT_THAT(reader, IsOk());
  ReadOptions read_options;
  read_options.time_range = ReadOptions::Range{"ts", 1'700'000'000'000'000 + int64_t{30'000} * 60'000'000,
                                               1'700'000'000'000'000 + int64_t{59'999} * 60'000'000};
  auto read = reader->Read(read_options);
  ASSERT_THAT(read, IsOk());
  EXPECT_TRUE(BatchesEqual(batch.Slice(30'000, 30'000), *read));
}

TEST(ParquetWriterTest, EmptyBatchWritesNoRowGroupsAndReadsBack) {
  Schema schema{{{"ts", ColumnType::kTimestampMicros, false}, {"s", ColumnType::kString, true}}};
  ColumnBatch batch(schema);
  auto bytes = Encode(batch, {});
  ASSERT_THAT(bytes, IsOk());
  auto reader = Reader::OpenBuffer(*bytes);
  ASSERT_THAT(reader, IsOk());
  EXPECT_EQ(reader->info().num_rows, 0);
  EXPECT_TRUE(reader->info().row_groups.empty());
  auto read = reader->Read();
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->num_rows(), 0u);
  EXPECT_EQ(read->schema(), schema);
}

// EncodeTo hands over pieces that concatenate to exactly Encode's bytes, also
// when later row groups, dictionary pages and chunks start after a flushed
// piece (their offsets count the bytes flushed before); a failing write stops it.
TEST(ParquetWriterTest, EncodeToStreamsTheSameBytesAsEncodeInSeveralPieces) {
  // Every type with few distinct values (dictionary pages), after three
  // columns of random doubles (PLAIN, incompressible: several MiB in all).
  const size_t rows = 300'000;
  const ColumnBatch few = MakeAllTypesBatch(rows, NullPattern::kSome, 50, 11);
  Schema schema;
  for (const char* name : {"noise1", "noise2", "noise3"}) schema.fields.push_back({name, ColumnType::kDouble, false});
  for (const Field& f : few.schema().fields) schema.fields.push_back(f);
  ColumnBatch batch(schema);
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> noise(-1, 1);
  for (size_t col = 0; col < 3; ++col) {
    for (size_t row = 0; row < rows; ++row) batch.Doubles(col).push_back(noise(rng));
  }
  for (size_t col = 0; col < few.num_columns(); ++col) batch.column(col + 3) = few.column(col);
  WriteOptions options;
  options.row_group_rows = 100'000;
  auto whole = Encode(batch, options);
  ASSERT_THAT(whole, IsOk());
  std::string streamed;
  int pieces = 0;
  auto size = EncodeTo(batch, options, [&](std::string_view piece) -> Status {
    streamed.append(piece);
    ++pieces;
    return Ok();
  });
  ASSERT_THAT(size, IsOk());
  EXPECT_GT(pieces, 1);
  EXPECT_EQ(*size, static_cast<int64_t>(whole->size()));
  EXPECT_TRUE(streamed == *whole);
  auto reader = Reader::OpenBuffer(streamed);
  ASSERT_THAT(reader, IsOk());
  EXPECT_EQ(reader->info().row_groups.size(), 3u);
  auto read = reader->Read();
  ASSERT_THAT(read, IsOk());
  EXPECT_TRUE(BatchesEqual(*read, batch));

  auto failing = EncodeTo(batch, options, [](std::string_view) -> Status { return IoError("disk full"); });
  EXPECT_THAT(failing, ErrorIs(ErrorCode::kIo));
}

// A StreamWriter fed chunks writes one row group per chunk (split at
// row_group_rows) whose rows and statistics read back as those of the whole
// batch; fed the whole batch at once it gives EncodeTo's bytes. Chunks of
// another schema, invalid chunks and writes after Finish are refused.
TEST(ParquetWriterTest, StreamWriterWritesEachChunkAsRowGroups) {
  const size_t rows = 1'000;
  const ColumnBatch batch = MakeAllTypesBatch(rows, NullPattern::kSome, 40, 21);
  WriteOptions options;
  options.row_group_rows = 300;
  std::string streamed;
  auto sink = [&streamed](std::string_view piece) -> Status {
    streamed.append(piece);
    return Ok();
  };
  auto writer = StreamWriter::Start(batch.schema(), options, sink);
  ASSERT_THAT(writer, IsOk());
  // Chunks of 1, 250, 400 (split into 300 + 100) and 349 rows.
  std::vector<size_t> group_rows;
  size_t begin = 0;
  for (size_t count : {size_t{1}, size_t{250}, size_t{400}, size_t{349}}) {
    ASSERT_THAT(writer->WriteRows(batch.Slice(begin, count)), IsOk());
    for (size_t done = 0; done < count; done += 300) group_rows.push_back(std::min<size_t>(300, count - done));
    begin += count;
  }
  ASSERT_EQ(begin, rows);
  EXPECT_EQ(writer->rows(), static_cast<int64_t>(rows));
  auto size = writer->Finish();
  ASSERT_THAT(size, IsOk());
  EXPECT_EQ(*size, static_cast<int64_t>(streamed.size()));
  EXPECT_THAT(writer->WriteRows(batch.Slice(0, 1)), ErrorIs(ErrorCode::kInternal));
  auto reader = Reader::OpenBuffer(streamed);
  ASSERT_THAT(reader, IsOk());
  ASSERT_EQ(reader->info().row_groups.size(), group_rows.size());
  size_t first = 0;
  for (size_t g = 0; g < group_rows.size(); ++g) {
    const RowGroupInfo& group = reader->info().row_groups[g];
    EXPECT_EQ(group.num_rows, static_cast<int64_t>(group_rows[g]));
    for (size_t col = 0; col < batch.num_columns(); ++col) {
      ExpectStats(batch, col, first, first + group_rows[g], group.columns[col]);
    }
    first += group_rows[g];
  }
  auto read = reader->Read();
  ASSERT_THAT(read, IsOk());
  EXPECT_TRUE(BatchesEqual(*read, batch));

  // The whole batch in one call: EncodeTo's bytes.
  std::string one_call;
  auto whole_writer = StreamWriter::Start(batch.schema(), options, [&one_call](std::string_view piece) -> Status {
    one_call.append(piece);
    return Ok();
  });
  ASSERT_THAT(whole_writer, IsOk());
  ASSERT_THAT(whole_writer->WriteRows(batch), IsOk());
  ASSERT_THAT(whole_writer->Finish(), IsOk());
  auto encoded = Encode(batch, options);
  ASSERT_THAT(encoded, IsOk());
  EXPECT_TRUE(one_call == *encoded);

  auto other = StreamWriter::Start(batch.schema(), options, sink);
  ASSERT_THAT(other, IsOk());
  Schema narrower{{batch.schema().fields.front()}};
  EXPECT_THAT(other->WriteRows(ColumnBatch(narrower)), ErrorIs(ErrorCode::kInvalidArgument, "rows"));
  ColumnBatch ragged = batch.Slice(0, 3);
  ragged.column(0).validity.assign(2, 1);
  EXPECT_THAT(other->WriteRows(ragged), ErrorIs(ErrorCode::kInvalidArgument));
  WriteOptions bad = options;
  bad.row_group_rows = 0;
  EXPECT_THAT(StreamWriter::Start(batch.schema(), bad, sink), ErrorIs(ErrorCode::kInvalidArgument, "row_group_rows"));
}

TEST(ParquetWriterTest, InvalidBatchIsRejected) {
  Schema schema{{{"a", ColumnType::kInt64, false}, {"b", ColumnType::kInt64, false}}};
  ColumnBatch batch(schema);
  batch.Int64s(0) = {1, 2};
  batch.Int64s(1) = {1};
  EXPECT_THAT(Encode(batch, {}), ErrorIs(ErrorCode::kInvalidArgument, "b"));
}

TEST(ParquetWriterTest, InvalidOptionsAreRejected) {
  Schema schema{{{"a", ColumnType::kInt64, false}}};
  ColumnBatch batch(schema);
  WriteOptions options;
  options.row_group_rows = 0;
  EXPECT_THAT(Encode(batch, options), ErrorIs(ErrorCode::kInvalidArgument, "row_group_rows"));
  options = {};
  options.data_page_bytes = -1;
  EXPECT_THAT(Encode(batch, options), ErrorIs(ErrorCode::kInvalidArgument, "data_page_bytes"));
  options = {};
  options.codec = Codec::kZstd;
  options.zstd_level = 99;
  EXPECT_THAT(Encode(batch, options), ErrorIs(ErrorCode::kInvalidArgument, "zstd_level"));
}

TEST(ParquetWriterTest, WriteFileThenOpenFile) {
  rc::testing::TempDir dir;
  const ColumnBatch batch = MakeAllTypesBatch(300, NullPattern::kSome, 10, 7);
  const std::string path = (dir / "x.parquet").string();
  ASSERT_THAT(WriteFile(path, batch, {}), IsOk());
  auto reader = Reader::OpenFile(path);
  ASSERT_THAT(reader, IsOk());
  auto read = reader->Read();
  ASSERT_THAT(read, IsOk());
  EXPECT_TRUE(BatchesEqual(batch, *read));
}

TEST(ParquetWriterTest, WriteFileIntoMissingDirectoryIsIoError) {
  rc::testing::TempDir dir;
  ColumnBatch batch(Schema{{{"a", ColumnType::kInt32, false}}});
  EXPECT_THAT(WriteFile((dir / "no/such/dir/x.parquet").string(), batch, {}), ErrorIs(ErrorCode::kIo));
}

TEST(ParquetReaderTest, OpenFileOfMissingPathIsIoError) {
  EXPECT_THAT(Reader::OpenFile("/nonexistent/x.parquet"), ErrorIs(ErrorCode::kIo));
}

TEST(ParquetReaderTest, ProjectionReturnsColumnsInRequestedOrder) {
  const ColumnBatch batch = MakeAllTypesBatch(500, NullPattern::kSome, 30, 3);
  auto bytes = Encode(batch, {});
  ASSERT_THAT(bytes, IsOk());
  auto reader = Reader::OpenBuffer(*bytes);
  ASSERT_THAT(reader, IsOk());
  auto read = reader->Read({.columns = {"s", "ts_req", "b"}});
  ASSERT_THAT(read, IsOk());
  auto expected = batch.Project({"s", "ts_req", "b"});
  ASSERT_THAT(expected, IsOk());
  EXPECT_TRUE(BatchesEqual(*expected, *read));
}

TEST(ParquetReaderTest, UnknownOrDuplicateProjectionIsAnError) {
  const ColumnBatch batch = MakeAllTypesBatch(10, NullPattern::kNone, 3, 3);
  auto bytes = Encode(batch, {});
  ASSERT_THAT(bytes, IsOk());
  auto reader = Reader::OpenBuffer(*bytes);
  ASSERT_THAT(reader, IsOk());
  EXPECT_THAT(reader->Read({.columns = {"nope"}}), ErrorIs(ErrorCode::kNotFound));
  EXPECT_THAT(reader->Read({.columns = {"s", "s"}}), ErrorIs(ErrorCode::kInvalidArgument, "columns"));
}

TEST(ParquetReaderTest, TimeRangeSkipsRowGroupsOutsideTheRange) {
  Schema schema{{{"ts", ColumnType::kTimestampMicros, false}, {"v", ColumnType::kDouble, true}}};
  ColumnBatch batch(schema);
  for (int64_t row = 0; row < 1000; ++row) {
    batch.Int64s(0).push_back(1'700'000'000'000'000 + row * 60'000'000);
    batch.Doubles(1).push_back(static_cast<double>(row));
  }
  WriteOptions options;
  options.row_group_rows = 100;
  auto bytes = Encode(batch, options);
  ASSERT_THAT(bytes, IsOk());
  auto reader = Reader::OpenBuffer(*bytes);
  ASSERT_THAT(reader, IsOk());
  ReadOptions read_options;
  // Rows 250..349 straddle row groups 2 and 3.
  read_options.time_range = ReadOptions::Range{"ts", 1'700'000'000'000'000 + int64_t{250} * 60'000'000,
                                               1'700'000'000'000'000 + int64_t{349} * 60'000'000};
  auto read = reader->Read(read_options);
  ASSERT_THAT(read, IsOk());
  EXPECT_TRUE(BatchesEqual(batch.Slice(200, 200), *read));
  read_options.time_range->min = 0;
  read_options.time_range->max = 5;
  auto none = reader->Read(read_options);
  ASSERT_THAT(none, IsOk());
  EXPECT_EQ(none->num_rows(), 0u);
  read_options.time_range->column = "v";
  EXPECT_THAT(reader->Read(read_options), ErrorIs(ErrorCode::kInvalidArgument, "time_range.column"));
  read_options.time_range->column = "missing";
  EXPECT_THAT(reader->Read(read_options), ErrorIs(ErrorCode::kNotFound));
}

TEST(ParquetWriterTest, DictionaryFallbackKeepsEarlyPagesDictionaryEncoded) {
  // 5000 distinct strings of ~20 bytes overflow a 4 KiB dictionary early.
  Schema schema{{{"s", ColumnType::kString, false}}};
  ColumnBatch batch(schema);
  for (int row = 0; row < 5000; ++row) batch.Strings(0).push_back("value-" + std::to_string(row * 7919));
  WriteOptions options;
  options.dictionary_max_bytes = 4096;
  options.data_page_bytes = 1024;
  auto with_fallback = Encode(batch, options);
  ASSERT_THAT(with_fallback, IsOk());
  options.dictionary = false;
  auto plain = Encode(batch, options);
  ASSERT_THAT(plain, IsOk());
  EXPECT_NE(*with_fallback, *plain);
  auto reader = Reader::OpenBuffer(*with_fallback);
  ASSERT_THAT(reader, IsOk());
  auto read = reader->Read();
  ASSERT_THAT(read, IsOk());
  EXPECT_TRUE(BatchesEqual(batch, *read));
}

TEST(ParquetWriterTest, MostlyDistinctNumbersAreWrittenPlainWithoutADictionaryAttempt) {
  // Prices and timestamps: every value distinct. With dictionary encoding on,
  // the chunks come out exactly as with it off (PLAIN throughout), for a
  // chunk longer than the probe and one shorter, with nulls.
  for (int rows : {20000, 700}) {
    Schema schema{{{"ts", ColumnType::kTimestampMicros, false}, {"price", ColumnType::kDouble, true},
                   {"flag", ColumnType::kDouble, false}}};
    ColumnBatch batch(schema);
    for (int row = 0; row < rows; ++row) {
      batch.Int64s(0).push_back(1'700'000'000'000'000LL + row * 300'000'000LL);
      batch.Doubles(1).push_back(100.0 + row * 0.013);
      batch.Doubles(2).push_back(row % 3);  // three values: the dictionary pays
    }
    batch.SetNull(1, 5);
    WriteOptions options;
    auto with_dictionary = Encode(batch, options);
    ASSERT_THAT(with_dictionary, IsOk());
    auto reader = Reader::OpenBuffer(*with_dictionary);
    ASSERT_THAT(reader, IsOk());
    auto read = reader->Read();
    ASSERT_THAT(read, IsOk());
    EXPECT_TRUE(BatchesEqual(batch, *read));
    // Only "flag" differs from an all-PLAIN file: drop it and the files match.
    ColumnBatch distinct_only = *batch.Project({"ts", "price"});
    auto distinct_dict = Encode(distinct_only, options);
    options.dictionary = false;
    auto distinct_plain = Encode(distinct_only, options);
    auto all_plain = Encode(batch, options);
    ASSERT_THAT(distinct_dict, IsOk());
    ASSERT_THAT(distinct_plain, IsOk());
    ASSERT_THAT(all_plain, IsOk());
    EXPECT_EQ(*distinct_dict, *distinct_plain) << rows;
    EXPECT_LT(with_dictionary->size(), all_plain->size()) << rows;
  }
}

TEST(ParquetWriterTest, ANumberChunkIsGivenUpAfterSixtyFourDistinctValuesOnly) {
  // The probe stops at the 64th value when every value so far was new (a
  // feature column of a 2,000-row partition), and goes on to 512 values
  // otherwise. Equal bytes with dictionary encoding off = written PLAIN.
  auto plain_throughout = [](const std::vector<double>& values) {
    Schema schema{{{"x", ColumnType::kDouble, false}}};
    ColumnBatch batch(schema);
    batch.Doubles(0) = values;
    WriteOptions options;
    auto with_dictionary = Encode(batch, options);
    options.dictionary = false;
    auto plain = Encode(batch, options);
    EXPECT_THAT(with_dictionary, IsOk());
    EXPECT_THAT(plain, IsOk());
    auto reader = Reader::OpenBuffer(*with_dictionary);
    EXPECT_THAT(reader, IsOk());
    auto read = reader->Read();
    EXPECT_THAT(read, IsOk());
    EXPECT_TRUE(BatchesEqual(batch, *read));
    return *with_dictionary == *plain;
  };
  std::vector<double> distinct_prefix;
  for (int row = 0; row < 64; ++row) distinct_prefix.push_back(row * 0.5);
  distinct_prefix.resize(3000, 7.0);  // then one value: a dictionary would pay, but the probe has stopped
  EXPECT_TRUE(plain_throughout(distinct_prefix));

  std::vector<double> one_repeat = distinct_prefix;
  one_repeat[10] = one_repeat[9];  // 63 distinct in the first 64: probed on, and the dictionary pays
  EXPECT_FALSE(plain_throughout(one_repeat));

  std::vector<double> short_chunk(distinct_prefix.begin(), distinct_prefix.begin() + 64);
  EXPECT_TRUE(plain_throughout(short_chunk));  // 64 distinct of 64: mostly distinct by the 512 rule too
}

TEST(ParquetWriterTest, LargeStringStatisticsAreOmittedButNullCountKept) {
  Schema schema{{{"s", ColumnType::kString, true}}};
  ColumnBatch batch(schema);
  batch.Strings(0) = {std::string(5000, 'x'), "a", ""};
  batch.SetNull(0, 2);
  auto bytes = Encode(batch, {});
  ASSERT_THAT(bytes, IsOk());
  auto reader = Reader::OpenBuffer(*bytes);
  ASSERT_THAT(reader, IsOk());
  const ColumnChunkStats& stats = reader->info().row_groups[0].columns[0];
  EXPECT_FALSE(stats.min.has_value());
  EXPECT_EQ(stats.null_count, 1);
}

TEST(ParquetWriterTest, StringStatisticsUseUnsignedByteOrder) {
  Schema schema{{{"s", ColumnType::kString, false}}};
  ColumnBatch batch(schema);
  batch.Strings(0) = {"\xc3\xa9t\xc3\xa9", "abc", "Zed"};
  auto bytes = Encode(batch, {});
  ASSERT_THAT(bytes, IsOk());
  auto reader = Reader::OpenBuffer(*bytes);
  ASSERT_THAT(reader, IsOk());
  const ColumnChunkStats& stats = reader->info().row_groups[0].columns[0];
  EXPECT_EQ(std::get<std::string>(*stats.min), "Zed");
  EXPECT_EQ(std::get<std::string>(*stats.max), "\xc3\xa9t\xc3\xa9");
}

}  // namespace
}  // namespace rc::lake::parquet
