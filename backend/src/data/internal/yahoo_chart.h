// File: data/internal/yahoo_chart.h
// Pure pieces of the Yahoo chart v8 client (docs/formats.md §3): interval mapping,
// history limits, range splitting, URL building, response parsing and the
// 15m -> 30m resampling. No I/O; unit-tested on fixture bodies.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/calendar.h"
#include "core/error.h"
#include "core/symbol.h"
#include "core/timeframe.h"
#include "data/providers/provider.h"

namespace rc::data::internal {

// Yahoo's interval for our timeframe: 1m 5m 15m, 30m -> "15m" (Yahoo's 30m is
// buggy; we resample, as yfinance does), 1h -> "60m", 1d -> "1d".
std::string_view YahooInterval(Timeframe tf);

// History limits of docs/formats.md §3.3 as of `now`: 1m within 30 days and <= 7 days per
// request; 5m/15m/30m within 60 days; 1h within 730 days; 1d unbounded. The
// earliest time keeps a one-hour safety margin inside Yahoo's limit.
Coverage YahooCoverage(Timeframe tf, TimestampUs now);

struct TimeSlice {
  TimestampUs from = 0;
  TimestampUs to = 0;
  bool operator==(const TimeSlice&) const = default;
};
// Consecutive slices covering [from, to), each at most `max_span` long
// (0 = one slice).
std::vector<TimeSlice> SplitRange(TimestampUs from, TimestampUs to, int64_t max_span);

// "<base>/v8/finance/chart/<urlencoded symbol>?period1=..&period2=..&interval=..
//  &includePrePost=false&events=div%2Csplits". period1 = floor(from s),
// period2 = ceil(to s).
std::string BuildYahooChartUrl(std::string_view base_url, const Symbol& symbol, std::string_view interval,
                               TimestampUs from, TimestampUs to);

// The parsed chart result: parallel arrays exactly as Yahoo sent them.
struct YahooChart {
  std::vector<int64_t> timestamps;  // epoch seconds
  std::vector<std::optional<double>> open, high, low, close, volume;
  std::string exchange_timezone;    // meta.exchangeTimezoneName, may be empty
  std::string granularity;          // meta.dataGranularity, may be empty
};

// Checks HTTP status and body, `chart.error` before `result`. Errors (messages
// start with "yahoo: "): kRateLimited (HTTP 429 or "Too Many Requests"),
// kUnavailable ("Will be right back" page, 5xx without a chart error),
// kNotFound (chart.error "Not Found"), kInvalidArgument (chart.error
// "Bad Request"/"Unprocessable Entity", e.g. range limits), kProviderError
// (non-JSON or truncated body, unexpected shape, arrays of different lengths,
// non-numeric values). No data ([{}] quote, no timestamp) is an empty chart.
Result<YahooChart> ParseYahooChart(int http_status, std::string_view body);

// RawBars from a chart: rows with timestamp >= period2_s are dropped (Yahoo
// appends the live price after period2); null values are kept; for daily
// bars the timestamp becomes the exchange's session date (zone from
// meta.exchangeTimezoneName, else the symbol's calendar) and the open time
// that day's DailyBarOpen. Output sorted and deduplicated (last wins).
std::vector<RawBar> YahooChartToBars(const YahooChart& chart, const Symbol& symbol, Timeframe tf,
                                     int64_t period2_s);

// Aggregates bars into `target` bars aligned to the regular-session open of
// each local day of `calendar` (24x7: midnight UTC): first open, max high,
// min low, last close, summed volume, ignoring nulls; a bucket whose rows are
// all null stays an all-null bar.
std::vector<RawBar> ResampleBars(const std::vector<RawBar>& bars, Timeframe target, const ExchangeCalendar& calendar);

}  // namespace rc::data::internal
