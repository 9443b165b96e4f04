// Indicator and feature-set throughput on 1 million 5-minute bars: the whole core_v1
// set (batch Compute and the live FeatureState) and each indicator on its own, folded
// over the series into preallocated output arrays (what TA-Lib does with its arrays):
// Indicator/<name> is the batch path (the object over input columns, features/columns.h,
// where it has a column form), Streaming/<name> the same object fed one Bar at a time.
// scripts/bench_features_talib.py runs this program on the SAME arrays it gives TA-Lib
// (RC_FEATURES_BENCH_INPUT) and writes the comparison into docs/benchmarks.md.
//
//   cmake --preset bench -B build/bench && cmake --build build/bench --target rc_features_bench
//   build/bench/bin/rc_features_bench --benchmark_filter=Indicator
//
// RC_FEATURES_BENCH_INPUT, when set, names a file of 6 little-endian arrays of N values
// each: open_time (int64 UTC micros), open, high, low, close, volume (float64), after an
// int64 N. Without it, a seeded NSE-session random walk of 1M bars is generated.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <span>
#include <stdexcept>
#include <vector>

#include "core/calendar.h"
#include "features/columns.h"
#include "features/feature_set.h"
#include "features/indicators.h"

namespace {

using namespace rc::features;  // NOLINT: a benchmark translation unit, not a header

constexpr size_t kBars = 1'000'000;

rc::BarSeries Generate() {
  rc::BarSeries bars;
  bars.reserve(kBars);
  std::mt19937_64 rng(42);
  std::normal_distribution<double> step(0.0, 0.002);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  // NSE regular session in UTC: 03:45-10:00, 75 five-minute bars, Monday-Friday.
  const int64_t day0 = 19723;  // 2024-01-01, a Monday
  double price = 1500;
  for (int64_t day = day0; bars.size() < kBars; ++day) {
    const int64_t weekday = (day + 3) % 7;  // Monday = 0
    if (weekday >= 5) continue;
    for (int bar = 0; bar < 75 && bars.size() < kBars; ++bar) {
      const int64_t t = day * rc::kMicrosPerDay + (3 * 60 + 45 + 5 * bar) * rc::kMicrosPerMinute;
      const double open = price;
      price *= std::exp(step(rng));
      const double high = std::max(open, price) * (1 + 0.002 * unit(rng));
      const double low = std::min(open, price) * (1 - 0.002 * unit(rng));
      bars.push_back({t, open, high, low, price, std::floor(1000 + 9000 * unit(rng))});
    }
  }
  return bars;
}

rc::BarSeries Load(const char* path) {
  std::ifstream in(path, std::ios::binary);
  int64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), sizeof n);
  if (!in || n <= 0) throw std::runtime_error("bad RC_FEATURES_BENCH_INPUT header");
  const size_t count = static_cast<size_t>(n);
  std::vector<int64_t> ts(count);
  std::vector<double> cols[5];
  in.read(reinterpret_cast<char*>(ts.data()), static_cast<std::streamsize>(count * sizeof(int64_t)));
  for (auto& col : cols) {
    col.resize(count);
    in.read(reinterpret_cast<char*>(col.data()), static_cast<std::streamsize>(count * sizeof(double)));
  }
  if (!in) throw std::runtime_error("RC_FEATURES_BENCH_INPUT is truncated");
  rc::BarSeries bars(count);
  for (size_t i = 0; i < count; ++i) bars[i] = {ts[i], cols[0][i], cols[1][i], cols[2][i], cols[3][i], cols[4][i]};
  return bars;
}

const rc::BarSeries& Bars() {
  static const rc::BarSeries bars = [] {
    const char* input = std::getenv("RC_FEATURES_BENCH_INPUT");
    return input != nullptr && *input != '\0' ? Load(input) : Generate();
  }();
  return bars;
}

const rc::ExchangeCalendar& Nse() { return **rc::ExchangeCalendar::ByName("NSE"); }

const rc::features::BarColumns& Columns() {
  static const rc::features::BarColumns columns = rc::features::BarColumns::From(Bars());
  return columns;
}

// Folds the bar series (48-byte structs, one at a time, as a live stream sees them)
// through a fresh indicator, writing every output into its array.
template <typename Make>
void RunIndicator(benchmark::State& state, Make make) {
  const rc::BarSeries& bars = Bars();
  auto probe = make();
  const size_t outputs = probe.NumOutputs();
  std::vector<std::vector<double>> out(outputs, std::vector<double>(bars.size()));
  for (auto _ : state) {
    auto indicator = make();
    for (size_t i = 0; i < bars.size(); ++i) {
      indicator.Update(bars[i]);
      for (size_t o = 0; o < outputs; ++o) out[o][i] = indicator.Output(o);
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * bars.size()));
}

