// File: data/providers/provider.h
//
// The one interface every market-data source implements (Yahoo, Twelve Data,
// CSV import, the simulator) and the raw-bar types it returns. Raw means "as
// the provider returned it": null fields are kept (bronze drops them later),
// and the still-forming last bar is flagged rather than removed.
//
//   rc::data::FetchRequest req{symbol, rc::Timeframe::k5m, from, to};
//   RC_ASSIGN_OR_RETURN(rc::data::FetchResult res, provider.Fetch(req));
//   for (const rc::data::RawBar& b : res.bars) ...   // ascending, unique open_time
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/symbol.h"
#include "core/time.h"
#include "core/timeframe.h"

namespace rc::data {

// One bar as the provider returned it. `open_time` is the bar OPEN in UTC
// microseconds; any of the values may be missing (the provider sent null).
struct RawBar {
  int64_t open_time = 0;
  std::optional<double> open, high, low, close, volume;

  // True when open, high, low and close are all missing (a "null row").
  bool AllPricesNull() const { return !open && !high && !low && !close; }
  bool operator==(const RawBar&) const = default;
};

// Half-open range [from, to) of bar OPEN times, UTC microseconds.
struct FetchRequest {
  Symbol symbol;
  Timeframe timeframe;
  TimestampUs from = 0;
  TimestampUs to = 0;
};

struct FetchResult {
  std::string provider;          // name() of the provider that served the bars
  std::vector<RawBar> bars;      // ascending, unique by open_time, all within [from, to)
  bool last_bar_forming = false; // the last bar's close time had not been reached at fetched_at
  TimestampUs fetched_at = 0;    // wall clock when the response was received
  std::string note;              // non-empty when the range was clamped (e.g. Yahoo's 60-day intraday limit)
};

// What a provider can serve for one timeframe, evaluated at `now`.
struct Coverage {
  TimestampUs earliest = 0;      // oldest bar open it can return (0 = unbounded history)
  int64_t max_span_micros = 0;   // widest [from, to) one upstream request may cover (0 = unlimited);
                                 // Fetch splits wider ranges itself
};

// Thread-safety: implementations are safe to call from several threads unless
// their header says otherwise.
class Provider {
 public:
  virtual ~Provider() = default;

  // Stable lower-case name: "yahoo", "twelvedata", "csv", "sim".
  virtual std::string_view name() const = 0;

  // Returns the bars with open time in [from, to). An empty range with no
  // data is success with no bars, not an error.
  // Errors: kInvalidArgument (bad range, or wholly outside Coverage),
  // kUnsupported (symbol/timeframe the provider cannot map), kNotFound
  // (unknown symbol), kRateLimited, kUnauthorized/kForbidden, kTimeout,
  // kUnavailable (provider down), kProviderError (malformed response).
  // Messages name the provider and never contain secrets.
  virtual Result<FetchResult> Fetch(const FetchRequest& request) = 0;

  // The ranges this provider can serve for `timeframe` as of `now`.
  virtual Coverage CoverageFor(Timeframe timeframe, TimestampUs now) const = 0;
};

// Sorts `bars` by open_time and merges duplicates (the LAST occurrence in the
// input order wins, as providers append corrections after the original).
void SortAndDedupe(std::vector<RawBar>& bars);

// Removes bars whose open time is outside [from, to).
void ClipToRange(std::vector<RawBar>& bars, TimestampUs from, TimestampUs to);

// Close time of a bar of `tf` opening at `open_time` for `symbol`'s exchange:
// the calendar's bar close for regular intraday bars, open + duration otherwise;
// for daily bars the regular session close of that day (or open + 1 day).
TimestampUs BarCloseTime(const Symbol& symbol, Timeframe tf, TimestampUs open_time);

// Open time of the daily bar of local date `local_day` (days since epoch in
// the exchange's zone) for `symbol`: the regular-session open on a trading day
// of its calendar, else local midnight (a day our holiday list does not know).
TimestampUs DailyBarOpen(const Symbol& symbol, int64_t local_day);

// The result of a fetch by `provider` that received `bars` (ascending, unique,
// already clipped to the request's range) at `fetched_at`: the last bar is
// flagged forming when its close time (BarCloseTime) had not been reached then.
// One place for that rule, which every provider but replay applies as is.
FetchResult MakeFetchResult(std::string provider, std::vector<RawBar> bars, const FetchRequest& request,
                            TimestampUs fetched_at);

// Checks the request: from < to. Errors: kInvalidArgument naming "from".
Status ValidateRequest(const FetchRequest& request);

}  // namespace rc::data
