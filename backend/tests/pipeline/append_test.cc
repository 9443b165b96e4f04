#include "data/pipeline/append.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "lake/delta/table.h"
#include "lake/layers/layers.h"
#include "lake/paths.h"
#include "testing/bars.h"
#include "testing/literals.h"
#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc::data::pipeline {
namespace {

using lake::layers::LayerTable;
using ::rc::testing::IsOk;
using ::rc::testing::TempDir;
using ::rc::testing::Iso;
using ::rc::testing::Sym;

const TimestampUs kNow = Iso("2030-01-01T00:00:00Z");

// Every value of two batches equal, column by column (doubles bit for bit,
// nulls in the same rows); the first difference is reported.
void ExpectSameRows(const lake::ColumnBatch& live, const lake::ColumnBatch& rebuilt, const std::string& what) {
  ASSERT_EQ(live.schema(), rebuilt.schema()) << what;
  ASSERT_EQ(live.num_rows(), rebuilt.num_rows()) << what;
  for (size_t col = 0; col < live.num_columns(); ++col) {
    const std::string& name = live.schema().fields[col].name;
    for (size_t row = 0; row < live.num_rows(); ++row) {
      ASSERT_EQ(live.column(col).IsNull(row), rebuilt.column(col).IsNull(row)) << what << " " << name << " row " << row;
      if (live.column(col).IsNull(row)) continue;
      const bool same = std::visit(
          [&](const auto& a) {
            using V = std::decay_t<decltype(a)>;
            const auto& b = std::get<V>(rebuilt.column(col).values);
            if constexpr (std::is_same_v<typename V::value_type, double>) {
              return std::memcmp(&a[row], &b[row], sizeof(double)) == 0;
            } else {
              return a[row] == b[row];
            }
          },
          live.column(col).values);
      ASSERT_TRUE(same) << what << ": column " << name << " differs at row " << row;
    }
  }
}

// A live lake fed close by close, and the same raw table rebuilt from scratch.
class AppendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    live_ = (dir_ / "live").string();
    const auto& calendar = ExchangeCalendar::ForSymbol(tcs_);
    bars_ = rc::testing::RandomWalkBars(calendar, Timeframe::k5m, Iso("2024-01-02T00:00:00Z"), 420, 11);
  }

  // Commits bars [from, to) to the live raw table as one fetch.
  void CommitBars(size_t from, size_t to, const std::string& provider = "replay") {
    CommitSeriesBars(tcs_, bars_, from, to, provider);
  }
  void CommitSeriesBars(const Symbol& symbol, const BarSeries& bars, size_t from, size_t to,
                        const std::string& provider = "replay") {
    FetchResult fetched;
    fetched.provider = provider;
    fetched.fetched_at = 1000 + static_cast<TimestampUs>(from);
    for (size_t i = from; i < to; ++i) {
      const Bar& b = bars[i];
      fetched.bars.push_back(RawBar{b.open_time, b.open, b.high, b.low, b.close, b.volume});
    }
    ASSERT_THAT(CommitRaw(live_, symbol, Timeframe::k5m, fetched), IsOk());
  }

  PartitionReport CatchUp(LiveAppender& appender) {
    auto reports = appender.CatchUp({{tcs_, Timeframe::k5m}}, kNow);
    EXPECT_THAT(reports, IsOk());
    if (!reports) return PartitionReport{tcs_, Timeframe::k5m};
    EXPECT_EQ(reports->size(), 1u);
    return reports->front();
  }

  // Copies the live raw table to a fresh lake, runs the whole pipeline there,
  // and compares every column of bronze and silver with the live lake's.
  void ExpectSameAsRebuild() { ExpectSameAsRebuildFor({tcs_}); }
  void ExpectSameAsRebuildFor(const std::vector<Symbol>& symbols) {
    const std::string fresh = (dir_ / ("fresh" + std::to_string(++rebuilds_))).string();
    const auto raw_dir = lake::paths::LayerTableDir(live_, lake::paths::Layer::kRaw);
    const auto fresh_raw = lake::paths::LayerTableDir(fresh, lake::paths::Layer::kRaw);
    std::filesystem::create_directories(std::filesystem::path(fresh_raw).parent_path());
    std::filesystem::copy(raw_dir, fresh_raw, std::filesystem::copy_options::recursive);
    PipelineOptions options{.data_dir = fresh, .horizons_minutes = {60, 180}};
    options.now = kNow;
    ASSERT_THAT(RunPipeline(options), IsOk());
    for (const bool is_silver : {false, true}) {
      auto open = [&](const std::string& lake) {
        return is_silver ? LayerTable::OpenSilverExisting(lake) : LayerTable::OpenBronze(lake);
      };
      auto live = open(live_);
      auto rebuilt = open(fresh);
      ASSERT_THAT(live, IsOk());
      ASSERT_THAT(rebuilt, IsOk());
      for (const Symbol& symbol : symbols) {
        auto live_rows = live->Read(symbol, Timeframe::k5m);
        auto rebuilt_rows = rebuilt->Read(symbol, Timeframe::k5m);
        ASSERT_THAT(live_rows, IsOk());
        ASSERT_THAT(rebuilt_rows, IsOk());
        ASSERT_GT(live_rows->num_rows(), 0u);
        ExpectSameRows(*live_rows, *rebuilt_rows, symbol.str() + (is_silver ? " silver" : " bronze"));
      }
    }
  }

  // One close: bars [from, to) to raw, then the catch-up; whether it appended.
  bool Close(LiveAppender& appender, size_t from, size_t to, const std::string& provider = "replay") {
    CommitBars(from, to, provider);
    return CatchUp(appender).appended;
  }

  // numOutputRows of the table's latest commit.
  int64_t RowsOfLastCommit(lake::paths::Layer layer) {
    auto table = lake::delta::Table::Open(lake::paths::LayerTableDir(live_, layer));
    EXPECT_THAT(table, IsOk());
    auto history = table->History();
    EXPECT_THAT(history, IsOk());
    const auto info = boost::json::parse(history->back().commit_info_json).as_object();
    return std::stoll(std::string(info.at("operationMetrics").as_object().at("numOutputRows").as_string()));
  }

  TempDir dir_;
  std::string live_;
  Symbol tcs_ = Sym("TCS.NS");
  BarSeries bars_;
  int rebuilds_ = 0;
  AppendOptions options_for(const std::string& lake) { return {.data_dir = lake, .horizons_minutes = {60, 180}}; }
};

