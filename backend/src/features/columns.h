// File: features/columns.h — the batch path over columns (structure of arrays).
//
// TA-Lib's functions read one 8-byte column per input; folding an indicator over Bar
// structs streams all 48 bytes of every bar through the cache, which is most of the
// cost of a 1-2 ns/bar moving average (docs/benchmarks.md "## Features"). These folds
// take the inputs as plain columns instead. They are NOT separate kernels: they run the
// streaming object's own Update/Output on a local copy (so its state can live in
// registers), so every value is the streaming path's value at the same bar, bit for bit
// (backend/tests/features/columns_test.cc checks it on real NSE bars and edge cases).
//
//   rc::features::BarColumns columns = rc::features::BarColumns::From(bars);   // once
//   std::vector<double> rsi(columns.size());
//   rc::features::FoldColumn(rc::features::Rsi(14), columns.close, rsi);
//
// Input columns must have equal lengths and `out` at least as many values; folds start
// from the indicator's current state, as Fold does (features/indicator.h).
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/bar.h"

namespace rc::features {

// A bar series split into one array per field.
struct BarColumns {
  std::vector<int64_t> open_time;
  std::vector<double> open, high, low, close, volume;

  static BarColumns From(std::span<const Bar> bars) {
    BarColumns columns;
    const size_t count = bars.size();
    columns.open_time.resize(count);
    for (std::vector<double>* column : {&columns.open, &columns.high, &columns.low, &columns.close, &columns.volume}) {
      column->resize(count);
    }
    for (size_t idx = 0; idx < count; ++idx) {
      const Bar& bar = bars[idx];
      columns.open_time[idx] = bar.open_time;
      columns.open[idx] = bar.open;
      columns.high[idx] = bar.high;
      columns.low[idx] = bar.low;
      columns.close[idx] = bar.close;
      columns.volume[idx] = bar.volume;
    }
    return columns;
  }
  size_t size() const { return close.size(); }
};

// Scalar indicators (Update(double): SMA, EMA, WMA, RSI, ROC, ...) over one input
// column: out[i] = Value() after input[i]. `indicator` is taken by value on purpose.
template <typename Ind>
void FoldColumn(Ind indicator, std::span<const double> input, std::span<double> out) {
  assert(out.size() >= input.size());
  const size_t count = input.size();
  const double* in = input.data();
  double* dst = out.data();
  for (size_t idx = 0; idx < count; ++idx) {
    indicator.Update(in[idx]);
    dst[idx] = indicator.Value();
  }
}

// As FoldColumn, every output: outs[o][i] = Output(o) after input[i].
// REQUIRES: outs.size() == indicator.NumOutputs().
template <typename Ind>
void FoldColumnOutputs(Ind indicator, std::span<const double> input, std::span<const std::span<double>> outs) {
  assert(outs.size() == indicator.NumOutputs());
  // NumOutputs() of a final class is a constant once inlined: the inner loop unrolls and
  // each Output(i) resolves to its member (a runtime bound kept Bollinger's switch).
  const size_t outputs = indicator.NumOutputs();
  const size_t count = input.size();
  for (size_t idx = 0; idx < count; ++idx) {
    indicator.Update(input[idx]);
    for (size_t out_idx = 0; out_idx < outputs; ++out_idx) outs[out_idx][idx] = indicator.Output(out_idx);
  }
}

// High/low/close indicators with Update(high, low, close) (ATR) over three columns.
template <typename Ind>
void FoldHlcColumns(Ind indicator, std::span<const double> high, std::span<const double> low,
                    std::span<const double> close, std::span<double> out) {
  assert(high.size() == close.size() && low.size() == close.size() && out.size() >= close.size());
  const size_t count = close.size();
  const double* h = high.data();
  const double* l = low.data();
  const double* c = close.data();
  double* dst = out.data();
  for (size_t idx = 0; idx < count; ++idx) {
    indicator.Update(h[idx], l[idx], c[idx]);
    dst[idx] = indicator.Value();
  }
}

}  // namespace rc::features
