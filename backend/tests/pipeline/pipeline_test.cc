#include "data/pipeline/pipeline.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "lake/delta/table.h"
#include "lake/fs.h"
#include "lake/paths.h"
#include "lake/layers/layers.h"
#include "testing/bars.h"
#include "testing/literals.h"
#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc::data::pipeline {
namespace {

using ::rc::testing::IsOk;
using ::rc::testing::TempDir;
using ::rc::testing::Iso;
using ::rc::testing::Sym;

// Every column of one silver partition, as text, so that two lakes compare
// value for value (NaN-free: nulls print as "null").
std::vector<std::string> PartitionRows(const lake::layers::LayerTable& table, const Symbol& symbol,
                                       const lake::layers::ReadOptions& options = {}) {
  auto batch = table.Read(symbol, Timeframe::k5m, options);
  EXPECT_THAT(batch, IsOk());
  std::vector<std::string> rows(batch->num_rows());
  for (size_t col = 0; col < batch->num_columns(); ++col) {
    for (size_t row = 0; row < rows.size(); ++row) {
      std::string cell = "null";
      if (!batch->column(col).IsNull(row)) {
        std::visit([&](const auto& values) {
          using V = std::decay_t<decltype(values[row])>;
          if constexpr (std::is_same_v<V, std::string>) {
            cell = values[row];
          } else {
            cell = std::to_string(values[row]);
          }
        }, batch->column(col).values);
      }
      rows[row] += cell + "|";
    }
  }
  return rows;
}

std::vector<std::string> SilverRows(const std::string& lake, const Symbol& symbol) {
  auto silver = lake::layers::LayerTable::OpenSilverExisting(lake);
  EXPECT_THAT(silver, IsOk());
  return PartitionRows(*silver, symbol);
}

// Without batch_id: CommitRaw draws a new one for each lake.
std::vector<std::string> BronzeRows(const std::string& lake, const Symbol& symbol) {
  auto bronze = lake::layers::LayerTable::OpenBronze(lake);
  EXPECT_THAT(bronze, IsOk());
  lake::layers::ReadOptions options;
  for (const auto& field : bronze->schema().fields) {
    if (field.name != "batch_id") options.columns.push_back(field.name);
  }
  return PartitionRows(*bronze, symbol, options);
}

// Several series committed to raw the same way in two lakes.
std::vector<Symbol> CommitSeries(const std::vector<std::string>& lakes) {
  std::vector<Symbol> symbols;
  for (const char* name : {"TCS.NS", "INFY.NS", "SBIN.NS", "ITC.NS", "LT.NS"}) symbols.push_back(Sym(name));
  for (size_t idx = 0; idx < symbols.size(); ++idx) {
    const auto& calendar = ExchangeCalendar::ForSymbol(symbols[idx]);
    const BarSeries bars = rc::testing::RandomWalkBars(calendar, Timeframe::k5m, Iso("2024-01-02T00:00:00Z"),
                                                       300 + 40 * idx, 7 + idx);
    FetchResult fetched;
    fetched.provider = "sim";
    fetched.fetched_at = 1;
    for (const Bar& b : bars) fetched.bars.push_back(RawBar{b.open_time, b.open, b.high, b.low, b.close, b.volume});
    for (const std::string& lake : lakes) {
      EXPECT_THAT(CommitRaw(lake, symbols[idx], Timeframe::k5m, fetched), IsOk());
    }
  }
  return symbols;
}

TEST(PipelineTest, ParallelWorkersBuildWhatOneWorkerBuilds) {
  TempDir dir;
  const std::string serial = (dir / "serial").string();
  const std::string parallel = (dir / "parallel").string();
  const std::vector<Symbol> symbols = CommitSeries({serial, parallel});
  PipelineOptions options;
  options.now = Iso("2030-01-01T00:00:00Z");
  options.data_dir = serial;
  options.workers = 1;
  auto one = RunPipeline(options);
  ASSERT_THAT(one, IsOk());
  options.data_dir = parallel;
  options.workers = 3;
  auto three = RunPipeline(options);
  ASSERT_THAT(three, IsOk());
  ASSERT_EQ(one->size(), symbols.size());
  ASSERT_EQ(three->size(), symbols.size());
  for (size_t idx = 0; idx < symbols.size(); ++idx) {
    // Reports come back in partition order whatever the worker that built them.
    EXPECT_EQ((*one)[idx].symbol, (*three)[idx].symbol);
    EXPECT_TRUE((*three)[idx].bronze_rebuilt);
    EXPECT_TRUE((*three)[idx].silver_rebuilt);
    EXPECT_EQ((*one)[idx].silver_rows, (*three)[idx].silver_rows);
    EXPECT_GT((*three)[idx].silver_rows, 0);
  }
  for (const Symbol& symbol : symbols) {
    const auto expected = SilverRows(serial, symbol);
    ASSERT_FALSE(expected.empty());
    EXPECT_EQ(SilverRows(parallel, symbol), expected) << symbol.str();
  }
  // Every partition's watermark was recorded despite the concurrent commits:
  // a second parallel run commits nothing.
  auto silver = lake::layers::LayerTable::OpenSilverExisting(parallel);
  ASSERT_THAT(silver, IsOk());
  const int64_t version = *silver->Version();
  auto again = RunPipeline(options);
  ASSERT_THAT(again, IsOk());
  for (const PartitionReport& report : *again) {
    EXPECT_FALSE(report.bronze_rebuilt) << report.symbol.str();
    EXPECT_FALSE(report.silver_rebuilt) << report.symbol.str();
  }
  EXPECT_EQ(*silver->Version(), version);
}

TEST(PipelineTest, NegativeWorkerCountIsRejectedByName) {
  TempDir dir;
  PipelineOptions options;
  options.data_dir = (dir / "lake").string();
  options.workers = -1;
  EXPECT_THAT(RunPipeline(options), ::rc::testing::ErrorIs(ErrorCode::kInvalidArgument, "workers"));
}

// Bronze and silver are written in chunks of chunk_rows rows (one Parquet row
// group each, silver's features computed a chunk at a time): chunks of 7 rows
// (partitions of 300-460 bars: many chunks and a partial last one) and chunks
// of 100 (the first partition is exactly three) give the rows that one chunk
// per partition gives.
TEST(PipelineTest, ChunkedPartitionsHoldWhatOneChunkHolds) {
  TempDir dir;
  // Lake -> chunk rows; the first series has 300 bars: chunks of 100 end exactly on it.
  const std::vector<std::pair<std::string, int64_t>> runs = {
      {(dir / "whole").string(), 1 << 20}, {(dir / "chunked").string(), 7}, {(dir / "exact").string(), 100}};
  std::vector<std::string> lakes;
  for (const auto& run : runs) lakes.push_back(run.first);
  const std::vector<Symbol> symbols = CommitSeries(lakes);
  PipelineOptions options = {.now = Iso("2030-01-01T00:00:00Z"), .workers = 1};
  for (const auto& [lake, chunk_rows] : runs) {
    options.data_dir = lake;
    options.chunk_rows = chunk_rows;
    auto reports = RunPipeline(options);
    ASSERT_THAT(reports, IsOk());
    EXPECT_GT((*reports)[0].silver_rows, 7);
  }
  for (const Symbol& symbol : symbols) {
    const auto silver = SilverRows(lakes[0], symbol);
    const auto bronze = BronzeRows(lakes[0], symbol);
    ASSERT_FALSE(silver.empty());
    for (size_t idx = 1; idx < lakes.size(); ++idx) {
      EXPECT_EQ(SilverRows(lakes[idx], symbol), silver) << symbol.str() << " " << lakes[idx];
      EXPECT_EQ(BronzeRows(lakes[idx], symbol), bronze) << symbol.str() << " " << lakes[idx];
    }
  }
  options.chunk_rows = 0;
  EXPECT_THAT(RunPipeline(options), ::rc::testing::ErrorIs(ErrorCode::kInvalidArgument, "chunk_rows"));
}

TEST(PipelineTest, SilverRebuiltFromBronzeInMemoryEqualsSilverReadBackFromBronze) {
  // A run that rebuilds bronze hands its bars to silver; a run where only
  // silver is stale reads bronze back. Both must give the same silver rows.
  TempDir dir;
  const std::string lake = (dir / "lake").string();
  const std::vector<Symbol> symbols = CommitSeries({lake});
  PipelineOptions options;
  options.now = Iso("2030-01-01T00:00:00Z");
  options.data_dir = lake;
  ASSERT_THAT(RunPipeline(options), IsOk());
  const auto built_in_memory = SilverRows(lake, symbols[0]);
  // Without its silver table the series is stale in silver only: bronze is current.
  std::filesystem::remove_all(dir / "lake" / "silver");
  lake::delta::Table::ClearSnapshotCache();
  auto reports = RunPipeline(options);
  ASSERT_THAT(reports, IsOk());
  EXPECT_FALSE((*reports)[0].bronze_rebuilt);
  EXPECT_TRUE((*reports)[0].silver_rebuilt);
  EXPECT_EQ(SilverRows(lake, symbols[0]), built_in_memory);
}

// Options of a run over `lake` at a fixed `now`.
PipelineOptions OptionsFor(const std::string& lake) {
  PipelineOptions options;
  options.now = Iso("2030-01-01T00:00:00Z");
  options.data_dir = lake;
  return options;
}

// Commit files in a table's _delta_log.
size_t CommitCount(const std::string& lake, const char* table) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(lake + "/" + table + "/_delta_log")) {
    if (lake::paths::ParseCommitFileName(e.path().filename().string())) ++n;
  }
  return n;
}