// A close of several series stages them on several threads at once: each
// series' files, features and tail are its own, and after 25 closes every
// series equals a rebuild from scratch (under TSan, the staging's sharing is
// checked too).
TEST_F(AppendTest, SeriesOfOneCloseAreStagedTogetherAndEachEndsAsARebuild) {
  std::vector<Symbol> symbols;
  std::vector<BarSeries> bars;
  for (const char* name : {"TCS.NS", "INFY.NS", "RELIANCE.NS", "SBIN.NS", "ITC.NS", "WIPRO.NS"}) {
    symbols.push_back(Sym(name));
    bars.push_back(rc::testing::RandomWalkBars(ExchangeCalendar::ForSymbol(symbols.back()), Timeframe::k5m,
                                               Iso("2024-01-02T00:00:00Z"), 300, 20 + symbols.size()));
  }
  std::vector<std::pair<Symbol, Timeframe>> partitions;
  for (const Symbol& symbol : symbols) partitions.emplace_back(symbol, Timeframe::k5m);
  LiveAppender appender(options_for(live_));
  size_t upto = 250;
  for (size_t i = 0; i < symbols.size(); ++i) CommitSeriesBars(symbols[i], bars[i], 0, upto);
  ASSERT_THAT(appender.CatchUp(partitions, kNow), IsOk());  // the first close rebuilds
  for (int close = 0; close < 25; ++close, upto += 2) {
    for (size_t i = 0; i < symbols.size(); ++i) CommitSeriesBars(symbols[i], bars[i], upto, upto + 2);
    auto reports = appender.CatchUp(partitions, kNow);
    ASSERT_THAT(reports, IsOk());
    ASSERT_EQ(reports->size(), symbols.size());
    for (size_t i = 0; i < symbols.size(); ++i) {
      EXPECT_EQ((*reports)[i].symbol, symbols[i]);  // reports in the order of the partitions
      EXPECT_TRUE((*reports)[i].appended) << symbols[i].str() << " close " << close;
      EXPECT_EQ((*reports)[i].bronze_rows, 2) << symbols[i].str() << " close " << close;
    }
  }
  EXPECT_EQ(appender.series_in_memory(), symbols.size());
  ExpectSameAsRebuildFor(symbols);
}

TEST_F(AppendTest, LiveClosesAppendAndEndAsARebuildFromScratch) {
  LiveAppender appender(options_for(live_));
  CommitBars(0, 200);
  PartitionReport first = CatchUp(appender);
  EXPECT_FALSE(first.appended);  // nothing in memory yet: rebuilt, then read back
  EXPECT_TRUE(first.silver_rebuilt);
  EXPECT_EQ(appender.series_in_memory(), 1u);
  // 60 closes of 1-3 bars each (a backfill-sized one among them).
  size_t next = 200;
  for (int close = 0; next < bars_.size() && close < 60; ++close) {
    const size_t count = close == 30 ? 40 : 1 + close % 3;
    const size_t to = std::min(bars_.size(), next + count);
    CommitBars(next, to);
    PartitionReport report = CatchUp(appender);
    ASSERT_TRUE(report.appended) << "close " << close;
    EXPECT_EQ(report.bronze_rows, static_cast<int64_t>(to - next));
    EXPECT_EQ(report.silver_rows, static_cast<int64_t>(to - next));
    // Only the new bars go to bronze; silver writes the new rows and the tail
    // whose targets they complete (36 rows for 180 minutes of 5m bars), not
    // the partition — except the first append, which splits the rebuilt file.
    EXPECT_EQ(RowsOfLastCommit(lake::paths::Layer::kBronze), static_cast<int64_t>(to - next));
    if (close > 0) {
      EXPECT_LE(RowsOfLastCommit(lake::paths::Layer::kSilver), static_cast<int64_t>(36 + to - next));
    }
    next = to;
    if (close == 10) ExpectSameAsRebuild();
  }
  ExpectSameAsRebuild();
  // Nothing new in raw: nothing committed.
  auto bronze = LayerTable::OpenBronze(live_);
  ASSERT_THAT(bronze, IsOk());
  const int64_t version = *bronze->Version();
  PartitionReport idle = CatchUp(appender);
  EXPECT_EQ(idle.bronze_version, -1);
  EXPECT_EQ(*bronze->Version(), version);
}

