// The live loop on a failing disk: bar cycles, predictions and gold commits
// run on a FaultInjectionFileSystem that turns writes into ENOSPC or EIO at
// one write path at a time. While the fault lasts the runtime keeps answering
// predictions from memory (the last good data), and its StorageHealth names
// the failing path and the OS error; once the fault clears, the next cycle and
// flush catch up by themselves, health turns ok, and every Delta table reads
// with each bar and each served prediction exactly once (torn files the
// failed writes left on disk never become visible, and on a full disk they
// are removed at once).
#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <map>
#include <set>

#include "core/calendar.h"
#include "data/failover/provider_chain.h"
#include "data/pipeline/pipeline.h"
#include "lake/fs.h"
#include "lake/layers/layers.h"
#include "scheduler/bar_cycle.h"
#include "serving/runtime.h"
#include "testing/bars.h"
#include "testing/literals.h"
#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc::scheduler {
namespace {

using rc::testing::IsOk;
using rc::testing::TempDir;
using rc::testing::Sym;

constexpr int64_t kStart = 1'717'400'000'000'000;  // early June 2024, UTC micros
constexpr size_t kHistoryBars = 300;                // stored by the first (backfill) cycle
constexpr int kHorizon = 60;

// Serves a fixed series: every bar whose open time is in the requested range.
class SeriesProvider final : public data::Provider {
 public:
  explicit SeriesProvider(BarSeries bars) : bars_(std::move(bars)) {}
  std::string_view name() const override { return "series"; }
  Result<data::FetchResult> Fetch(const data::FetchRequest& request) override {
    data::FetchResult out;
    out.provider = "series";
    for (const Bar& bar : bars_) {
      if (bar.open_time < request.from || bar.open_time >= request.to) continue;
      out.bars.push_back({bar.open_time, bar.open, bar.high, bar.low, bar.close, bar.volume});
    }
    return out;
  }
  data::Coverage CoverageFor(Timeframe, TimestampUs) const override { return {}; }

 private:
  BarSeries bars_;
};

struct FaultCase {
  const char* name;
  int os_errno;
  const char* path_part;      // "" = the whole disk
  const char* failing_path;   // the StorageHealth write path expected to fail
  bool cycle_fails;           // the bar cycle's raw/pipeline writes are hit
  bool gold_fails;            // the gold log's commits are hit
};

class StorageFaultTest : public ::testing::TestWithParam<FaultCase> {
 protected:
  StorageFaultTest()
      : symbol_(Sym("TCS.NS")),
        calendar_(ExchangeCalendar::ForSymbol(symbol_)),
        bars_(rc::testing::RandomWalkBars(calendar_, Timeframe::k5m, kStart, kHistoryBars + 40, 7, 3400.0)),
        faults_(lake::LocalFileSystem()),
        scoped_fs_(faults_) {
    std::vector<std::unique_ptr<data::Provider>> providers;
    providers.push_back(std::make_unique<SeriesProvider>(bars_));
    chain_ = std::make_unique<data::ProviderChain>(std::move(providers));
    serving::RuntimeOptions options;
    options.data_dir = dir_.str();
    options.gold.max_rows = 100'000;
    options.gold.max_delay = std::chrono::hours(1);  // commits only when the test flushes
    options.gold.compact_every = 2;                  // ... and compacts along the way
    options.gold.compact_min_files = 2;
    runtime_ = std::make_unique<serving::Runtime>(std::move(options), nullptr);
    context_.data_dir = dir_.str();
    context_.providers = chain_.get();
    context_.runtime = runtime_.get();
    context_.horizons_minutes = {kHorizon};
    context_.backfill_days = 60;
    cycle_ = std::make_unique<BarCycle>(WatchedSeries{symbol_, Timeframe::k5m}, &context_);
  }

  // Market time just after bar `index` closed.
  int64_t AfterClose(size_t index) const { return calendar_.BarClose(bars_[index].open_time, Timeframe::k5m) + 1; }

  // One cycle at AfterClose(index); counts the predictions it served.
  Result<CycleReport> RunCycle(size_t index) {
    auto report = cycle_->Run(AfterClose(index));
    if (report) served_ += report->predictions;
    return report;
  }

  // A prediction as a client asks for it; counts it when served.
  Result<serving::PredictionOutcome> Predict(size_t index) {
    auto outcome = runtime_->Predict({symbol_, Timeframe::k5m, kHorizon, std::nullopt}, AfterClose(index));
    if (outcome) ++served_;
    return outcome;
  }

