// File: data/internal/twelvedata_series.h
// Pure pieces of the Twelve Data time_series client (docs/formats.md §4): symbol
// and interval mapping, URL building, response parsing. No I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/symbol.h"
#include "core/timeframe.h"
#include "data/providers/provider.h"

namespace rc::data::internal {

inline constexpr int kTwelveDataMaxOutputSize = 5000;

// Twelve Data's name for a Yahoo-style symbol: TCS.NS -> {TCS, NSE},
// RELIANCE.BO -> {RELIANCE, BSE}, VOD.L -> {VOD, LSE}, SHOP.TO -> {SHOP, TSX},
// BTC-USD -> {BTC/USD}, EURUSD=X -> {EUR/USD}, AAPL -> {AAPL}.
// Errors: kUnsupported naming "symbol" for indices (^NSEI) and unknown suffixes.
struct TwelveDataSymbol {
  std::string symbol;
  std::string exchange;  // empty: not sent
  bool operator==(const TwelveDataSymbol&) const = default;
};
Result<TwelveDataSymbol> MapTwelveDataSymbol(const Symbol& symbol);

// 1m -> 1min, 5m -> 5min, 15m -> 15min, 30m -> 30min, 1h -> 1h, 1d -> 1day.
std::string_view TwelveDataInterval(Timeframe tf);

// "<base>/time_series?symbol=..&exchange=..&interval=..&start_date=..&end_date=..
//  &outputsize=5000&timezone=UTC&order=desc". Dates are "YYYY-MM-DD HH:MM:SS"
// (UTC) for intraday and "YYYY-MM-DD" for daily. The API key is NOT in the
// URL: it goes in the Authorization header.
std::string BuildTwelveDataUrl(std::string_view base_url, const TwelveDataSymbol& symbol, Timeframe tf,
                               std::string_view start_date, std::string_view end_date);

// Parses a time_series body. Checks `status` even with HTTP 200 (the body's
// `code` is the real one): 400 -> kInvalidArgument, 401 -> kUnauthorized,
// 403 -> kForbidden, 404 -> kNotFound, 429 -> kRateLimited, 5xx ->
// kUnavailable, other -> kProviderError; "No data is available ..." (400) is an
// empty series, not an error. Values must be strings holding finite numbers
// (volume may be absent); datetimes 'YYYY-MM-DD HH:MM:SS' are UTC, daily
// 'YYYY-MM-DD' become DailyBarOpen(symbol, date); meta.interval must equal the
// requested interval. Non-JSON or truncated bodies -> kProviderError (5xx ->
// kUnavailable, 429 -> kRateLimited). Output ascending (newest-first reversed),
// deduplicated. Messages start with "twelvedata: ".
Result<std::vector<RawBar>> ParseTwelveDataSeries(int http_status, std::string_view body, const Symbol& symbol,
                                                  Timeframe tf);

}  // namespace rc::data::internal
