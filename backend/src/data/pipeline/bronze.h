// File: data/pipeline/bronze.h
//
// The bronze rules: raw bars as providers returned them -> clean, deduplicated,
// session-tagged bars. Pure functions (no I/O), so every rule is unit-tested.
//
//   Rules, in order:
//   1. dedupe on open time: the bar of the LATEST fetch wins (ties: later input);
//   2. a bar still forming at `now` (its close time not reached) is dropped;
//   3. bars with a null open/high/low/close are dropped (a null volume becomes 0:
//      Twelve Data sends no volume for FX; counted as volume_filled);
//   4. invalid bars are dropped: non-positive or non-finite prices, high < low,
//      open or close outside [low, high], negative volume;
//   5. each bar is tagged with its session (regular / pre / post / closed) by the
//      exchange calendar;
//   6. a regular bar whose previous regular bar is not the calendar's previous
//      trading bar is flagged gap_before (a feed gap).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/bar.h"
#include "core/calendar.h"
#include "core/symbol.h"
#include "core/timeframe.h"
#include "data/providers/provider.h"

namespace rc::data::pipeline {

// One raw-layer row.
struct RawRecord {
  RawBar bar;
  std::string provider;
  TimestampUs fetched_at = 0;
  std::string batch_id;
};

struct BronzeBar {
  Bar bar;
  MarketSession session = MarketSession::kRegular;
  bool gap_before = false;
  std::string provider;
  std::string batch_id;
};

struct BronzeStats {
  int64_t input = 0;
  int64_t duplicates = 0;       // raw rows superseded by a later fetch of the same bar
  int64_t dropped_forming = 0;
  int64_t dropped_null = 0;
  int64_t dropped_invalid = 0;
  int64_t volume_filled = 0;    // null volume replaced by 0
  int64_t regular = 0, pre = 0, post = 0, closed = 0;
  int64_t gaps = 0;
};

struct BronzeResult {
  std::vector<BronzeBar> bars;  // ascending by open time
  BronzeStats stats;
};

// Latest fetch wins: orders `raw` by open time and keeps, of the rows of one
// bar, the one fetched last (stable: equal fetch times keep input order).
// Returns the number of superseded rows removed.
int64_t KeepLatestFetch(std::vector<RawRecord>& raw);
// The same over columns: the indexes of the rows kept, ordered by open time
// (open_times[i], fetched_at[i] describe row i; both the same length).
std::vector<size_t> LatestFetchOrder(std::span<const TimestampUs> open_times, std::span<const TimestampUs> fetched_at);

// A raw row kept by the bronze rules and what bronze adds to it.
struct BronzeRow {
  size_t raw_row = 0;  // the index given to ApplyBronzeRules' raw_bar
  Bar bar;
  MarketSession session = MarketSession::kRegular;
  bool gap_before = false;
};

// Rules 2-6 over `count` raw bars, one per open time, ascending (rule 1
// applied): raw_bar(i) is the i-th. Appends the rows kept to `out` and
// counts into `stats` (all but input and duplicates). BuildBronze's rules,
// for callers that keep raw rows in columns (the pipeline) instead of RawRecords.
void ApplyBronzeRules(const Symbol& symbol, Timeframe tf, size_t count, const std::function<RawBar(size_t)>& raw_bar,
                      TimestampUs now, std::optional<TimestampUs> previous_regular_open, BronzeStats& stats,
                      std::vector<BronzeRow>& out);

// Applies the rules to all raw rows of one (symbol, timeframe). For the rows
// after a partition's newest bronze bar only (the live loop's append),
// `previous_regular_open` is the open time of the partition's newest regular
// bronze bar: the gap rule (6) of the first new regular bar is decided against
// it, as a rebuild from all raw rows would.
BronzeResult BuildBronze(const Symbol& symbol, Timeframe tf, std::vector<RawRecord> raw, TimestampUs now,
                         std::optional<TimestampUs> previous_regular_open = std::nullopt);

}  // namespace rc::data::pipeline
