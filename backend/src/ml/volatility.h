// File: ml/volatility.h
//
// The one definition of "current volatility" the bands scale by: the sample
// standard deviation of the last `window` finite one-bar log returns of the
// closes up to a bar. Training (per row, causal), the backtest and the live
// service (the newest bar) all call these, so the volatility a calibration was
// made with is the one a prediction is scaled by.
//
//   double now = rc::ml::RecentVolPerBar(close);                  // newest bar
//   std::vector<double> per_row = rc::ml::TrailingVolPerBar(close); // every bar, causal
#pragma once

#include <cstddef>
#include <vector>

namespace rc::ml {

inline constexpr size_t kDefaultVolWindow = 20;

// Volatility at the bar `end - 1` (closes [0, end) only). NaN-tolerant; 0 when
// fewer than 2 returns.
double RecentVolPerBarAt(const std::vector<double>& close, size_t end, size_t window = kDefaultVolWindow);

// Volatility of the last `window` one-bar log returns of `close` (the newest bar).
double RecentVolPerBar(const std::vector<double>& close, size_t window = kDefaultVolWindow);

// RecentVolPerBarAt for every bar: element i uses closes [0, i] only.
std::vector<double> TrailingVolPerBar(const std::vector<double>& close, size_t window = kDefaultVolWindow);

}  // namespace rc::ml
