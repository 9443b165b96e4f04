// File: data/providers/demo_sample.h
//
// The real market data shipped for the offline demo: backend/data/sample/
// (its README names the source), compiled into the binary.
//
//   const rc::data::DemoSample& sample = rc::data::ShippedSample();
//   // sample.csv is the file's text, NSE layout; sample.symbol/timeframe name its series
#pragma once

#include <string>
#include <string_view>

#include "core/symbol.h"
#include "core/timeframe.h"

namespace rc::data {

struct DemoSample {
  std::string file_name;  // "TCS.csv"
  Symbol symbol;          // TCS.NS
  Timeframe timeframe;    // 5m
  std::string_view csv;   // the file, unchanged
};

// The shipped sample. Aborts at start-up if the build embedded none (a build error, not input).
const DemoSample& ShippedSample();

}  // namespace rc::data
