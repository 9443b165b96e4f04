// Parsing and writing Delta commit files (lake/delta/actions.h): round trips,
// what other writers put in the log, and corrupt or hostile lines.
#include "lake/delta/actions.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/matchers.h"

namespace rc::lake::delta {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;

// A minimal version-0 commit as Spark writes it (docs/formats.md §2.10).
constexpr const char* kSparkLikeCommit0 =
    R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}}
{"metaData":{"id":"5f1c0e4e-0000-4000-8000-000000000000","format":{"provider":"parquet","options":{}},"schemaString":"{\"type\":\"struct\",\"fields\":[{\"name\":\"ts\",\"type\":\"timestamp\",\"nullable\":false,\"metadata\":{}},{\"name\":\"close\",\"type\":\"double\",\"nullable\":true,\"metadata\":{}}]}","partitionColumns":[],"configuration":{},"createdTime":1700000000000}}
{"add":{"path":"part-00000-abc.parquet","partitionValues":{},"size":1234,"modificationTime":1700000000000,"dataChange":true,"stats":"{\"numRecords\":2,\"minValues\":{\"close\":1.5},\"maxValues\":{\"close\":2.5},\"nullCount\":{\"ts\":0,\"close\":0}}"}}
{"commitInfo":{"timestamp":1700000000000,"operation":"WRITE","operationParameters":{"mode":"Append"},"engineInfo":"x/1"}}
)";

TEST(DeltaLogTest, ParsesTheMinimalVersionZeroCommit) {
  auto c = ParseCommit(kSparkLikeCommit0, "0.json");
  ASSERT_THAT(c, IsOk());
  ASSERT_TRUE(c->protocol.has_value());
  EXPECT_EQ(c->protocol->min_reader_version, 1);
  ASSERT_TRUE(c->metadata.has_value());
  ASSERT_EQ(c->metadata->schema.fields.size(), 2u);
  EXPECT_EQ(c->metadata->schema.fields[0].type, ColumnType::kTimestampMicros);
  EXPECT_FALSE(c->metadata->schema.fields[0].nullable);
  EXPECT_EQ(c->metadata->created_time, 1700000000000);
  ASSERT_EQ(c->adds.size(), 1u);
  EXPECT_EQ(c->adds[0].size, 1234);
  EXPECT_TRUE(c->adds[0].data_change);
  EXPECT_NE(c->adds[0].stats.find("numRecords"), std::string::npos);
  ASSERT_TRUE(c->commit_info.has_value());
  EXPECT_EQ(c->commit_info->timestamp, 1700000000000);
  EXPECT_EQ(c->commit_info->operation, "WRITE");
}

TEST(DeltaLogTest, SerializeParseRoundTrip) {
  CommitActions c;
  c.protocol = Protocol{};
  Metadata m;
  m.id = "id-1";
  m.name = "bars";
  m.schema = Schema{{{"symbol", ColumnType::kString, false},
                     {"ts", ColumnType::kTimestampMicros, false},
                     {"n", ColumnType::kInt32, true},
                     {"v", ColumnType::kInt64, true},
                     {"f", ColumnType::kFloat, true},
                     {"b", ColumnType::kBool, true},
                     {"d", ColumnType::kDate, true},
                     {"x", ColumnType::kDouble, true}}};
  m.schema_string = SchemaToString(m.schema);
  m.partition_columns = {"symbol"};
  m.configuration = {{"delta.appendOnly", "false"}};
  m.created_time = 42;
  c.metadata = m;
  AddFile a;
  a.path = "symbol=EURUSD%253DX/part-00000-u.c000.snappy.parquet";
  a.partition_values = {{"symbol", "EURUSD=X"}};
  a.size = 10;
  a.modification_time = 11;
  a.stats = R"({"numRecords":1})";
  c.adds = {a};
  RemoveFile r;
  r.path = "old.parquet";
  r.deletion_timestamp = 5;
  r.extended_file_metadata = true;
  r.partition_values = PartitionValueMap{{"symbol", std::nullopt}};
  r.size = 3;
  c.removes = {r};
  c.txns = {Txn{"app", 3, 9}};
  c.commit_info = CommitInfo{R"({"operation":"WRITE","timestamp":7})", 7, "WRITE"};

  std::string text = SerializeCommit(c);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 6);
  auto back = ParseCommit(text);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(*back->protocol, *c.protocol);
  EXPECT_EQ(back->metadata->schema, m.schema);
  EXPECT_EQ(back->metadata->schema_string, m.schema_string);
  EXPECT_EQ(back->metadata->partition_columns, m.partition_columns);
  EXPECT_EQ(back->metadata->configuration, m.configuration);
  EXPECT_EQ(back->metadata->name, m.name);
  ASSERT_EQ(back->adds.size(), 1u);
  EXPECT_EQ(back->adds[0].path, a.path);
  EXPECT_EQ(back->adds[0].partition_values, a.partition_values);
  EXPECT_EQ(back->adds[0].stats, a.stats);
  ASSERT_EQ(back->removes.size(), 1u);
  EXPECT_EQ(back->removes[0].deletion_timestamp, 5);
  EXPECT_TRUE(back->removes[0].data_change);
  EXPECT_EQ(back->removes[0].partition_values, r.partition_values);
  ASSERT_EQ(back->txns.size(), 1u);
  EXPECT_EQ(back->txns[0].app_id, "app");
  EXPECT_EQ(back->commit_info->timestamp, 7);
  // Rewrite -> identical bytes.
  EXPECT_EQ(SerializeCommit(*back), text);
}