  // Open times of the rows of a layer, for the exactly-once checks.
  std::vector<int64_t> LayerTimes(lake::paths::Layer layer) {
    Result<lake::layers::LayerTable> table = tl::unexpected(Error{ErrorCode::kInternal, "unset", ""});
    if (layer == lake::paths::Layer::kBronze) table = lake::layers::LayerTable::OpenBronze(dir_.str());
    if (layer == lake::paths::Layer::kSilver) table = lake::layers::LayerTable::OpenSilverExisting(dir_.str());
    EXPECT_TRUE(table.has_value()) << table.error().ToString();
    if (!table) return {};
    lake::layers::ReadOptions read;
    read.columns = {"ts"};
    auto rows = table->Read(symbol_, Timeframe::k5m, read);
    EXPECT_TRUE(rows.has_value()) << rows.error().ToString();
    return rows ? std::vector<int64_t>(rows->Int64s(0)) : std::vector<int64_t>{};
  }

  // Every bar up to `last_index` is in raw, bronze and silver exactly once,
  // and gold holds every served prediction exactly once.
  void ExpectEachRowExactlyOnce(size_t last_index) {
    std::vector<int64_t> expected;
    for (size_t idx = 0; idx <= last_index; ++idx) expected.push_back(bars_[idx].open_time);
    auto raw = data::pipeline::ReadRawBars(dir_.str(), symbol_, Timeframe::k5m);
    ASSERT_TRUE(raw.has_value()) << raw.error().ToString();
    std::vector<int64_t> raw_times;
    for (const auto& bar : *raw) raw_times.push_back(bar.open_time);
    EXPECT_EQ(raw_times, expected) << "raw";
    EXPECT_EQ(LayerTimes(lake::paths::Layer::kBronze), expected) << "bronze";
    // Silver starts where the features have warmed up; it ends at the newest bar, each bar once.
    auto silver = LayerTimes(lake::paths::Layer::kSilver);
    ASSERT_FALSE(silver.empty());
    EXPECT_EQ(silver.back(), expected.back());
    EXPECT_EQ(std::set<int64_t>(silver.begin(), silver.end()).size(), silver.size()) << "silver has duplicates";
    auto gold = lake::layers::LayerTable::OpenGold(dir_.str());
    ASSERT_TRUE(gold.has_value()) << gold.error().ToString();
    auto rows = gold->Read(symbol_, Timeframe::k5m);
    ASSERT_TRUE(rows.has_value()) << rows.error().ToString();
    EXPECT_EQ(static_cast<int64_t>(rows->num_rows()), served_) << "gold";
  }

  // Data files on disk that no table version references, live or removed:
  // the torn and orphaned files failed writes left behind.
  int64_t OrphanDataFiles() {
    int64_t on_disk = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path())) {
      if (entry.is_regular_file() && entry.path().extension() == ".parquet" &&
          entry.path().string().find("_delta_log") == std::string::npos) {
        ++on_disk;
      }
    }
    int64_t referenced = 0;
    auto count = [&referenced](const Result<lake::layers::LayerTable>& table) {
      ASSERT_TRUE(table.has_value()) << table.error().ToString();
      auto latest = table->table().Latest();
      ASSERT_TRUE(latest.has_value()) << latest.error().ToString();
      referenced += static_cast<int64_t>((*latest)->files.size() + (*latest)->tombstones.size());
    };
    count(lake::layers::LayerTable::OpenRaw(dir_.str()));
    count(lake::layers::LayerTable::OpenBronze(dir_.str()));
    count(lake::layers::LayerTable::OpenSilverExisting(dir_.str()));
    count(lake::layers::LayerTable::OpenGold(dir_.str()));
    return on_disk - referenced;
  }

  TempDir dir_;
  Symbol symbol_;
  const ExchangeCalendar& calendar_;
  BarSeries bars_;
  lake::FaultInjectionFileSystem faults_;
  lake::ScopedDefaultFileSystem scoped_fs_;  // every table the loop opens writes through faults_
  std::unique_ptr<data::ProviderChain> chain_;
  std::unique_ptr<serving::Runtime> runtime_;
  CycleContext context_;
  std::unique_ptr<BarCycle> cycle_;
  int64_t served_ = 0;  // predictions served, each of which must reach gold once
};

