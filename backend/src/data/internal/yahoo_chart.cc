#include "data/internal/yahoo_chart.h"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>

#include "data/http/http_client.h"
#include "data/internal/time_zone.h"

namespace rc::data::internal {
namespace json = boost::json;
namespace {

constexpr int64_t kDay = kMicrosPerDay;
constexpr int64_t kSafetyMargin = 3600 * kMicrosPerSecond;

tl::unexpected<Error> Bad(std::string why) { return ProviderError("yahoo: " + why); }

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool Contains(std::string_view body, std::string_view needle) { return body.find(needle) != std::string_view::npos; }

// A value of a quote array: number or null. Anything else is a format error.
Result<std::optional<double>> QuoteValue(const json::value& v, std::string_view field, size_t index) {
  if (v.is_null()) return std::optional<double>();
  if (v.is_double()) return std::optional<double>(v.get_double());
  if (v.is_int64()) return std::optional<double>(static_cast<double>(v.get_int64()));
  if (v.is_uint64()) return std::optional<double>(static_cast<double>(v.get_uint64()));
  return Bad("indicators.quote[0]." + std::string(field) + "[" + std::to_string(index) + "] is not a number or null");
}

Result<std::vector<std::optional<double>>> QuoteArray(const json::object& quote, std::string_view field, size_t n,
                                                      bool required) {
  std::vector<std::optional<double>> out;
  const json::value* v = quote.if_contains(field);
  if (v == nullptr || v->is_null()) {
    if (required) return Bad("indicators.quote[0]." + std::string(field) + " is missing");
    out.resize(n);
    return out;
  }
  if (!v->is_array()) return Bad("indicators.quote[0]." + std::string(field) + " is not an array");
  const json::array& arr = v->get_array();
  if (arr.size() != n) {
    return Bad("indicators.quote[0]." + std::string(field) + " has " + std::to_string(arr.size()) +
               " values for " + std::to_string(n) + " timestamps");
  }
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    RC_ASSIGN_OR_RETURN(auto value, QuoteValue(arr[i], field, i));
    out.push_back(value);
  }
  return out;
}

std::string StringOr(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

std::string_view YahooInterval(Timeframe tf) {
  switch (tf.unit()) {
    case Timeframe::Unit::k1m: return "1m";
    case Timeframe::Unit::k5m: return "5m";
    case Timeframe::Unit::k15m: return "15m";
    case Timeframe::Unit::k30m: return "15m";
    case Timeframe::Unit::k1h: return "60m";
    case Timeframe::Unit::k1d: return "1d";
  }
  return "1d";
}

Coverage YahooCoverage(Timeframe tf, TimestampUs now) {
  switch (tf.unit()) {
    case Timeframe::Unit::k1m: return {now - 30 * kDay + kSafetyMargin, 7 * kDay};
    case Timeframe::Unit::k5m:
    case Timeframe::Unit::k15m:
    case Timeframe::Unit::k30m: return {now - 60 * kDay + kSafetyMargin, 0};
    case Timeframe::Unit::k1h: return {now - 730 * kDay + kSafetyMargin, 0};
    case Timeframe::Unit::k1d: return {0, 0};
  }
  return {0, 0};
}

std::vector<TimeSlice> SplitRange(TimestampUs from, TimestampUs to, int64_t max_span) {
  std::vector<TimeSlice> slices;
  if (from >= to) return slices;
  if (max_span <= 0) return {{from, to}};
  for (TimestampUs start = from; start < to; start += max_span) slices.push_back({start, std::min(to, start + max_span)});
  return slices;
}

std::string BuildYahooChartUrl(std::string_view base_url, const Symbol& symbol, std::string_view interval,
                               TimestampUs from, TimestampUs to) {
  const int64_t period1 = FloorDiv(from, kMicrosPerSecond);
  const int64_t period2 = -FloorDiv(-to, kMicrosPerSecond);
  std::string url(base_url);
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/v8/finance/chart/" + UrlEncode(symbol.str());
  url += "?period1=" + std::to_string(period1) + "&period2=" + std::to_string(period2);
  url += "&interval=" + std::string(interval) + "&includePrePost=false&events=div%2Csplits";
  return url;
}

Result<YahooChart> ParseYahooChart(int http_status, std::string_view body) {
  boost::system::error_code ec;
  json::value doc = json::parse(json::string_view(body.data(), body.size()), ec);
  if (ec) {
    if (http_status == 429 || Contains(body, "Too Many Requests")) {
      return RateLimited("yahoo: rate limited (HTTP " + std::to_string(http_status) + ")");
    }
    if (Contains(body, "Will be right back")) {
      return Unavailable("yahoo: service down (\"Will be right back\" page, HTTP " + std::to_string(http_status) + ")");
    }
    if (http_status >= 500) return Unavailable("yahoo: HTTP " + std::to_string(http_status));
    return Bad("response is not valid JSON (HTTP " + std::to_string(http_status) + ", " + std::to_string(body.size()) +
               " bytes, truncated or not JSON: " + ec.message() + ")");
  }
  if (http_status == 429) return RateLimited("yahoo: rate limited (HTTP 429)");
  const json::object* root = doc.if_object();
  const json::value* chart_v = root ? root->if_contains("chart") : nullptr;
  const json::object* chart = chart_v ? chart_v->if_object() : nullptr;
  if (chart == nullptr) {
    // Yahoo's other error envelope: {"finance":{"result":null,"error":{"code":"Unauthorized",
    // "description":"Invalid Crumb"}}} (auth/crumb failures, rate limits).
    const json::value* finance = root ? root->if_contains("finance") : nullptr;
    const json::value* ferr = finance && finance->is_object() ? finance->get_object().if_contains("error") : nullptr;
    if (ferr != nullptr && ferr->is_object()) {
      const std::string code = StringOr(ferr->get_object(), "code");
      const std::string text = "yahoo: " + code + ": " + StringOr(ferr->get_object(), "description");
      if (http_status == 401 || code == "Unauthorized") return MakeError(ErrorCode::kUnauthorized, text);
      if (http_status == 403 || code == "Forbidden") return MakeError(ErrorCode::kForbidden, text);
      if (http_status == 404 || code == "Not Found") return NotFound(text);
      if (http_status >= 500) return Unavailable(text);
      return ProviderError(text);
    }
    if (http_status >= 500) return Unavailable("yahoo: HTTP " + std::to_string(http_status));
    return Bad("response has no 'chart' object (HTTP " + std::to_string(http_status) + ")");
  }
  // chart.error before chart.result, always.
  if (const json::value* err = chart->if_contains("error"); err != nullptr && !err->is_null()) {
    if (!err->is_object()) return Bad("chart.error is not an object");
    const std::string code = StringOr(err->get_object(), "code");
    const std::string description = StringOr(err->get_object(), "description");
    const std::string text = "yahoo: " + (code.empty() ? std::string("error") : code) + ": " + description;
    if (code == "Not Found") return NotFound(text);
    if (code == "Bad Request" || code == "Unprocessable Entity") return InvalidArgument("from", text);
    if (code == "Too Many Requests") return RateLimited(text);
    if (http_status >= 500 || code == "Internal Server Error" || code == "Service Unavailable") return Unavailable(text);
    return ProviderError(text);
  }
  if (http_status >= 500) return Unavailable("yahoo: HTTP " + std::to_string(http_status));
  if (http_status != 200) return Bad("unexpected HTTP " + std::to_string(http_status) + " without chart.error");
  const json::value* result_v = chart->if_contains("result");
  if (result_v == nullptr || !result_v->is_array()) return Bad("chart.result is not an array");
  const json::array& results = result_v->get_array();
  if (results.empty() || !results[0].is_object()) return Bad("chart.result is empty");
  const json::object& result = results[0].get_object();

  YahooChart out;
  if (const json::value* meta = result.if_contains("meta")) {
    if (!meta->is_object()) return Bad("chart.result[0].meta is not an object");
    out.exchange_timezone = StringOr(meta->get_object(), "exchangeTimezoneName");
    out.granularity = StringOr(meta->get_object(), "dataGranularity");
  } else {
    return Bad("chart.result[0].meta is missing");
  }
  const json::value* ts_v = result.if_contains("timestamp");
  const json::value* ind_v = result.if_contains("indicators");
  if (ind_v == nullptr || !ind_v->is_object()) return Bad("chart.result[0].indicators is missing");
  const json::value* quote_v = ind_v->get_object().if_contains("quote");
  if (quote_v == nullptr || !quote_v->is_array() || quote_v->get_array().empty() ||
      !quote_v->get_array()[0].is_object()) {
    return Bad("indicators.quote is not an array of one object");
  }
  const json::object& quote = quote_v->get_array()[0].get_object();
  if (ts_v == nullptr || ts_v->is_null()) {
    // "No data": quote is [{}] (or has only empty arrays).
    for (const auto& [key, value] : quote) {
      if (!value.is_array() || !value.get_array().empty()) {
        return Bad("indicators.quote[0]." + std::string(key) + " has values but there is no timestamp array");
      }
    }
    return out;
  }
  if (!ts_v->is_array()) return Bad("chart.result[0].timestamp is not an array");
  const json::array& ts = ts_v->get_array();
  out.timestamps.reserve(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) {
    if (ts[i].is_int64()) {
      out.timestamps.push_back(ts[i].get_int64());
    } else if (ts[i].is_uint64() && ts[i].get_uint64() < (uint64_t{1} << 40)) {
      out.timestamps.push_back(static_cast<int64_t>(ts[i].get_uint64()));
    } else {
      return Bad("timestamp[" + std::to_string(i) + "] is not an integer");
    }
    if (out.timestamps.back() < 0 || out.timestamps.back() > (int64_t{1} << 36)) {
      return Bad("timestamp[" + std::to_string(i) + "] is out of range");
    }
  }
  const size_t n = ts.size();
  RC_ASSIGN_OR_RETURN(out.open, QuoteArray(quote, "open", n, true));
  RC_ASSIGN_OR_RETURN(out.high, QuoteArray(quote, "high", n, true));
  RC_ASSIGN_OR_RETURN(out.low, QuoteArray(quote, "low", n, true));
  RC_ASSIGN_OR_RETURN(out.close, QuoteArray(quote, "close", n, true));
  RC_ASSIGN_OR_RETURN(out.volume, QuoteArray(quote, "volume", n, false));
  return out;
}

std::vector<RawBar> YahooChartToBars(const YahooChart& chart, const Symbol& symbol, Timeframe tf, int64_t period2_s) {
  const ExchangeCalendar& cal = ExchangeCalendar::ForSymbol(symbol);
  const std::string zone =
      !chart.exchange_timezone.empty() && IsKnownZone(chart.exchange_timezone) ? chart.exchange_timezone
                                                                              : cal.time_zone();
  std::vector<RawBar> bars;
  bars.reserve(chart.timestamps.size());
  for (size_t i = 0; i < chart.timestamps.size(); ++i) {
    if (chart.timestamps[i] >= period2_s) continue;
    RawBar bar;
    bar.open_time = chart.timestamps[i] * kMicrosPerSecond;
    if (tf == Timeframe::k1d) {
      auto day = LocalDayIn(zone, bar.open_time);
      bar.open_time = DailyBarOpen(symbol, day ? *day : cal.LocalDay(bar.open_time));
    }
    bar.open = chart.open[i];
    bar.high = chart.high[i];
    bar.low = chart.low[i];
    bar.close = chart.close[i];
    bar.volume = chart.volume[i];
    bars.push_back(bar);
  }
  SortAndDedupe(bars);
  return bars;
}

std::vector<RawBar> ResampleBars(const std::vector<RawBar>& bars, Timeframe target, const ExchangeCalendar& calendar) {
  const int64_t step = target.DurationMicros();
  std::map<int64_t, std::vector<const RawBar*>> buckets;
  for (const RawBar& bar : bars) {
    const int64_t day = calendar.LocalDay(bar.open_time);
    int64_t anchor = day * kDay;
    if (auto session = calendar.RegularSession(day)) {
      anchor = session->open;
    } else if (auto midnight = LocalToUtc(calendar.time_zone(), day * kDay)) {
      anchor = *midnight;
    }
    const int64_t key = anchor + FloorDiv(bar.open_time - anchor, step) * step;
    buckets[key].push_back(&bar);
  }
  std::vector<RawBar> out;
  out.reserve(buckets.size());
  for (const auto& [key, rows] : buckets) {
    RawBar agg;
    agg.open_time = key;
    for (const RawBar* row : rows) {
      if (!agg.open && row->open) agg.open = row->open;
      if (row->high) agg.high = agg.high ? std::max(*agg.high, *row->high) : *row->high;
      if (row->low) agg.low = agg.low ? std::min(*agg.low, *row->low) : *row->low;
      if (row->close) agg.close = row->close;
      if (row->volume) agg.volume = agg.volume.value_or(0.0) + *row->volume;
    }
    out.push_back(agg);
  }
  return out;
}

}  // namespace rc::data::internal