TEST(DeltaLogTest, UnknownActionsAndFieldsAreIgnored) {
  std::string text = std::string(kSparkLikeCommit0) +
                     R"({"cdc":{"path":"x","partitionValues":{},"size":1,"dataChange":false}}
{"domainMetadata":{"domain":"d","configuration":"{}","removed":false}}
{"add":{"path":"b.parquet","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true,"tags":{"k":"v"},"baseRowId":4,"futureField":[1,2,{"a":null}]}}
)";
  auto c = ParseCommit(text);
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->adds.size(), 2u);
}

TEST(DeltaLogTest, BlankLinesAndCrLfAreTolerated) {
  auto c = ParseCommit("\n{\"commitInfo\":{}}\r\n\n   \n");
  ASSERT_THAT(c, IsOk());
  EXPECT_TRUE(c->commit_info.has_value());
}

TEST(DeltaLogTest, TruncatedLineIsDataCorruptNamingTheLine) {
  std::string text = kSparkLikeCommit0;
  text.resize(text.size() - 30);  // tears the commitInfo line
  EXPECT_THAT(ParseCommit(text, "00000000000000000000.json"),
              ErrorIs(ErrorCode::kDataCorrupt, "00000000000000000000.json:4"));
}

TEST(DeltaLogTest, NonObjectLinesAreDataCorrupt) {
  EXPECT_THAT(ParseCommit("[1,2]", "c"), ErrorIs(ErrorCode::kDataCorrupt, "c:1"));
  EXPECT_THAT(ParseCommit("{}\n\"add\"", "c"), ErrorIs(ErrorCode::kDataCorrupt, "c:2"));
  EXPECT_THAT(ParseCommit("garbage", "c"), ErrorIs(ErrorCode::kDataCorrupt, "c:1"));
  EXPECT_THAT(ParseCommit(std::string("{\"a\":1}\0", 8), "c"), ErrorIs(ErrorCode::kDataCorrupt, "c:1"));
}

TEST(DeltaLogTest, MissingOrMistypedRequiredFieldsAreDataCorrupt) {
  const char* bad[] = {
      R"({"add":{"partitionValues":{},"size":1,"modificationTime":1,"dataChange":true}})",
      R"({"add":{"path":"a","size":1,"modificationTime":1,"dataChange":true}})",
      R"({"add":{"path":"a","partitionValues":{},"size":"1","modificationTime":1,"dataChange":true}})",
      R"({"add":{"path":"a","partitionValues":{},"size":-1,"modificationTime":1,"dataChange":true}})",
      R"({"add":{"path":"a","partitionValues":{},"size":1,"modificationTime":1,"dataChange":"yes"}})",
      R"({"add":{"path":"a","partitionValues":{"p":1},"size":1,"modificationTime":1,"dataChange":true}})",
      R"({"add":{"path":"","partitionValues":{},"size":1,"modificationTime":1,"dataChange":true}})",
      R"({"add":{"path":"a","partitionValues":{},"size":1e400,"modificationTime":1,"dataChange":true}})",
      R"({"add":{"path":"a","partitionValues":{},"size":18446744073709551615,"modificationTime":1,"dataChange":true}})",
      R"({"remove":{"path":"a"}})",
      R"({"protocol":{"minReaderVersion":1}})",
      R"({"protocol":{"minReaderVersion":1.5,"minWriterVersion":2}})",
      R"({"txn":{"appId":"a"}})",
      R"({"metaData":{"id":"x","format":{"provider":"parquet"},"schemaString":"{}","partitionColumns":[]}})",
      R"({"metaData":{"id":"x","format":{"provider":"parquet"},"schemaString":"not json","partitionColumns":[]}})",
      R"({"add":"string"})",
      R"({"commitInfo":[]})",
  };
  for (const char* line : bad) {
    EXPECT_THAT(ParseCommit(line, "c"), ErrorIs(ErrorCode::kDataCorrupt)) << line;
  }
}

TEST(DeltaLogTest, DuplicateSingletonActionsAreDataCorrupt) {
  EXPECT_THAT(ParseCommit("{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}\n"
                          "{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}"),
              ErrorIs(ErrorCode::kDataCorrupt));
  EXPECT_THAT(ParseCommit("{\"txn\":{\"appId\":\"a\",\"version\":1}}\n{\"txn\":{\"appId\":\"a\",\"version\":2}}"),
              ErrorIs(ErrorCode::kDataCorrupt));
}