TEST_F(AppendTest, ARestartedAppenderRebuildsOnceThenAppends) {
  {
    LiveAppender before_crash(options_for(live_));
    EXPECT_FALSE(Close(before_crash, 0, 150));  // the first catch-up rebuilds
    EXPECT_TRUE(Close(before_crash, 150, 152));
  }
  LiveAppender restarted(options_for(live_));
  EXPECT_FALSE(Close(restarted, 152, 153));
  EXPECT_TRUE(Close(restarted, 153, 160));
  ExpectSameAsRebuild();
}

TEST_F(AppendTest, AnotherWritersRebuildIsNoticedAndRebuilt) {
  LiveAppender appender(options_for(live_));
  EXPECT_FALSE(Close(appender, 0, 150));  // the first catch-up rebuilds
  // Another writer (`regimecast pipeline`) rebuilds the partitions: the
  // series' state no longer matches the lake.
  CommitBars(150, 151);
  PipelineOptions other{.data_dir = live_, .horizons_minutes = {60, 180}};
  other.now = kNow;
  ASSERT_THAT(RunPipeline(other), IsOk());
  EXPECT_FALSE(Close(appender, 151, 155));
  EXPECT_TRUE(Close(appender, 155, 158));
  ExpectSameAsRebuild();
}

TEST_F(AppendTest, ALateBarInTheHistoryRebuilds) {
  LiveAppender appender(options_for(live_));
  // Bar 120 missing (a feed gap), then delivered late.
  EXPECT_FALSE(Close(appender, 0, 120));  // the first catch-up rebuilds
  EXPECT_TRUE(Close(appender, 121, 140));
  EXPECT_FALSE(Close(appender, 120, 121, "late"));
  EXPECT_TRUE(Close(appender, 140, 150));
  ExpectSameAsRebuild();
}

TEST_F(AppendTest, InvalidAndDuplicateRawBarsAreDroppedAsARebuildDrops) {
  LiveAppender appender(options_for(live_));
  EXPECT_FALSE(Close(appender, 0, 100));  // the first catch-up rebuilds
  // A bar with high < low, then its corrected re-fetch in the next close.
  bars_[100].high = bars_[100].low * 0.99;
  CommitBars(100, 101);
  PartitionReport invalid = CatchUp(appender);
  EXPECT_TRUE(invalid.appended);
  EXPECT_EQ(invalid.bronze_rows, 0);
  EXPECT_EQ(invalid.stats.dropped_invalid, 1);
  bars_[100].high = bars_[100].low * 1.01;
  bars_[100].open = bars_[100].close = bars_[100].low * 1.005;
  CommitBars(100, 104, "refetch");
  PartitionReport fixed = CatchUp(appender);
  EXPECT_TRUE(fixed.appended);
  EXPECT_EQ(fixed.bronze_rows, 4);
  ExpectSameAsRebuild();
}

TEST_F(AppendTest, CompactedAppendsKeepTheWatermarksAndTheAppends) {
  LiveAppender appender(options_for(live_));
  EXPECT_FALSE(Close(appender, 0, 100));  // the first catch-up rebuilds
  for (size_t i = 100; i < 130; ++i) ASSERT_TRUE(Close(appender, i, i + 1));
  for (auto layer : {lake::paths::Layer::kRaw, lake::paths::Layer::kBronze, lake::paths::Layer::kSilver}) {
    auto table = lake::delta::Table::Open(lake::paths::LayerTableDir(live_, layer));
    ASSERT_THAT(table, IsOk());
    auto before = table->Latest();
    ASSERT_THAT(before, IsOk());
    const auto marks = LayerTable::PartitionWatermarks(**before);
    auto compacted = table->Compact({.small_file_bytes = 1 << 20, .keep_newest_file = true});
    ASSERT_THAT(compacted, IsOk());
    EXPECT_GE(compacted->files_removed, 20);
    auto after = table->Latest();
    ASSERT_THAT(after, IsOk());
    EXPECT_LT((*after)->files.size(), (*before)->files.size());
    // The data did not change: neither did the partition's watermark.
    EXPECT_EQ(LayerTable::PartitionWatermarks(**after), marks);
  }
  EXPECT_TRUE(Close(appender, 130, 135));
  ExpectSameAsRebuild();
}

}  // namespace
}  // namespace rc::data::pipeline
