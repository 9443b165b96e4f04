// Indicator and feature-set throughput on 1 million 5-minute bars: the whole core_v1
// set (batch Compute and the live FeatureState) and each indicator on its own, folded
// over the series into preallocated output arrays (what TA-Lib does with its arrays).
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
#include <stdexcept>
#include <vector>

#include "core/calendar.h"
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

// Folds the series through a fresh indicator, writing every output into its array.
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

#define RC_INDICATOR_BENCH(label, expr)                                                  \
  void BM_Indicator_##label(benchmark::State& state) {                                 \
    RunIndicator(state, [] { return expr; });                                           \
  }                                                                                     \
  BENCHMARK(BM_Indicator_##label)->Name("Indicator/" #label)->Unit(benchmark::kMillisecond)

RC_INDICATOR_BENCH(sma_20, Sma(20));
RC_INDICATOR_BENCH(ema_12, Ema(12));
RC_INDICATOR_BENCH(wma_20, Wma(20));
RC_INDICATOR_BENCH(rsi_14, Rsi(14));
RC_INDICATOR_BENCH(macd_12_26_9, Macd(12, 26, 9));
RC_INDICATOR_BENCH(atr_14, Atr(14));
RC_INDICATOR_BENCH(bbands_20_2, Bollinger(20, 2.0));
RC_INDICATOR_BENCH(adx_14, Adx(14));
RC_INDICATOR_BENCH(stoch_14_3_3, Stochastic(14, 3, 3));
RC_INDICATOR_BENCH(obv, Obv());
RC_INDICATOR_BENCH(roc_10, Roc(10));
RC_INDICATOR_BENCH(rv_20, RealizedVol(20));
RC_INDICATOR_BENCH(z_20, ZScore(20));
RC_INDICATOR_BENCH(er_10, EfficiencyRatio(10));
RC_INDICATOR_BENCH(ret_1, LogReturn(1));
RC_INDICATOR_BENCH(vwap, Vwap(Nse()));
RC_INDICATOR_BENCH(tod, TimeOfDayEncoding(Nse()));
RC_INDICATOR_BENCH(dow, DayOfWeekEncoding(Nse()));

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
