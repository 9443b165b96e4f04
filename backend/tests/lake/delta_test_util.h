// Shared helpers of the Delta table tests (not a test file itself).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "lake/column_batch.h"
#include "lake/delta/table.h"
#include "lake/fs.h"
#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc::lake::delta::testing_util {

// symbol (string, partition), timeframe (string, partition), ts (timestamp),
// close (nullable double).
inline Schema BarsSchema() {
  return Schema{{{"symbol", ColumnType::kString, false},
                 {"timeframe", ColumnType::kString, false},
                 {"ts", ColumnType::kTimestampMicros, false},
                 {"close", ColumnType::kDouble, true}}};
}

inline CreateOptions BarsCreate(std::map<std::string, std::string> configuration = {}) {
  return CreateOptions{BarsSchema(), {"symbol", "timeframe"}, std::move(configuration), {}, {}};
}

// Bars() starts at kT0 by default, one row a kMinute.
inline constexpr int64_t kT0 = 1'700'000'000'000'000;
inline constexpr int64_t kMinute = 60'000'000;

// The partition values of `symbol`'s rows in Bars().
inline PartitionValueMap BarsPartition(const std::string& symbol) { return {{"symbol", symbol}, {"timeframe", "5m"}}; }

// `n` rows of `symbol`/5m with ts = t0 + i minutes and close = base + i.
inline ColumnBatch Bars(const std::string& symbol, int n, int64_t t0 = kT0, double base = 100.0) {
  ColumnBatch b(BarsSchema());
  for (int i = 0; i < n; ++i) {
    b.Strings(0).push_back(symbol);
    b.Strings(1).push_back("5m");
    b.Int64s(2).push_back(t0 + int64_t{i} * kMinute);
    b.Doubles(3).push_back(base + i);
  }
  return b;
}

// A FileSystem that runs `before_link` once, right before the next commit's
// link: another writer commits between a writer's snapshot and its commit.
class RacingFs : public FaultInjectionFileSystem {
 public:
  RacingFs(FileSystem& base, std::function<void()> before_link)
      : FaultInjectionFileSystem(base), before_link_(std::move(before_link)) {}
  Status LinkNoReplace(const std::string& from, const std::string& to) override {
    if (before_link_) std::exchange(before_link_, nullptr)();
    return FaultInjectionFileSystem::LinkNoReplace(from, to);
  }

 private:
  std::function<void()> before_link_;
};

// The table directory the tests use inside a temporary directory.
inline std::string Dir(const rc::testing::TempDir& d) { return d.str() + "/t"; }

// The paths of the live files at the latest version; a snapshot that cannot be read fails
// the calling test (and gives an empty set).
inline std::set<std::string> LiveFilePaths(const Table& t) {
  std::set<std::string> out;
  auto snap = t.Latest();
  EXPECT_THAT(snap, rc::testing::IsOk());
  if (snap) {
    for (const auto& [path, file] : (*snap)->files) out.insert(path);
  }
  return out;
}

inline int64_t RowCount(const Table& t, int64_t version) {
  auto snap = t.AtVersion(version);
  if (!snap) return -1;
  auto rows = t.Scan(**snap);
  if (!rows) return -1;
  return static_cast<int64_t>(rows->num_rows());
}

}  // namespace rc::lake::delta::testing_util