TEST_P(StorageFaultTest, TheLiveLoopDegradesAndRecoversWithEachRowOnce) {
  const FaultCase& fault = GetParam();
  serving::StorageHealth& health = runtime_->storage();

  // A healthy start: backfill, one bar close with its prediction, one gold commit.
  size_t index = kHistoryBars - 2;
  auto backfill = RunCycle(index);
  ASSERT_TRUE(backfill.has_value()) << backfill.error().ToString();
  ASSERT_EQ(backfill->stored, static_cast<int64_t>(kHistoryBars - 1));
  auto healthy = RunCycle(++index);
  ASSERT_TRUE(healthy.has_value()) << healthy.error().ToString();
  ASSERT_EQ(healthy->stored, 1);
  ASSERT_EQ(healthy->predictions, 1);
  ASSERT_THAT(runtime_->gold().Flush(), IsOk());
  auto before = Predict(index);
  ASSERT_TRUE(before.has_value()) << before.error().ToString();
  const int64_t last_good_bar = before->prediction.data_last_ts;
  EXPECT_FALSE(health.Degraded());

  // The disk fails: three bar closes pass.
  faults_.InjectWriteFault({fault.os_errno, fault.path_part});
  const std::string os_message = std::strerror(fault.os_errno);
  for (int bar = 0; bar < 3; ++bar) {
    ++index;
    auto report = RunCycle(index);
    if (fault.cycle_fails) {
      ASSERT_FALSE(report.has_value()) << "the cycle wrote through an injected " << os_message;
      EXPECT_EQ(report.error().code, ErrorCode::kIo);
      EXPECT_NE(report.error().message.find(os_message), std::string::npos) << report.error().ToString();
    } else {
      ASSERT_TRUE(report.has_value()) << report.error().ToString();
      EXPECT_EQ(report->predictions, 1);
    }
    // Reads are still answered: predictions come from memory, on the last
    // bar that made it to silver.
    auto during = Predict(index);
    ASSERT_TRUE(during.has_value()) << during.error().ToString();
    if (fault.cycle_fails) {
      EXPECT_EQ(during->prediction.data_last_ts, last_good_bar);
    } else {
      EXPECT_EQ(during->prediction.data_last_ts, bars_[index].open_time);
    }
    auto flushed = runtime_->gold().Flush();
    EXPECT_EQ(flushed.has_value(), !fault.gold_fails) << (flushed ? "" : flushed.error().ToString());
  }
  EXPECT_GT(faults_.injected_write_failures(), 0);
  EXPECT_TRUE(health.Degraded());
  const auto failing = health.Snapshot();
  ASSERT_EQ(failing.count(fault.failing_path), 1u) << fault.failing_path;
  const auto& state = failing.at(fault.failing_path);
  EXPECT_TRUE(state.failing);
  EXPECT_GE(state.failures, 1);
  EXPECT_GT(state.failing_since, 0);
  EXPECT_NE(state.last_error.find(os_message), std::string::npos) << state.last_error;
  if (fault.gold_fails) {
    EXPECT_GT(runtime_->gold().stats().pending, 0);  // kept for the retry, not dropped
    EXPECT_EQ(runtime_->gold().stats().dropped, 0);
  }

  // The disk works again: the next cycle catches up on its own, even before
  // a new bar closes (the bars the fault kept out of raw, or that reached raw
  // but not bronze/silver, are the ones it stores and advances now).
  faults_.ClearWriteFault();
  if (fault.cycle_fails) {
    auto retried = RunCycle(index);
    ASSERT_TRUE(retried.has_value()) << retried.error().ToString();
    EXPECT_EQ(retried->advanced, 3);
    EXPECT_EQ(retried->predictions, 1);
    EXPECT_FALSE(health.Snapshot().at(fault.failing_path).failing);
  }
  ++index;
  auto recovered = RunCycle(index);
  ASSERT_TRUE(recovered.has_value()) << recovered.error().ToString();
  EXPECT_EQ(recovered->advanced, 1);
  EXPECT_EQ(recovered->predictions, 1);
  ASSERT_THAT(runtime_->gold().Flush(), IsOk());
  auto after = Predict(index);
  ASSERT_TRUE(after.has_value()) << after.error().ToString();
  EXPECT_EQ(after->prediction.data_last_ts, bars_[index].open_time);
  ASSERT_THAT(runtime_->gold().Flush(), IsOk());
  EXPECT_FALSE(health.Degraded()) << health.Snapshot().begin()->second.last_error;
  EXPECT_FALSE(health.Snapshot().at(fault.failing_path).failing);

  ExpectEachRowExactlyOnce(index);
  // On a full disk a failed write removes what it wrote (the space is what the
  // retry needs); a failing disk (EIO) refuses the removal too, and the torn
  // files it keeps are never part of a table (every table read above).
  if (fault.os_errno == ENOSPC) {
    EXPECT_EQ(OrphanDataFiles(), 0);
  } else {
    EXPECT_GT(OrphanDataFiles(), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(
    WritePaths, StorageFaultTest,
    ::testing::Values(FaultCase{"raw_disk_full", ENOSPC, "/raw/bars", "raw", true, false},
                      FaultCase{"bronze_io_error", EIO, "/bronze/bars", "pipeline", true, false},
                      FaultCase{"silver_disk_full", ENOSPC, "/silver/features", "pipeline", true, false},
                      FaultCase{"gold_disk_full", ENOSPC, "/gold/predictions", "gold_log", false, true},
                      FaultCase{"gold_io_error", EIO, "/gold/predictions", "gold_log", false, true},
                      FaultCase{"commit_step_disk_full", ENOSPC, "_delta_log", "raw", true, true},
                      FaultCase{"whole_disk_io_error", EIO, "", "raw", true, true},
                      FaultCase{"whole_disk_full", ENOSPC, "", "raw", true, true}),
    [](const ::testing::TestParamInfo<FaultCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace rc::scheduler