TEST(DeltaLogTest, HostileJsonIsRejectedNotCrashed) {
  std::string deep(100000, '[');
  EXPECT_THAT(ParseCommit(deep), ErrorIs(ErrorCode::kDataCorrupt));
  std::string deep_obj;
  for (int i = 0; i < 5000; ++i) deep_obj += "{\"a\":";
  EXPECT_THAT(ParseCommit(deep_obj), ErrorIs(ErrorCode::kDataCorrupt));
  EXPECT_THAT(ParseCommit("{\"add\":{\"path\":\"\\ud800\"}}"), ErrorIs(ErrorCode::kDataCorrupt));
  EXPECT_THAT(ParseCommit("{\"metaData\":{\"id\":\"x\",\"format\":{\"provider\":\"parquet\"},\"schemaString\":"
                          "\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\","
                          "\"partitionColumns\":[]}}"),
              ErrorIs(ErrorCode::kDataCorrupt));
}

TEST(DeltaLogTest, SchemaStringMapsDeltaTypes) {
  Schema s{{{"a", ColumnType::kBool, true},
            {"b", ColumnType::kInt32, false},
            {"c", ColumnType::kInt64, true},
            {"d", ColumnType::kFloat, true},
            {"e", ColumnType::kDouble, true},
            {"f", ColumnType::kString, true},
            {"g", ColumnType::kTimestampMicros, false},
            {"h", ColumnType::kDate, true}}};
  std::string text = SchemaToString(s);
  EXPECT_NE(text.find(R"("type":"boolean")"), std::string::npos);
  EXPECT_NE(text.find(R"("type":"integer")"), std::string::npos);
  EXPECT_NE(text.find(R"("type":"long")"), std::string::npos);
  EXPECT_NE(text.find(R"("type":"timestamp")"), std::string::npos);
  auto back = ParseSchemaString(text);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(*back, s);
}

TEST(DeltaLogTest, UnsupportedSchemaTypesNameTheColumn) {
  EXPECT_THAT(ParseSchemaString(
                  R"({"type":"struct","fields":[{"name":"n","type":"timestamp_ntz","nullable":true,"metadata":{}}]})"),
              ErrorIs(ErrorCode::kUnsupported, "n"));
  EXPECT_THAT(ParseSchemaString(R"({"type":"struct","fields":[{"name":"m","type":{"type":"struct","fields":[]},)"
                                R"("nullable":true,"metadata":{}}]})"),
              ErrorIs(ErrorCode::kUnsupported, "m"));
  EXPECT_THAT(ParseSchemaString(
                  R"j({"type":"struct","fields":[{"name":"d","type":"decimal(10,2)","nullable":true,"metadata":{}}]})j"),
              ErrorIs(ErrorCode::kUnsupported, "d"));
  EXPECT_THAT(ParseSchemaString(R"({"type":"struct","fields":[{"name":"A","type":"long","nullable":true},)"
                                R"({"name":"a","type":"long","nullable":true}]})"),
              ErrorIs(ErrorCode::kDataCorrupt));
  bool inv = false;
  ASSERT_THAT(ParseSchemaString(R"({"type":"struct","fields":[{"name":"x","type":"long","nullable":true,)"
                                R"("metadata":{"delta.invariants":"{\"expression\":{\"expression\":\"x > 3\"}}"}}]})",
                                &inv),
              IsOk());
  EXPECT_TRUE(inv);
}

TEST(DeltaLogTest, PartitionColumnNotInSchemaIsDataCorrupt) {
  std::string line =
      R"({"metaData":{"id":"x","format":{"provider":"parquet","options":{}},"schemaString":"{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}}]}","partitionColumns":["b"],"configuration":{}}})";
  EXPECT_THAT(ParseCommit(line), ErrorIs(ErrorCode::kDataCorrupt));
}

TEST(DeltaLogTest, ProtocolVersionsBeyondOursAreUnsupported) {
  EXPECT_THAT(CheckProtocol(Protocol{1, 2, {}, {}}, true), IsOk());
  EXPECT_THAT(CheckProtocol(Protocol{1, 7, {}, {"appendOnly"}}, false), IsOk());
  EXPECT_THAT(CheckProtocol(Protocol{1, 7, {}, {"appendOnly"}}, true), ErrorIs(ErrorCode::kUnsupported, "protocol"));
  EXPECT_THAT(CheckProtocol(Protocol{3, 7, {"deletionVectors"}, {"deletionVectors"}}, false),
              ErrorIs(ErrorCode::kUnsupported, "protocol"));
  EXPECT_THAT(CheckProtocol(Protocol{2, 5, {}, {}}, false), ErrorIs(ErrorCode::kUnsupported, "protocol"));
  EXPECT_THAT(CheckProtocol(Protocol{0, 2, {}, {}}, false), ErrorIs(ErrorCode::kDataCorrupt, "protocol"));
}

TEST(DeltaLogTest, EmptyPartitionValueIsNull) {
  auto c = ParseCommit(
      R"({"add":{"path":"a","partitionValues":{"p":"","q":null,"r":"x"},"size":1,"modificationTime":1,"dataChange":true}})");
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->adds[0].partition_values.at("p"), std::nullopt);
  EXPECT_EQ(c->adds[0].partition_values.at("q"), std::nullopt);
  EXPECT_EQ(c->adds[0].partition_values.at("r"), "x");
}

}  // namespace
}  // namespace rc::lake::delta
