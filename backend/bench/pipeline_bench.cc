// Pipeline throughput (issue 4): raw -> bronze -> silver on 1 million 5-minute
// bars, in memory (the rules and the feature set) and through the lake (Delta
// tables of Parquet files in a temporary DATA_DIR). Reports bars per second.
#include <benchmark/benchmark.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <spdlog/spdlog.h>

#include "data/pipeline/bronze.h"
#include "data/pipeline/pipeline.h"
#include "data/pipeline/silver.h"
#include "lake/delta/table.h"

namespace {

using rc::data::pipeline::BronzeBar;
using rc::data::pipeline::RawRecord;

constexpr size_t kBars = 1'000'000;

// One log line per partition would drown the results (500 partitions).
const bool kQuietLogs = [] {
  spdlog::set_level(spdlog::level::warn);
  return true;
}();

const rc::Symbol& Tcs() {
  static const rc::Symbol s = *rc::Symbol::Parse("TCS.NS");
  return s;
}

// 1M regular-session 5m bars of a random walk (about 53 years of NSE sessions).
const std::vector<RawRecord>& RawBars() {
  static const std::vector<RawRecord> bars = [] {
    const auto& nse = rc::ExchangeCalendar::ForSymbol(Tcs());
    std::mt19937_64 rng(42);
    std::normal_distribution<double> shock(0.0, 0.002);
    std::vector<RawRecord> out;
    out.reserve(kBars);
    double price = 100;
    rc::TimestampUs window = *rc::ParseIsoUtc("1971-01-01T00:00:00Z");
    while (out.size() < kBars) {
      for (rc::TimestampUs open : nse.TradingBars(window, window + 90 * rc::kMicrosPerDay, rc::Timeframe::k5m)) {
        if (out.size() >= kBars) break;
        const double close = price * std::exp(shock(rng));
        RawRecord r;
        r.bar = rc::data::RawBar{open, price, std::max(price, close) * 1.001, std::min(price, close) * 0.999, close,
                                 1000.0};
        r.provider = "sim";
        r.fetched_at = 1;
        r.batch_id = "bench";
        out.push_back(std::move(r));
        price = close;
      }
      window += 90 * rc::kMicrosPerDay;
    }
    return out;
  }();
  return bars;
}

void BM_RawToBronzeInMemory(benchmark::State& state) {
  const auto& raw = RawBars();
  const rc::TimestampUs now = *rc::ParseIsoUtc("2100-01-01T00:00:00Z");
  for (auto _ : state) {
    auto bronze = rc::data::pipeline::BuildBronze(Tcs(), rc::Timeframe::k5m, raw, now);
    benchmark::DoNotOptimize(bronze.bars.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * raw.size()));
}
BENCHMARK(BM_RawToBronzeInMemory)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_BronzeToSilverInMemory(benchmark::State& state) {
  const auto bronze =
      rc::data::pipeline::BuildBronze(Tcs(), rc::Timeframe::k5m, RawBars(), *rc::ParseIsoUtc("2100-01-01T00:00:00Z"));
  for (auto _ : state) {
    auto silver = rc::data::pipeline::BuildSilver(Tcs(), rc::Timeframe::k5m, bronze.bars,
                                                  rc::features::FeatureSet::Default(), {180});
    benchmark::DoNotOptimize(silver->bars.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * bronze.bars.size()));
}
BENCHMARK(BM_BronzeToSilverInMemory)->Unit(benchmark::kMillisecond)->Iterations(3);

// Commits `bars` as raw for each of `symbols` (untimed), then times one
// `pipeline` run over them (read raw, bronze rules, write bronze, features +
// targets, write silver) in a fresh temporary DATA_DIR per iteration.
// Workers: the benchmark's argument (0 = the default, one per core).
void TimePipelineOver(benchmark::State& state, const std::vector<rc::Symbol>& symbols,
                      const rc::data::FetchResult& fetched) {
  for (auto _ : state) {
    state.PauseTiming();
    const auto dir = std::filesystem::temp_directory_path() / ("rc-pipeline-bench-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    for (const rc::Symbol& symbol : symbols) {
      auto commit = rc::data::pipeline::CommitRaw(dir.string(), symbol, rc::Timeframe::k5m, fetched);
      if (!commit) state.SkipWithError(commit.error().ToString().c_str());
    }
    rc::lake::delta::Table::ClearSnapshotCache();  // `pipeline` runs in a fresh process
    state.ResumeTiming();
    rc::data::pipeline::PipelineOptions options;
    options.data_dir = dir.string();
    options.now = *rc::ParseIsoUtc("2100-01-01T00:00:00Z");
    options.workers = static_cast<int>(state.range(0));
    auto reports = rc::data::pipeline::RunPipeline(options);
    if (!reports) state.SkipWithError(reports.error().ToString().c_str());
    state.PauseTiming();
    std::filesystem::remove_all(dir);
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * symbols.size() * fetched.bars.size()));
}

rc::data::FetchResult Fetched(size_t bars) {
  rc::data::FetchResult fetched;
  fetched.provider = "sim";
  fetched.fetched_at = 1;
  for (size_t i = 0; i < bars; ++i) fetched.bars.push_back(RawBars()[i].bar);
  return fetched;
}

// 1M bars of one symbol.
void BM_RawToSilverThroughTheLake(benchmark::State& state) { TimePipelineOver(state, {Tcs()}, Fetched(kBars)); }

// The many-partitions case (issue 11): 500 symbols x 2,000 bars, where
// per-partition and per-file overheads dominate.
void BM_ManySymbolsThroughTheLake(benchmark::State& state) {
  std::vector<rc::Symbol> symbols;
  for (size_t s = 0; s < 500; ++s) symbols.push_back(*rc::Symbol::Parse("S" + std::to_string(s) + ".NS"));
  TimePipelineOver(state, symbols, Fetched(2'000));
}

// Wall time, and the CPU time of every thread (partitions are built on several
// workers); the argument is the worker count (1 = one core).
BENCHMARK(BM_RawToSilverThroughTheLake)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime()->MeasureProcessCPUTime();
BENCHMARK(BM_ManySymbolsThroughTheLake)->Arg(1)->Arg(2)->Arg(4)->Arg(8)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime()->MeasureProcessCPUTime();

}  // namespace

BENCHMARK_MAIN();