TEST(PipelineTest, PartitionsAreCommittedInBatchesOfOneCommitPerTable) {
  TempDir dir;
  const std::string lake = (dir / "lake").string();
  const std::string reference = (dir / "reference").string();
  const std::vector<Symbol> symbols = CommitSeries({lake, reference});
  PipelineOptions options = OptionsFor(reference);
  options.batch_partitions = 1000;
  ASSERT_THAT(RunPipeline(options), IsOk());
  // Five partitions in batches of two: three bronze and three silver commits
  // (after each table's creation), whatever the number of workers.
  options.data_dir = lake;
  options.batch_partitions = 2;
  options.workers = 3;
  auto reports = RunPipeline(options);
  ASSERT_THAT(reports, IsOk());
  EXPECT_EQ(CommitCount(lake, "bronze/bars"), 1u + 3u);
  EXPECT_EQ(CommitCount(lake, "silver/features"), 1u + 3u);
  EXPECT_EQ(CommitCount(reference, "silver/features"), 1u + 1u);
  // Partitions of one batch share its versions; the batches follow each other.
  EXPECT_EQ((*reports)[0].silver_version, (*reports)[1].silver_version);
  EXPECT_EQ((*reports)[2].silver_version, (*reports)[1].silver_version + 1);
  EXPECT_EQ((*reports)[4].bronze_version, 3);
  for (const Symbol& symbol : symbols) EXPECT_EQ(SilverRows(lake, symbol), SilverRows(reference, symbol));
  // Re-running commits nothing.
  auto again = RunPipeline(options);
  ASSERT_THAT(again, IsOk());
  for (const PartitionReport& report : *again) {
    EXPECT_FALSE(report.bronze_rebuilt || report.silver_rebuilt) << report.symbol.str();
  }
  EXPECT_EQ(CommitCount(lake, "silver/features"), 1u + 3u);
  options.batch_partitions = 0;
  EXPECT_THAT(RunPipeline(options), ::rc::testing::ErrorIs(ErrorCode::kInvalidArgument, "batch_partitions"));
}

