// Parquet write/read throughput on a bars-like schema (symbol string, ts
// timestamp, open/high/low/close/volume double), 10 million rows, snappy and
// zstd. Rows/s (wall clock) is reported as the "rows" counter and the CPU
// column is the whole process's CPU time (every decoding thread), which
// scripts/bench_parquet_pyarrow.py also prints for pyarrow on the same data
// shape: on a shared machine CPU time per read is steadier than wall time.
//
//   cmake --preset bench && cmake --build build/bench --target rc_parquet_bench
//   build/bench/bin/rc_parquet_bench --benchmark_min_time=0.01 --benchmark_repetitions=3
// (pyarrow's script reports the best of 3; take the best repetition here too).
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <string>

#include "lake/column_batch.h"
#include "lake/parquet/parquet.h"

namespace {

using rc::lake::ColumnBatch;
using rc::lake::ColumnType;
using rc::lake::Schema;
namespace pq = rc::lake::parquet;

constexpr size_t kRows = 10'000'000;

// 20 symbols x 500k one-minute bars each, random-walk prices (same recipe as
// the pyarrow script: symbol-major order, as a bronze partition would hold).
const ColumnBatch& Bars() {
  static const ColumnBatch batch = [] {
    Schema schema{{{"symbol", ColumnType::kString, false},
                   {"ts", ColumnType::kTimestampMicros, false},
                   {"open", ColumnType::kDouble, false},
                   {"high", ColumnType::kDouble, false},
                   {"low", ColumnType::kDouble, false},
                   {"close", ColumnType::kDouble, false},
                   {"volume", ColumnType::kDouble, false}}};
    ColumnBatch out(schema);
    std::mt19937_64 rng(42);
    std::normal_distribution<double> step(0.0, 0.002);
    std::uniform_real_distribution<double> spread(0.0, 0.003);
    constexpr size_t kSymbols = 20;
    constexpr size_t kPerSymbol = kRows / kSymbols;
    for (size_t col = 0; col < 7; ++col) {
      std::visit([](auto& vec) { vec.reserve(kRows); }, out.column(col).values);
    }
    for (size_t sym = 0; sym < kSymbols; ++sym) {
      const std::string name = "SYM" + std::to_string(sym) + ".NS";
      double price = 100.0 + static_cast<double>(sym);
      for (size_t bar = 0; bar < kPerSymbol; ++bar) {
        const double open = price;
        price *= std::exp(step(rng));
        out.Strings(0).push_back(name);
        out.Int64s(1).push_back(1'600'000'000'000'000 + static_cast<int64_t>(bar) * 60'000'000);
        out.Doubles(2).push_back(open);
        out.Doubles(3).push_back(std::max(open, price) * (1 + spread(rng)));
        out.Doubles(4).push_back(std::min(open, price) * (1 - spread(rng)));
        out.Doubles(5).push_back(price);
        out.Doubles(6).push_back(std::floor(1000 + 1e5 * spread(rng)));
      }
    }
    return out;
  }();
  return batch;
}

pq::WriteOptions Options(pq::Codec codec) {
  pq::WriteOptions options;
  options.codec = codec;
  return options;
}

void BM_Write(benchmark::State& state, pq::Codec codec) {
  const ColumnBatch& batch = Bars();
  size_t bytes = 0;
  for (auto _ : state) {
    auto encoded = pq::Encode(batch, Options(codec));
    if (!encoded) {
      state.SkipWithError(encoded.error().ToString().c_str());
      return;
    }
    bytes = encoded->size();
    benchmark::DoNotOptimize(encoded->data());
  }
  state.counters["rows"] = benchmark::Counter(static_cast<double>(kRows), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["file_MB"] = static_cast<double>(bytes) / 1e6;
}

void BM_Read(benchmark::State& state, pq::Codec codec) {
  auto encoded = pq::Encode(Bars(), Options(codec));
  if (!encoded) {
    state.SkipWithError(encoded.error().ToString().c_str());
    return;
  }
  for (auto _ : state) {
    // The copy handed to OpenBuffer is not part of the read (pyarrow reads
    // its in-memory buffer without copying it).
    state.PauseTiming();
    std::string bytes = *encoded;
    state.ResumeTiming();
    auto reader = pq::Reader::OpenBuffer(std::move(bytes));
    {
      auto batch = reader ? reader->Read() : rc::Result<ColumnBatch>(tl::unexpected(reader.error()));
      if (!batch) {
        state.SkipWithError(batch.error().ToString().c_str());
        return;
      }
      benchmark::DoNotOptimize(batch->num_rows());
    }  // freeing the result is timed, as pyarrow's script frees its table inside its timing
    // Freeing the input is not (pyarrow's input buffer outlives its reads).
    state.PauseTiming();
    { pq::Reader dropped = std::move(*reader); }
    state.ResumeTiming();
  }
  state.counters["rows"] = benchmark::Counter(static_cast<double>(kRows), benchmark::Counter::kIsIterationInvariantRate);
}

BENCHMARK_CAPTURE(BM_Write, snappy, pq::Codec::kSnappy)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();
BENCHMARK_CAPTURE(BM_Write, zstd, pq::Codec::kZstd)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();
BENCHMARK_CAPTURE(BM_Read, snappy, pq::Codec::kSnappy)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();
BENCHMARK_CAPTURE(BM_Read, zstd, pq::Codec::kZstd)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
