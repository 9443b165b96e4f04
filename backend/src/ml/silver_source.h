// File: ml/silver_source.h
//
// Silver as the ML input: one (symbol, timeframe) partition of
// data/silver/features at a pinned table version, as a regime::ColumnTable
// (every double column, nulls as NaN) with the model feature names of the
// feature set that produced it. Training, prediction, backtests and the regime
// command all read silver through here, so they see the same rows.
//
//   RC_ASSIGN_OR_RETURN(auto slice, rc::ml::LoadSilver(settings.data_dir, symbol, tf, {}));
//   spec.feature_names = slice.model_features;
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/calendar.h"
#include "core/error.h"
#include "core/symbol.h"
#include "core/timeframe.h"
#include "regime/column_table.h"
#include "ml/volatility.h"  // RecentVolPerBar: the volatility live bands are scaled by
#include "regime/detector.h"

namespace rc::ml {

struct SilverSlice {
  regime::ColumnTable table;                // ts + every double column of silver
  int64_t silver_version = -1;              // the table version read (pin it in experiment records)
  std::string feature_set_version;          // e.g. "core_v1"
  std::vector<std::string> model_features;  // the feature set's scale-free model features
};

struct SilverQuery {
  std::optional<int64_t> version;    // default: latest
  std::optional<int64_t> from;       // only bars with open time >= from (UTC micros)
  std::optional<int64_t> until;      // only bars with open time <= until (UTC micros)
  // Only bars already CLOSED at this instant (close time by the exchange
  // calendar <= closed_by): what was known at that time, for as-of predictions
  // and training cut-offs. A bar still forming at closed_by is excluded.
  std::optional<int64_t> closed_by;
};

// Errors: kNotFound when silver or the partition has no rows (run `regimecast
// pipeline` first); kDataCorrupt when rows disagree on the feature set; lake errors.
Result<SilverSlice> LoadSilver(const std::string& data_dir, const Symbol& symbol, Timeframe tf,
                               const SilverQuery& query = {});

// "Now" in market time for freshness checks: when the newest bar is the last
// bar the calendar expects before `wall_now`, its close (a market closed for
// the night or a holiday is not a feed gap); otherwise the close of the bar
// that should have been the newest, so the gap shows as stale data.
int64_t MarketNow(const ExchangeCalendar& calendar, Timeframe tf, int64_t last_bar_open, int64_t wall_now);

// The open time of the newest regular bar the calendar expects to have closed
// by `wall_now` (searching up to four weeks back), or `fallback` when none.
// Constant from one bar close to the next, so callers may cache it until
// calendar.NextBarClose(wall_now, tf).
int64_t ExpectedNewestBar(const ExchangeCalendar& calendar, Timeframe tf, int64_t wall_now, int64_t fallback);

// Every symbol with a silver partition at timeframe `tf`, sorted (the series a
// pooled model trains across). Errors: kNotFound when silver does not exist; lake errors.
Result<std::vector<Symbol>> ListSilverSymbols(const std::string& data_dir, Timeframe tf);

// The regime of every bar of `slice` (the streaming detector folded over the
// history) and the current one: the newest state, or unknown ("stale") when
// the data is overdue in market time at `wall_now` (see MarketNow).
struct SilverRegime {
  std::vector<regime::RegimeState> history;  // one per silver row
  regime::RegimeState current;
  int64_t market_now = 0;
};
Result<SilverRegime> DetectSilverRegime(const SilverSlice& slice, const Symbol& symbol, Timeframe tf,
                                        int64_t wall_now);


}  // namespace rc::ml