TEST(PipelineTest, FailureBetweenBronzeAndSilverCommitsIsRepairedByTheNextRunExactlyOnce) {
  TempDir dir;
  const std::string lake = (dir / "lake").string();
  const std::string reference = (dir / "reference").string();
  const std::vector<Symbol> symbols = CommitSeries({lake, reference});
  PipelineOptions options = OptionsFor(reference);
  ASSERT_THAT(RunPipeline(options), IsOk());
  options.data_dir = lake;
  options.batch_partitions = 2;
  // LT.NS first, alone: the run creates the silver table (the fault below
  // must hit a commit, not the creation).
  options.symbol = Sym("LT.NS");
  ASSERT_THAT(RunPipeline(options), IsOk());
  options.symbol.reset();
  {
    // Silver's disk fails: the first batch's bronze commit lands, its silver
    // commit does not (as a crash between the two commits would leave it).
    lake::FaultInjectionFileSystem faulty(lake::LocalFileSystem());
    lake::ScopedDefaultFileSystem scoped(faulty);
    faulty.InjectWriteFault({EIO, "/silver/features/_delta_log/"});
    lake::delta::Table::ClearSnapshotCache();
    auto failed = RunPipeline(options);
    EXPECT_FALSE(failed.has_value());
    faulty.ClearWriteFault();
    lake::delta::Table::ClearSnapshotCache();
  }
  auto bronze = lake::layers::LayerTable::OpenBronze(lake);
  ASSERT_THAT(bronze, IsOk());
  auto built = bronze->RecordedWatermarks();
  ASSERT_THAT(built, IsOk());
  EXPECT_EQ(built->size(), 3u);  // LT.NS and the first batch (INFY.NS, ITC.NS) only
  // The next run builds the rest of bronze and all of silver; every bar once.
  auto repaired = RunPipeline(options);
  ASSERT_THAT(repaired, IsOk());
  int silver_rebuilt = 0;
  for (const PartitionReport& report : *repaired) silver_rebuilt += report.silver_rebuilt ? 1 : 0;
  EXPECT_EQ(silver_rebuilt, 4);  // all but LT.NS
  for (const Symbol& symbol : symbols) {
    const auto expected = SilverRows(reference, symbol);
    ASSERT_FALSE(expected.empty());
    EXPECT_EQ(SilverRows(lake, symbol), expected) << symbol.str();
    auto rows = bronze->Read(symbol, Timeframe::k5m);
    auto reference_bronze = lake::layers::LayerTable::OpenBronze(reference);
    ASSERT_THAT(rows, IsOk());
    EXPECT_EQ(rows->num_rows(), reference_bronze->Read(symbol, Timeframe::k5m)->num_rows()) << symbol.str();
  }
}

}  // namespace
}  // namespace rc::data::pipeline
