// Table::UpdateFiles: Delta's UPDATE file by file (lake/delta/table.h). The
// gold prediction log fills realized closes with it, rewriting only the
// recent files of a partition that grows all session (serving/drift_tracker.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "delta_test_util.h"
#include "lake/delta/table.h"
#include "lake/paths.h"
#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc::lake::delta {
namespace {

using rc::testing::ErrorIs;
using rc::testing::IsOk;
using rc::testing::TempDir;
using namespace testing_util;

constexpr int64_t kHour = 3'600'000'000;

// Four files of partition A (one hour apart, 3 rows each) and one of B.
Table FourFilesOfA(const TempDir& tmp) {
  auto t = Table::Create(Dir(tmp), BarsCreate());
  EXPECT_THAT(t, IsOk());
  for (int i = 0; i < 4; ++i) EXPECT_THAT(t->Append(Bars("A", 3, kT0 + i * kHour, 100.0 * (i + 1))), IsOk());
  EXPECT_THAT(t->Append(Bars("B", 3, kT0 + 3 * kHour)), IsOk());
  return std::move(*t);
}

// Sets close to -1 in every row at or after `from`; reports whether it changed any.
std::function<Result<bool>(ColumnBatch&)> NegateFrom(int64_t from, int* calls) {
  return [from, calls](ColumnBatch& rows) -> Result<bool> {
    ++*calls;
    const int ts = rows.schema().FieldIndex("ts");
    const int close = rows.schema().FieldIndex("close");
    bool changed = false;
    for (size_t r = 0; r < rows.num_rows(); ++r) {
      if (rows.Int64s(static_cast<size_t>(ts))[r] >= from) {
        rows.Doubles(static_cast<size_t>(close))[r] = -1;
        changed = true;
      }
    }
    return changed;
  };
}

UpdateOptions OfA(int64_t from, int64_t to) {
  UpdateOptions options;
  options.partition = BarsPartition("A");
  options.time_column = "ts";
  options.time_min = from;
  options.time_max = to;
  options.write.lineage.attributes["operation"] = "test update";
  return options;
}

TEST(DeltaUpdateTest, RewritesOnlyTheFilesTheStatsCannotRuleOutAndThatChanged) {
  TempDir tmp;
  Table t = FourFilesOfA(tmp);
  auto base = t.Latest();
  ASSERT_THAT(base, IsOk());
  const auto files_before = (*base)->files;
  int calls = 0;
  // Rows of the last two files' hours; the third file is read but only the fourth changes.
  auto updated = t.UpdateFiles(**base, OfA(kT0 + 2 * kHour, kT0 + 4 * kHour), NegateFrom(kT0 + 3 * kHour, &calls));
  ASSERT_THAT(updated, IsOk());
  ASSERT_TRUE(updated->version.has_value());
  EXPECT_EQ(updated->files_read, 2);
  EXPECT_EQ(updated->files_rewritten, 1);
  EXPECT_EQ(calls, 2);

  auto after = t.Latest();
  ASSERT_THAT(after, IsOk());
  // Four of the five files are the very same files as before: only one was rewritten.
  int kept = 0;
  for (const auto& [rel, f] : (*after)->files) kept += files_before.count(rel);
  EXPECT_EQ(kept, 4);
  EXPECT_EQ((*after)->files.size(), 5u);
  auto a = t.Scan(**after, {.columns = {"ts", "close"}, .partition_filter = {{"symbol", "A"}}});
  ASSERT_THAT(a, IsOk());
  ASSERT_EQ(a->num_rows(), 12u);
  std::multiset<double> closes(a->Doubles(1).begin(), a->Doubles(1).end());
  EXPECT_EQ(closes.count(-1.0), 3u);  // the fourth file's rows, nothing else
  EXPECT_EQ(closes.count(100.0), 1u);
  auto b = t.Scan(**after, {.columns = {"close"}, .partition_filter = {{"symbol", "B"}}});
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(std::set<double>(b->Doubles(0).begin(), b->Doubles(0).end()), (std::set<double>{100, 101, 102}));
  // Time travel still sees the old values; the commit is an UPDATE with a data change.
  auto old = t.AtVersion((*base)->version);
  ASSERT_THAT(old, IsOk());
  auto old_rows = t.Scan(**old);
  ASSERT_THAT(old_rows, IsOk());
  EXPECT_EQ(std::count(old_rows->Doubles(3).begin(), old_rows->Doubles(3).end(), -1.0), 0);
  const std::string log = rc::testing::ReadFile(paths::CommitFilePath(t.dir(), *updated->version));
  EXPECT_NE(log.find(R"("operation":"UPDATE")"), std::string::npos);
  EXPECT_NE(log.find(R"("dataChange":true)"), std::string::npos);
  EXPECT_NE(log.find("test update"), std::string::npos);
}

TEST(DeltaUpdateTest, NothingChangedCommitsNothing) {
  TempDir tmp;
  Table t = FourFilesOfA(tmp);
  auto base = t.Latest();
  ASSERT_THAT(base, IsOk());
  int calls = 0;
  auto updated = t.UpdateFiles(**base, OfA(kT0 + 10 * kHour, kT0 + 11 * kHour), NegateFrom(kT0, &calls));
  ASSERT_THAT(updated, IsOk());
  EXPECT_FALSE(updated->version.has_value());
  EXPECT_EQ(updated->files_read, 0);  // no file's stats reach that range
  EXPECT_EQ(calls, 0);
  auto latest = t.Latest();
  ASSERT_THAT(latest, IsOk());
  EXPECT_EQ((*latest)->version, (*base)->version);
}

TEST(DeltaUpdateTest, AConcurrentRemovalOfARewrittenFileIsAConflict) {
  TempDir tmp;
  Table t = FourFilesOfA(tmp);
  auto base = t.Latest();
  ASSERT_THAT(base, IsOk());
  // Another writer replaces partition A after our snapshot: its files are gone.
  ASSERT_THAT(t.ReplacePartitions({{{"symbol", "A"}, {"timeframe", "5m"}}}, Bars("A", 1)), IsOk());
  int calls = 0;
  auto updated = t.UpdateFiles(**base, OfA(INT64_MIN, INT64_MAX), NegateFrom(kT0, &calls));
  EXPECT_THAT(updated, ErrorIs(ErrorCode::kConflict));
  auto rows = t.Scan(**t.Latest());
  ASSERT_THAT(rows, IsOk());
  EXPECT_EQ(rows->num_rows(), 4u);  // the replacement's row and B's three: nothing of the update
}

TEST(DeltaUpdateTest, BadArgumentsAreNamed) {
  TempDir tmp;
  Table t = FourFilesOfA(tmp);
  auto base = t.Latest();
  ASSERT_THAT(base, IsOk());
  int calls = 0;
  UpdateOptions options = OfA(0, 1);
  options.time_column = "close";  // a double
  EXPECT_THAT(t.UpdateFiles(**base, options, NegateFrom(0, &calls)), ErrorIs(ErrorCode::kInvalidArgument));
  options = OfA(0, 1);
  options.time_column = "nope";
  EXPECT_THAT(t.UpdateFiles(**base, options, NegateFrom(0, &calls)), ErrorIs(ErrorCode::kNotFound));
  options = OfA(2, 1);
  EXPECT_THAT(t.UpdateFiles(**base, options, NegateFrom(0, &calls)), ErrorIs(ErrorCode::kInvalidArgument));
  options = OfA(0, 1);
  options.partition = {{"symbol", "A"}};  // not a full map
  EXPECT_THAT(t.UpdateFiles(**base, options, NegateFrom(0, &calls)), ErrorIs(ErrorCode::kInvalidArgument));
  // An update that drops rows is refused, and nothing is committed.
  auto dropping = [](ColumnBatch& rows) -> Result<bool> {
    rows = rows.Slice(0, 1);
    return true;
  };
  EXPECT_THAT(t.UpdateFiles(**base, OfA(INT64_MIN, INT64_MAX), dropping), ErrorIs(ErrorCode::kInvalidArgument));
  auto latest = t.Latest();
  ASSERT_THAT(latest, IsOk());
  EXPECT_EQ((*latest)->version, (*base)->version);
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace rc::lake::delta
