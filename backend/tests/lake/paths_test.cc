// Path construction and partition escaping (lake/paths.h): a symbol becomes a
// directory name, so hostile values must never escape the table directory.
#include "lake/paths.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/matchers.h"

namespace rc::lake::paths {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;

TEST(PathsTest, LayerTableDirsAreFixed) {
  EXPECT_EQ(LayerTableDir("/data", Layer::kRaw), "/data/raw/bars");
  EXPECT_EQ(LayerTableDir("/data/", Layer::kBronze), "/data/bronze/bars");
  EXPECT_EQ(LayerTableDir("./data", Layer::kSilver), "data/silver/features");
  EXPECT_EQ(LayerTableDir("/x/../data", Layer::kGold), "/data/gold/predictions");
}

TEST(PathsTest, CommitFileNamesHaveTwentyDigits) {
  EXPECT_EQ(CommitFileName(0), "00000000000000000000.json");
  EXPECT_EQ(CommitFileName(1234), "00000000000000001234.json");
  EXPECT_EQ(ParseCommitFileName("00000000000000001234.json"), 1234);
  EXPECT_EQ(ParseCommitFileName("0000000000000001234.json"), std::nullopt);
  EXPECT_EQ(ParseCommitFileName("00000000000000001234.json.tmp"), std::nullopt);
  EXPECT_EQ(ParseCommitFileName("0000000000000000123a.json"), std::nullopt);
  EXPECT_EQ(ParseCommitFileName("99999999999999999999.json"), std::nullopt);  // overflows int64
  EXPECT_EQ(ParseCheckpointFileName("00000000000000000010.checkpoint.parquet"), 10);
  EXPECT_EQ(ParseCheckpointFileName("00000000000000000010.checkpoint.0000000001.0000000002.parquet"), 10);
  EXPECT_EQ(ParseCheckpointFileName("00000000000000000010.json"), std::nullopt);
}

TEST(PathsTest, TempCommitFilesAreHiddenFromReaders) {
  std::string tmp = TempCommitPath("/t", 7);
  std::string name = tmp.substr(tmp.find_last_of('/') + 1);
  EXPECT_TRUE(name.starts_with(".00000000000000000007.json."));
  EXPECT_TRUE(IsTempCommitFileName(name));
  EXPECT_EQ(ParseCommitFileName(name), std::nullopt);
  EXPECT_FALSE(IsTempCommitFileName("00000000000000000007.json"));
}

TEST(PathsTest, DataFileNamesFollowSparkConvention) {
  EXPECT_EQ(DataFileName(0, "abc", "snappy"), "part-00000-abc.c000.snappy.parquet");
  EXPECT_EQ(DataFileName(12, "abc", ""), "part-00012-abc.c000.parquet");
  std::string a = NewUuid();
  std::string b = NewUuid();
  EXPECT_NE(a, b);
  ASSERT_EQ(a.size(), 36u);
  EXPECT_EQ(a[14], '4');
}

TEST(PathsTest, EscapesTheSparkCharacterSet) {
  EXPECT_EQ(EscapePartitionValue("AAPL"), "AAPL");
  EXPECT_EQ(EscapePartitionValue("EURUSD=X"), "EURUSD%3DX");
  EXPECT_EQ(EscapePartitionValue("^NSEI"), "%5ENSEI");
  EXPECT_EQ(EscapePartitionValue("../x"), "..%2Fx");
  EXPECT_EQ(EscapePartitionValue("a%b"), "a%25b");
  EXPECT_EQ(EscapePartitionValue("2020-01-01 08:09:10.001"), "2020-01-01 08%3A09%3A10.001");
  EXPECT_EQ(EscapePartitionValue(std::string("a\x01\x7f", 3)), "a%01%7F");
  EXPECT_EQ(EscapePartitionValue(std::string("a\0b", 3)), "a%00b");
  EXPECT_EQ(EscapePartitionValue("\"#'*:?\\{[]^"), "%22%23%27%2A%3A%3F%5C%7B%5B%5D%5E");
  EXPECT_EQ(EscapePartitionValue("日本"), "日本");  // UTF-8 kept
}

TEST(PathsTest, HostileValuesStayInOneDirectory) {
  for (std::string v : {"../x", "..", ".", "/", "a/b", "=", "%", "%2F", "x=../../etc", "日本/..", "\\..\\"}) {
    std::string dir = PartitionDir({{"symbol", v}});
    // One path segment, never "." or "..", and it round-trips.
    EXPECT_EQ(dir.find('/'), std::string::npos) << v;
    std::string value = dir.substr(std::string("symbol=").size());
    EXPECT_NE(dir, "..");
    EXPECT_NE(dir, ".");
    auto back = UnescapePartitionValue(value);
    ASSERT_THAT(back, IsOk());
    EXPECT_EQ(*back, v);
    auto joined = JoinInTable("/t", dir + "/f.parquet");
    ASSERT_THAT(joined, IsOk()) << v;
    EXPECT_TRUE(joined->starts_with("/t/symbol="));
  }
}

TEST(PathsTest, DotDotValueIsEscapedNotTraversed) {
  // ".." has no escapable character, but "symbol=.." is one segment.
  EXPECT_EQ(PartitionDir({{"symbol", ".."}}), "symbol=..");
  EXPECT_THAT(JoinInTable("/t", "symbol=../f"), IsOk());
}

TEST(PathsTest, NullAndEmptyValuesUseTheHiveDefault) {
  EXPECT_EQ(PartitionDir({{"a", std::nullopt}, {"b", ""}}),
            "a=__HIVE_DEFAULT_PARTITION__/b=__HIVE_DEFAULT_PARTITION__");
  EXPECT_EQ(PartitionDir({}), "");
  EXPECT_EQ(PartitionDir({{"sym bol", "x"}, {"tf", "5m"}}), "sym bol=x/tf=5m");
}

TEST(PathsTest, UriEncodingMatchesDeltaGoldenTable) {
  // docs/formats.md §2.8 worked example.
  std::string dir = PartitionDir({{"part", "2020-01-01 08:09:10.001"}});
  EXPECT_EQ(UriEncodePath(dir + "/f.parquet"), "part=2020-01-01%2008%253A09%253A10.001/f.parquet");
  auto decoded = UriDecodePath("part=2020-01-01%2008%253A09%253A10.001/f.parquet");
  ASSERT_THAT(decoded, IsOk());
  EXPECT_EQ(*decoded, dir + "/f.parquet");
  EXPECT_EQ(UriEncodePath("日"), "%E6%97%A5");
  EXPECT_THAT(UriDecodePath("a%2"), ErrorIs(ErrorCode::kDataCorrupt, "path"));
  EXPECT_THAT(UriDecodePath("a%zz"), ErrorIs(ErrorCode::kDataCorrupt, "path"));
}

TEST(PathsTest, ResolveDataPathRejectsEscapes) {
  EXPECT_EQ(*ResolveDataPath("/t", "symbol=A/part-1.parquet"), "/t/symbol=A/part-1.parquet");
  EXPECT_EQ(*ResolveDataPath("/t", "file:///t/x.parquet"), "/t/x.parquet");
  EXPECT_EQ(*ResolveDataPath("/t", "/t/y.parquet"), "/t/y.parquet");
  EXPECT_EQ(*ResolveDataPath("/t/", "a%20b.parquet"), "/t/a b.parquet");
  EXPECT_THAT(ResolveDataPath("/t", "../x.parquet"), ErrorIs(ErrorCode::kDataCorrupt, "path"));
  EXPECT_THAT(ResolveDataPath("/t", "a/%2E%2E/%2E%2E/x"), ErrorIs(ErrorCode::kDataCorrupt, "path"));
  EXPECT_THAT(ResolveDataPath("/t", "%2E%2E%2Fx"), ErrorIs(ErrorCode::kDataCorrupt, "path"));
  EXPECT_THAT(ResolveDataPath("/t", "/etc/passwd"), ErrorIs(ErrorCode::kDataCorrupt, "path"));
  EXPECT_THAT(ResolveDataPath("/t", "file:///tt/x"), ErrorIs(ErrorCode::kDataCorrupt, "path"));
  EXPECT_THAT(ResolveDataPath("/t", "file:///t/../x"), ErrorIs(ErrorCode::kDataCorrupt, "path"));
  EXPECT_THAT(ResolveDataPath("/t", "a//b"), ErrorIs(ErrorCode::kDataCorrupt, "path"));
  EXPECT_THAT(ResolveDataPath("/t", "a/./b"), ErrorIs(ErrorCode::kDataCorrupt, "path"));
  EXPECT_THAT(ResolveDataPath("/t", "x%00y"), ErrorIs(ErrorCode::kDataCorrupt, "path"));
  EXPECT_THAT(ResolveDataPath("/t", ""), ErrorIs(ErrorCode::kDataCorrupt, "path"));
  EXPECT_THAT(ResolveDataPath("/t", "s3://bucket/x"), ErrorIs(ErrorCode::kUnsupported, "path"));
  EXPECT_THAT(ResolveDataPath("/t", "file://host/t/x"), ErrorIs(ErrorCode::kUnsupported, "path"));
}

TEST(PathsTest, NormalizeTableDir) {
  EXPECT_EQ(*NormalizeTableDir("/a/b/"), "/a/b");
  EXPECT_EQ(*NormalizeTableDir("file:///a/./b"), "/a/b");
  EXPECT_THAT(NormalizeTableDir(""), ErrorIs(ErrorCode::kInvalidArgument, "table"));
  EXPECT_THAT(NormalizeTableDir(std::string("a\0b", 3)), ErrorIs(ErrorCode::kInvalidArgument, "table"));
}

}  // namespace
}  // namespace rc::lake::paths
