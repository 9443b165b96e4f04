// Nested Parquet columns (optional structs, lists, maps): records written by
// EncodeNested come back from ReadNested exactly, across page boundaries and
// with nulls at every depth; the flat Read() refuses nested columns instead of
// misreading them. Interop with pyarrow/DuckDB: tests/lake/test_parquet_interop.py.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lake/parquet/internal/nested.h"
#include "lake/parquet/parquet.h"
#include "testing/matchers.h"

namespace rc::lake::parquet::internal {
namespace {

namespace json = boost::json;
using rc::testing::ErrorIs;
using rc::testing::IsOk;

// The shape of a Delta checkpoint's add and metaData columns, plus a flat
// column and a list of lists.
std::vector<NestedField> CheckpointLikeSchema() {
  return {
      Struct("add", {Leaf("path", ColumnType::kString),
                     MapOf("partitionValues", Leaf("key", ColumnType::kString), Leaf("value", ColumnType::kString)),
                     Leaf("size", ColumnType::kInt64), Leaf("dataChange", ColumnType::kBool),
                     MapOf("tags", Leaf("key", ColumnType::kString), Leaf("value", ColumnType::kString))}),
      Struct("metaData", {Leaf("id", ColumnType::kString), ListOf("partitionColumns", Leaf("", ColumnType::kString)),
                          MapOf("configuration", Leaf("key", ColumnType::kString), Leaf("value", ColumnType::kString)),
                          Leaf("createdTime", ColumnType::kInt64)}),
      Leaf("n", ColumnType::kInt32),
      ListOf("matrix", ListOf("", Leaf("", ColumnType::kDouble))),
  };
}

std::vector<json::object> Rows(std::string_view text) {
  std::vector<json::object> rows;
  const json::value parsed = json::parse(text);
  for (const auto& row : parsed.as_array()) rows.push_back(row.as_object());
  return rows;
}

// What ReadNested returns for `rows`: every requested column present (null when absent).
json::array Expected(const std::vector<json::object>& rows, const std::vector<std::string>& columns) {
  json::array out;
  for (const auto& row : rows) {
    json::object full;
    for (const auto& column : columns) {
      const json::value* value = row.if_contains(column);
      full[column] = value ? *value : json::value(nullptr);
    }
    out.push_back(full);
  }
  return out;
}

json::array AsArray(const std::vector<json::object>& rows) {
  json::array out;
  for (const auto& row : rows) out.push_back(row);
  return out;
}

TEST(ParquetNestedTest, RecordsRoundTripWithNullsAtEveryDepth) {
  const auto rows = Rows(R"([
    {"add": {"path": "a.parquet", "partitionValues": {"symbol": "TCS.NS", "timeframe": null}, "size": 10,
             "dataChange": true, "tags": null}, "n": 1, "matrix": [[1.5, null], [], null]},
    {"metaData": {"id": "x", "partitionColumns": ["symbol", "timeframe"], "configuration": {},
                  "createdTime": 1700000000000}, "matrix": []},
    {"add": {"path": "b", "partitionValues": {}, "size": 3, "dataChange": null, "tags": {"k": "v"}}, "n": null},
    {"add": null, "metaData": {"id": "y", "partitionColumns": [], "configuration": {"delta.appendOnly": "true"},
                               "createdTime": null}, "n": -7, "matrix": [[2.0], [3.0, 4.0, 5.0]]}
  ])");
  const std::vector<std::string> columns = {"add", "metaData", "n", "matrix"};
  auto bytes = EncodeNested(CheckpointLikeSchema(), rows, WriteOptions{});
  ASSERT_THAT(bytes, IsOk());
  auto reader = Reader::OpenBuffer(*bytes);
  ASSERT_THAT(reader, IsOk());
  EXPECT_EQ(reader->info().num_rows, 4);
  EXPECT_EQ(reader->info().nested_columns, (std::vector<std::string>{"add", "metaData", "matrix"}));
  auto read = ReadNested(*reader, columns);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(json::serialize(AsArray(*read)), json::serialize(Expected(rows, columns)));
}

TEST(ParquetNestedTest, ManySmallPagesStillSplitAtRecordBoundaries) {
  std::vector<json::object> rows;
  for (int idx = 0; idx < 3000; ++idx) {
    json::object add;
    add["path"] = "part-" + std::to_string(idx) + ".parquet";
    json::object partition;
    partition["symbol"] = "S" + std::to_string(idx % 7);
    if (idx % 3 == 0) partition["timeframe"] = nullptr;
    add["partitionValues"] = partition;
    add["size"] = idx * 1000;
    add["dataChange"] = idx % 2 == 0;
    add["tags"] = nullptr;
    json::object row;
    if (idx % 5 != 0) row["add"] = add;
    json::array matrix;
    for (int inner = 0; inner < idx % 4; ++inner) matrix.push_back(json::array{double(idx), double(inner)});
    row["matrix"] = matrix;
    rows.push_back(row);
  }
  WriteOptions options;
  options.data_page_bytes = 512;  // dozens of pages per leaf
  options.codec = Codec::kZstd;
  auto bytes = EncodeNested(CheckpointLikeSchema(), rows, options);
  ASSERT_THAT(bytes, IsOk());
  auto reader = Reader::OpenBuffer(*bytes);
  ASSERT_THAT(reader, IsOk());
  auto read = ReadNested(*reader, {"add", "matrix"});
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(json::serialize(AsArray(*read)), json::serialize(Expected(rows, {"add", "matrix"})));
}

TEST(ParquetNestedTest, FlatReadRejectsNestedColumnsByName) {
  const auto rows = Rows(R"([{"add": {"path": "a"}, "n": 5}, {"n": 6}])");
  auto bytes = EncodeNested(CheckpointLikeSchema(), rows, WriteOptions{});
  ASSERT_THAT(bytes, IsOk());
  auto reader = Reader::OpenBuffer(*bytes);
  ASSERT_THAT(reader, IsOk());
  // The flat column stays readable through the ordinary reader.
  auto flat = reader->Read({.columns = {"n"}});
  ASSERT_THAT(flat, IsOk());
  EXPECT_EQ(flat->Int32s(0), (std::vector<int32_t>{5, 6}));
  EXPECT_THAT(reader->Read({.columns = {"add"}}), ErrorIs(ErrorCode::kUnsupported, "add"));
  EXPECT_THAT(reader->Read(), ErrorIs(ErrorCode::kUnsupported, "add"));
  EXPECT_THAT(ReadNested(*reader, {"nope"}), ErrorIs(ErrorCode::kNotFound));
}

TEST(ParquetNestedTest, WriterRejectsMistypedValuesAndMissingRequiredFields) {
  std::vector<NestedField> schema = {
      Struct("txn", {Leaf("appId", ColumnType::kString, false), Leaf("version", ColumnType::kInt64, false)})};
  EXPECT_THAT(EncodeNested(schema, Rows(R"([{"txn": {"appId": "a"}}])"), WriteOptions{}),
              ErrorIs(ErrorCode::kInvalidArgument, "version"));
  EXPECT_THAT(EncodeNested(schema, Rows(R"([{"txn": {"appId": "a", "version": "7"}}])"), WriteOptions{}),
              ErrorIs(ErrorCode::kInvalidArgument, "version"));
  // A null optional struct does not need its required fields.
  auto ok = EncodeNested(schema, Rows(R"([{"txn": null}, {"txn": {"appId": "a", "version": 7}}])"), WriteOptions{});
  ASSERT_THAT(ok, IsOk());
  auto reader = Reader::OpenBuffer(*ok);
  ASSERT_THAT(reader, IsOk());
  auto read = ReadNested(*reader, {"txn"});
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(json::serialize(AsArray(*read)), R"([{"txn":null},{"txn":{"appId":"a","version":7}}])");
}

}  // namespace
}  // namespace rc::lake::parquet::internal
