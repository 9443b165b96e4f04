// File: regime/regime_input.h
//
// The per-bar input of the regime detector: a handful of named silver feature
// values. Built from a ColumnTable (history) or from a name -> value map (one live
// bar); both produce the same struct, so history and live use one code path.
//
//   RC_ASSIGN_OR_RETURN(auto inputs, rc::regime::RegimeInputsFromColumns(table));
//   auto states = rc::regime::DetectRegimes(inputs, {});
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/numeric.h"
#include "regime/column_table.h"

namespace rc::regime {

struct RegimeInput {
  int64_t ts = 0;                 // bar open time, UTC micros
  double adx = 0;                 // ADX (0..100); trend strength
  double plus_di = 0;             // +DI (0..100)
  double minus_di = 0;            // -DI (0..100)
  double efficiency_ratio = 0;    // Kaufman ER (0..1): |net move| / path length
  double trend_return = 0;        // log return over the trend lookback (sign = direction)
  double dist_sma = 0;            // close / SMA - 1 (sign = side of the average)
  double realized_vol = 0;        // realized volatility of 1-bar log returns over a window
  // The bar itself, for the hidden-Markov detector (1-bar return, relative volume).
  // NaN = absent: no close means no HMM state (unknown), no volume means no volume evidence.
  double close = kNaN;
  double volume = kNaN;
  bool gap_before = false;        // the feed flagged a gap right before this bar
};

// Which silver columns feed the detector. Defaults are the silver feature names.
struct RegimeColumnNames {
  std::string adx = "adx_14";
  std::string plus_di = "plus_di_14";
  std::string minus_di = "minus_di_14";
  std::string efficiency_ratio = "er_10";
  std::string trend_return = "ret_12";
  std::string dist_sma = "dist_sma_20";
  std::string realized_vol = "rv_20";
  std::string close = "close";    // optional column: absent -> NaN
  std::string volume = "volume";  // optional column: absent -> NaN
};

// One input per row of `table`, in row order. Errors: kInvalidArgument naming a
// missing column (close and volume are optional), or from ColumnTable::Validate (ragged columns, ts out of order).
Result<std::vector<RegimeInput>> RegimeInputsFromColumns(const ColumnTable& table,
                                                         const RegimeColumnNames& names = {});

// One input from a name -> value map (the live path). A missing name gives NaN,
// which the detector treats as not enough data (unknown).
RegimeInput RegimeInputFromValues(int64_t ts, const std::map<std::string, double>& values, bool gap_before = false,
                                  const RegimeColumnNames& names = {});

}  // namespace rc::regime
