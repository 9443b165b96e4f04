// The gold prediction log commits in groups, by size and by time, keeps rows
// through failed commits, and loses nothing queued when it is closed.
#include "serving/gold_log.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "lake/fs.h"
#include "lake/layers/layers.h"
#include "testing/literals.h"
#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc::serving {
namespace {

using rc::testing::IsOk;
using rc::testing::TempDir;
using rc::testing::Sym;

constexpr int64_t kBase = 1'717'400'000'000'000;  // early June 2024, UTC micros

PredictionOutcome Outcome(const std::string& symbol, int64_t ts, double expected) {
  PredictionOutcome outcome{PredictQuery{Sym(symbol), Timeframe::k5m, 60, std::nullopt}, {}, 100.0};
  outcome.silver_version = 3;
  ml::Prediction& p = outcome.prediction;
  p.data_last_ts = ts;
  p.horizon_bars = 12;
  p.expected_price = expected;
  p.expected_return = std::log(expected / 100.0);
  p.regime = regime::Regime::kVolatile;
  p.regime_confidence = 0.75;
  p.weights = {{"naive", 0.25}, {"ridge", 0.75}};
  p.experiment_id = "exp-1";
  p.bands = {{0.5, 99.0, 101.0, -0.01, 0.01}, {0.8, 98.0, 102.0, -0.02, 0.02}, {0.95, 97.0, 103.0, -0.03, 0.03}};
  return outcome;
}

size_t GoldRowCount(const std::string& data_dir, const std::string& symbol) {
  auto gold = lake::layers::LayerTable::OpenGold(data_dir);
  EXPECT_TRUE(gold.has_value());
  auto rows = gold->Read(Sym(symbol), Timeframe::k5m);
  EXPECT_TRUE(rows.has_value());
  return rows ? rows->num_rows() : 0;
}

TEST(GoldLogTest, ConcurrentPredictionsAreCommittedInGroupsAndAllArrive) {
  TempDir dir;
  GoldLogOptions options;
  options.max_rows = 100;
  options.max_delay = std::chrono::seconds(30);  // only size triggers commits here
  GoldLog gold(dir.str(), options);
  std::vector<std::thread> writers;
  for (int writer = 0; writer < 4; ++writer) {
    writers.emplace_back([&gold, writer] {
      for (int idx = 0; idx < 250; ++idx) {
        gold.Append(Outcome(writer % 2 ? "INFY.NS" : "TCS.NS", kBase + (writer * 1000 + idx) * 300'000'000LL, 101.0));
      }
    });
  }
  for (auto& writer : writers) writer.join();
  // A full group commits without waiting for the (30 s) delay or for Close.
  for (int attempt = 0; attempt < 500 && gold.stats().rows_committed < 100; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(gold.stats().rows_committed, 100);
  ASSERT_THAT(gold.Close(), IsOk());
  const auto stats = gold.stats();
  EXPECT_EQ(stats.rows_committed, 1000);
  EXPECT_EQ(stats.pending, 0);
  EXPECT_LE(stats.commits, 11);  // groups of at least ~100 rows, plus the final commit
  EXPECT_EQ(GoldRowCount(dir.str(), "TCS.NS") + GoldRowCount(dir.str(), "INFY.NS"), 1000u);
}

TEST(GoldLogTest, AQuietPeriodCommitsWhatIsQueuedWithinTheDelay) {
  TempDir dir;
  GoldLogOptions options;
  options.max_rows = 1000;
  options.max_delay = std::chrono::milliseconds(50);
  GoldLog gold(dir.str(), options);
  for (int idx = 0; idx < 3; ++idx) gold.Append(Outcome("TCS.NS", kBase + idx * 300'000'000LL, 100.5));
  // Wait (bounded) for the background commit; no Close() or Flush() is called.
  for (int attempt = 0; attempt < 500 && gold.stats().rows_committed < 3; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(gold.stats().rows_committed, 3);
  EXPECT_EQ(gold.stats().commits, 1);
  EXPECT_EQ(GoldRowCount(dir.str(), "TCS.NS"), 3u);
}

TEST(GoldLogTest, FailedCommitsKeepTheRowsUntilWritesSucceedAgain) {
  TempDir dir;
  const auto data_dir = dir / "data";
  rc::testing::WriteFile(data_dir, "not a directory");  // every commit fails
  GoldLogOptions options;
  options.max_delay = std::chrono::seconds(30);
  GoldLog gold(data_dir.string(), options);
  for (int idx = 0; idx < 5; ++idx) gold.Append(Outcome("TCS.NS", kBase + idx * 300'000'000LL, 99.0));
  EXPECT_FALSE(gold.Flush().has_value());
  EXPECT_EQ(gold.stats().pending, 5);
  EXPECT_EQ(gold.stats().failed_commits, 1);
  EXPECT_FALSE(gold.stats().last_error.empty());
  // The disk is back.
  std::filesystem::remove(data_dir);
  std::filesystem::create_directories(data_dir);
  ASSERT_THAT(gold.Flush(), IsOk());
  EXPECT_EQ(gold.stats().pending, 0);
  EXPECT_TRUE(gold.stats().last_error.empty());
  EXPECT_EQ(GoldRowCount(data_dir.string(), "TCS.NS"), 5u);
}

TEST(GoldLogTest, CloseCommitsTheQueueAndLaterAppendsAreCommittedAtOnce) {
  TempDir dir;
  GoldLogOptions options;
  options.max_delay = std::chrono::seconds(30);
  GoldLog gold(dir.str(), options);
  gold.Append(Outcome("TCS.NS", kBase, 100.0));
  ASSERT_THAT(gold.Close(), IsOk());
  EXPECT_EQ(GoldRowCount(dir.str(), "TCS.NS"), 1u);
  gold.Append(Outcome("TCS.NS", kBase + 300'000'000, 100.0));
  EXPECT_EQ(GoldRowCount(dir.str(), "TCS.NS"), 2u);
  EXPECT_THAT(gold.Close(), IsOk());  // idempotent
}

TEST(GoldLogTest, SmallFilesAreCompactedOnTheirOwn) {
  TempDir dir;
  GoldLogOptions options;
  options.max_delay = std::chrono::seconds(30);
  options.compact_every = 4;      // look after every 4th commit ...
  options.compact_min_files = 3;  // ... and compact a partition holding 3 or more small files
  GoldLog gold(dir.str(), options);
  for (int commit = 0; commit < 8; ++commit) {
    gold.Append(Outcome("TCS.NS", kBase + commit * 300'000'000LL, 100.0));
    ASSERT_THAT(gold.Flush(), IsOk());
  }
  auto table = lake::layers::LayerTable::OpenGold(dir.str());
  ASSERT_TRUE(table.has_value());
  auto snapshot = table->table().Latest();
  ASSERT_TRUE(snapshot.has_value());
  // 8 one-row commits, compacted after the 4th and the 8th: one file left, every row kept.
  EXPECT_EQ((*snapshot)->files.size(), 1u);
  EXPECT_EQ(GoldRowCount(dir.str(), "TCS.NS"), 8u);
}

TEST(GoldLogTest, CompactionNeverRereadsSettledFiles) {
  TempDir dir;
  // The size of a one-row file: a file some 50 rows larger is settled.
  int64_t one_row_bytes = 0;
  {
    TempDir probe;
    GoldLog gold(probe.str());
    gold.Append(Outcome("TCS.NS", kBase, 100.0));
    ASSERT_THAT(gold.Close(), IsOk());
    auto snapshot = lake::layers::LayerTable::OpenGold(probe.str())->table().Latest();
    ASSERT_TRUE(snapshot.has_value());
    ASSERT_EQ((*snapshot)->files.size(), 1u);
    one_row_bytes = (*snapshot)->files.begin()->second.add.size;
  }
  GoldLogOptions options;
  options.max_delay = std::chrono::seconds(30);
  options.compact_every = 1;
  options.compact_min_files = 2;
  options.compact_small_file_bytes = one_row_bytes + 500;
  GoldLog gold(dir.str(), options);
  for (int commit = 0; commit < 150; ++commit) {
    gold.Append(Outcome("TCS.NS", kBase + commit * 300'000'000LL, 100.0 + commit));
    ASSERT_THAT(gold.Flush(), IsOk());
  }
  auto table = lake::layers::LayerTable::OpenGold(dir.str());
  ASSERT_TRUE(table.has_value());
  auto snapshot = table->table().Latest();
  ASSERT_TRUE(snapshot.has_value());
  // Compaction ran all along and settled files stayed: several files, each
  // settled one never rewritten (no compaction removed a file at the threshold).
  int64_t settled = 0;
  for (const auto& [rel, file] : (*snapshot)->files) settled += file.add.size >= options.compact_small_file_bytes;
  EXPECT_GE(settled, 2);
  EXPECT_LE((*snapshot)->files.size(), static_cast<size_t>(settled) + 1);
  int64_t compacted_away = 0;
  for (const auto& [rel, tombstone] : (*snapshot)->tombstones) {
    if (tombstone.remove.data_change) continue;
    ++compacted_away;
    EXPECT_LT(tombstone.remove.size.value_or(0), options.compact_small_file_bytes) << rel;
  }
  EXPECT_GE(compacted_away, 140);
  EXPECT_EQ(GoldRowCount(dir.str(), "TCS.NS"), 150u);
}

// A disk that fails only compaction's commit (its actions are the ones with
// "dataChange":false): the disk-full error a compaction would meet, while
// the group commits themselves go through.
class CompactionFailingFs : public lake::FaultInjectionFileSystem {
 public:
  using FaultInjectionFileSystem::FaultInjectionFileSystem;
  bool failing = true;
  int failed = 0;
  Status CreateNewFile(const std::string& path, std::string_view data, bool sync) override {
    if (failing && path.find("_delta_log") != std::string::npos &&
        data.find("\"dataChange\":false") != std::string_view::npos) {
      ++failed;
      return IoError("create '" + path + "': No space left on device (injected)");
    }
    return FaultInjectionFileSystem::CreateNewFile(path, data, sync);
  }
};

TEST(GoldLogTest, AFailedCompactionIsReportedLeavesNoFileAndTheNextOneSucceeds) {
  TempDir dir;
  CompactionFailingFs faults(lake::LocalFileSystem());
  lake::ScopedDefaultFileSystem scoped(faults);
  StorageHealth health;
  GoldLogOptions options;
  options.max_delay = std::chrono::seconds(30);
  options.compact_every = 4;
  options.compact_min_files = 3;
  GoldLog gold(dir.str(), options, &health);
  for (int commit = 0; commit < 4; ++commit) {
    gold.Append(Outcome("TCS.NS", kBase + commit * 300'000'000LL, 100.0));
    ASSERT_THAT(gold.Flush(), IsOk());  // the predictions are committed even though compaction fails
  }
  EXPECT_EQ(faults.failed, 1);
  ASSERT_EQ(health.Snapshot().count("gold_compaction"), 1u);
  EXPECT_TRUE(health.Snapshot().at("gold_compaction").failing);
  EXPECT_EQ(health.Snapshot().count("gold_log"), 0u);  // the group commits never failed
  auto files_on_disk = [&] {
    size_t n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir.path())) {
      n += e.is_regular_file() && e.path().extension() == ".parquet" &&
           e.path().string().find("_delta_log") == std::string::npos;
    }
    return n;
  };
  // The compacted file written for the commit that failed is gone again: 4 files, all live.
  EXPECT_EQ(files_on_disk(), 4u);
  EXPECT_EQ(GoldRowCount(dir.str(), "TCS.NS"), 4u);

  faults.failing = false;
  for (int commit = 4; commit < 8; ++commit) {
    gold.Append(Outcome("TCS.NS", kBase + commit * 300'000'000LL, 100.0));
    ASSERT_THAT(gold.Flush(), IsOk());
  }
  EXPECT_FALSE(health.Degraded());
  auto table = lake::layers::LayerTable::OpenGold(dir.str());
  ASSERT_TRUE(table.has_value());
  auto snapshot = table->table().Latest();
  ASSERT_TRUE(snapshot.has_value());
  EXPECT_EQ((*snapshot)->files.size(), 1u);
  EXPECT_EQ(GoldRowCount(dir.str(), "TCS.NS"), 8u);  // each row once
}

TEST(GoldLogTest, RowsCarryThePredictionAndATargetBarOnTheCalendar) {
  auto rows = GoldRows({Outcome("TCS.NS", kBase, 101.5)});
  ASSERT_TRUE(rows.has_value()) << rows.error().ToString();
  const auto& schema = rows->schema();
  auto col = [&](const char* name) { return static_cast<size_t>(schema.FieldIndex(name)); };
  EXPECT_EQ(rows->num_rows(), 1u);
  EXPECT_EQ(rows->Strings(col("symbol"))[0], "TCS.NS");
  EXPECT_EQ(rows->Int64s(col("ts"))[0], kBase);
  EXPECT_EQ(rows->Int32s(col("horizon_minutes"))[0], 60);
  EXPECT_DOUBLE_EQ(rows->Doubles(col("expected_close"))[0], 101.5);
  EXPECT_DOUBLE_EQ(rows->Doubles(col("lower_80"))[0], 98.0);
  EXPECT_DOUBLE_EQ(rows->Doubles(col("upper_95"))[0], 103.0);
  EXPECT_EQ(rows->Strings(col("regime"))[0], "volatile");
  EXPECT_NE(rows->Strings(col("weights_json"))[0].find("\"ridge\""), std::string::npos);
  EXPECT_TRUE(rows->column(col("realized_close")).IsNull(0));
  // 12 bars ahead on the NSE calendar, never before the prediction.
  EXPECT_GT(rows->Int64s(col("target_ts"))[0], kBase + 11 * 300'000'000LL);
}

}  // namespace
}  // namespace rc::serving