// The batch path over columns (features/columns.h): what TA-Lib is given, arrays in and
// arrays out. `fold` runs one fresh fold into `out` (one array per output).
template <typename Fold>
void RunColumns(benchmark::State& state, size_t outputs, Fold fold) {
  const size_t count = Columns().size();
  std::vector<std::vector<double>> out(outputs, std::vector<double>(count));
  std::vector<std::span<double>> spans(out.begin(), out.end());
  for (auto _ : state) {
    fold(Columns(), std::span<const std::span<double>>(spans));
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * count));
}

// "Streaming/<label>": the bar fold. "Indicator/<label>": the batch path compared with
// TA-Lib by scripts/bench_features_talib.py — the column fold where the indicator has
// a column form (RC_COLUMN_BENCH), the bar fold otherwise (RC_BAR_BENCH).
#define RC_STREAMING_BENCH(label, expr)                                                  \
  void BM_Streaming_##label(benchmark::State& state) {                                 \
    RunIndicator(state, [] { return expr; });                                           \
  }                                                                                     \
  BENCHMARK(BM_Streaming_##label)->Name("Streaming/" #label)->Unit(benchmark::kMillisecond)

#define RC_BAR_BENCH(label, expr)                                                        \
  RC_STREAMING_BENCH(label, expr);                                                      \
  void BM_Indicator_##label(benchmark::State& state) {                                 \
    RunIndicator(state, [] { return expr; });                                           \
  }                                                                                     \
  BENCHMARK(BM_Indicator_##label)->Name("Indicator/" #label)->Unit(benchmark::kMillisecond)

// Close-only indicators: one input column.
#define RC_COLUMN_BENCH(label, expr)                                                     \
  RC_STREAMING_BENCH(label, expr);                                                      \
  void BM_Indicator_##label(benchmark::State& state) {                                 \
    RunColumns(state, (expr).NumOutputs(), [](const BarColumns& cols, auto outs) {      \
      if (outs.size() == 1) {                                                           \
        FoldColumn(expr, cols.close, outs[0]);                                          \
      } else {                                                                          \
        FoldColumnOutputs(expr, cols.close, outs);                                      \
      }                                                                                 \
    });                                                                                 \
  }                                                                                     \
  BENCHMARK(BM_Indicator_##label)->Name("Indicator/" #label)->Unit(benchmark::kMillisecond)

RC_COLUMN_BENCH(sma_20, Sma(20));
RC_COLUMN_BENCH(ema_12, Ema(12));
RC_COLUMN_BENCH(wma_20, Wma(20));
RC_COLUMN_BENCH(rsi_14, Rsi(14));
RC_COLUMN_BENCH(macd_12_26_9, Macd(12, 26, 9));
RC_STREAMING_BENCH(atr_14, Atr(14));
void BM_Indicator_atr_14(benchmark::State& state) {
  RunColumns(state, 1, [](const BarColumns& cols, auto outs) {
    FoldHlcColumns(Atr(14), cols.high, cols.low, cols.close, outs[0]);
  });
}
BENCHMARK(BM_Indicator_atr_14)->Name("Indicator/atr_14")->Unit(benchmark::kMillisecond);
RC_COLUMN_BENCH(bbands_20_2, Bollinger(20, 2.0));
RC_BAR_BENCH(adx_14, Adx(14));
RC_BAR_BENCH(stoch_14_3_3, Stochastic(14, 3, 3));
RC_BAR_BENCH(obv, Obv());
RC_COLUMN_BENCH(roc_10, Roc(10));
RC_COLUMN_BENCH(rv_20, RealizedVol(20));
RC_COLUMN_BENCH(z_20, ZScore(20));
RC_COLUMN_BENCH(er_10, EfficiencyRatio(10));
RC_COLUMN_BENCH(ret_1, LogReturn(1));
RC_BAR_BENCH(vwap, Vwap(Nse()));
RC_BAR_BENCH(tod, TimeOfDayEncoding(Nse()));
RC_BAR_BENCH(dow, DayOfWeekEncoding(Nse()));

// The whole feature set, batch (column-major table) and live (one bar at a time).
void BM_FeatureSet_Compute(benchmark::State& state) {
  const FeatureSet& set = FeatureSet::Default();
  for (auto _ : state) {
    FeatureTable table = set.Compute(Bars(), Nse());
    benchmark::DoNotOptimize(table.columns.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * Bars().size()));
}
BENCHMARK(BM_FeatureSet_Compute)->Name("FeatureSet/core_v1/compute")->Unit(benchmark::kMillisecond);

void BM_FeatureSet_Streaming(benchmark::State& state) {
  const FeatureSet& set = FeatureSet::Default();
  for (auto _ : state) {
    auto live = set.NewState(Nse());
    double checksum = 0;
    for (const rc::Bar& bar : Bars()) {
      live->Update(bar);
      checksum += live->Row()[0];
    }
    benchmark::DoNotOptimize(checksum);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * Bars().size()));
}
BENCHMARK(BM_FeatureSet_Streaming)->Name("FeatureSet/core_v1/streaming")->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
