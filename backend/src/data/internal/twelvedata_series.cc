#include "data/internal/twelvedata_series.h"

#include <boost/json.hpp>

#include <algorithm>

#include "core/time.h"
#include "data/http/http_client.h"
#include "data/internal/parse_util.h"

namespace rc::data::internal {
namespace json = boost::json;
namespace {

tl::unexpected<Error> Bad(std::string why) { return ProviderError("twelvedata: " + why); }

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

tl::unexpected<Error> ErrorForCode(int64_t code, const std::string& message) {
  const std::string text = "twelvedata: " + std::to_string(code) + ": " + message;
  switch (code) {
    case 400: return InvalidArgument("symbol", text);
    case 401: return MakeError(ErrorCode::kUnauthorized, text);
    case 403: return MakeError(ErrorCode::kForbidden, text);
    case 404: return NotFound(text);
    case 429: return RateLimited(text);
    default: break;
  }
  if (code >= 500 && code <= 599) return Unavailable(text);
  return ProviderError(text);
}

Result<double> Number(const json::object& row, std::string_view key, size_t index) {
  const json::value* v = row.if_contains(key);
  if (v == nullptr) return Bad("values[" + std::to_string(index) + "]." + std::string(key) + " is missing");
  if (!v->is_string()) return Bad("values[" + std::to_string(index) + "]." + std::string(key) + " is not a string");
  const json::string& s = v->get_string();
  auto parsed = ParseStrictDouble(std::string_view(s.data(), s.size()));
  if (!parsed) {
    return Bad("values[" + std::to_string(index) + "]." + std::string(key) + " is not a number: '" +
               std::string(s.data(), std::min<size_t>(s.size(), 32)) + "'");
  }
  return *parsed;
}

}  // namespace

Result<TwelveDataSymbol> MapTwelveDataSymbol(const Symbol& symbol) {
  const std::string& s = symbol.str();
  if (s.front() == '^') {
    return Unsupported("twelvedata: index symbol '" + s + "' has no Twelve Data mapping", "symbol");
  }
  if (EndsWith(s, "=X") && s.size() == 8) return TwelveDataSymbol{s.substr(0, 3) + "/" + s.substr(3, 3), ""};
  for (std::string_view quote : {"-USD", "-USDT", "-EUR", "-BTC", "-INR"}) {
    if (EndsWith(s, quote) && s.size() > quote.size()) {
      return TwelveDataSymbol{s.substr(0, s.size() - quote.size()) + "/" + std::string(quote.substr(1)), ""};
    }
  }
  const std::string_view suffix = symbol.ExchangeSuffix();
  if (suffix.empty()) return TwelveDataSymbol{s, ""};
  static constexpr std::pair<std::string_view, std::string_view> kExchanges[] = {
      {"NS", "NSE"}, {"BO", "BSE"}, {"L", "LSE"}, {"TO", "TSX"}};
  for (const auto& [yahoo, twelve] : kExchanges) {
    if (suffix == yahoo) return TwelveDataSymbol{std::string(symbol.Ticker()), std::string(twelve)};
  }
  return Unsupported("twelvedata: no exchange mapping for suffix '." + std::string(suffix) + "' of " + s, "symbol");
}

std::string_view TwelveDataInterval(Timeframe tf) {
  switch (tf.unit()) {
    case Timeframe::Unit::k1m: return "1min";
    case Timeframe::Unit::k5m: return "5min";
    case Timeframe::Unit::k15m: return "15min";
    case Timeframe::Unit::k30m: return "30min";
    case Timeframe::Unit::k1h: return "1h";
    case Timeframe::Unit::k1d: return "1day";
  }
  return "1day";
}

std::string BuildTwelveDataUrl(std::string_view base_url, const TwelveDataSymbol& symbol, Timeframe tf,
                               std::string_view start_date, std::string_view end_date) {
  std::string url(base_url);
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/time_series?symbol=" + UrlEncode(symbol.symbol);
  if (!symbol.exchange.empty()) url += "&exchange=" + UrlEncode(symbol.exchange);
  url += "&interval=" + std::string(TwelveDataInterval(tf));
  url += "&start_date=" + UrlEncode(start_date) + "&end_date=" + UrlEncode(end_date);
  url += "&outputsize=" + std::to_string(kTwelveDataMaxOutputSize) + "&timezone=UTC&order=desc";
  return url;
}

Result<std::vector<RawBar>> ParseTwelveDataSeries(int http_status, std::string_view body, const Symbol& symbol,
                                                  Timeframe tf) {
  boost::system::error_code ec;
  json::value doc = json::parse(json::string_view(body.data(), body.size()), ec);
  if (ec) {
    if (http_status == 429) return RateLimited("twelvedata: rate limited (HTTP 429)");
    if (http_status >= 500) return Unavailable("twelvedata: HTTP " + std::to_string(http_status));
    return Bad("response is not valid JSON (HTTP " + std::to_string(http_status) + ", " +
               std::to_string(body.size()) + " bytes, truncated or not JSON: " + ec.message() + ")");
  }
  const json::object* root = doc.if_object();
  if (root == nullptr) return Bad("response is not a JSON object");
  const json::value* status = root->if_contains("status");
  const bool is_error = status != nullptr && status->is_string() && status->get_string() == "error";
  if (is_error || (http_status != 200 && http_status != 0)) {
    int64_t code = http_status;
    if (const json::value* c = root->if_contains("code"); c != nullptr && c->is_int64()) code = c->get_int64();
    std::string message;
    if (const json::value* m = root->if_contains("message"); m != nullptr && m->is_string()) {
      message = std::string(m->get_string());
    }
    if (message.size() > 300) message.resize(300);
    if (code == 400 && message.find("No data is available") != std::string::npos) return std::vector<RawBar>{};
    return ErrorForCode(code, message.empty() ? "HTTP " + std::to_string(http_status) : message);
  }
  if (status == nullptr || !status->is_string() || status->get_string() != "ok") {
    return Bad("'status' is not \"ok\"");
  }
  const json::value* meta = root->if_contains("meta");
  if (meta == nullptr || !meta->is_object()) return Bad("'meta' is missing");
  const json::value* interval = meta->get_object().if_contains("interval");
  if (interval == nullptr || !interval->is_string()) return Bad("meta.interval is missing");
  if (interval->get_string() != TwelveDataInterval(tf)) {
    return Bad("meta.interval is '" + std::string(interval->get_string()) + "', requested '" +
               std::string(TwelveDataInterval(tf)) + "'");
  }
  const json::value* values = root->if_contains("values");
  if (values == nullptr) return std::vector<RawBar>{};
  if (!values->is_array()) return Bad("'values' is not an array");
  std::vector<RawBar> bars;
  bars.reserve(values->get_array().size());
  size_t index = 0;
  for (const json::value& item : values->get_array()) {
    if (!item.is_object()) return Bad("values[" + std::to_string(index) + "] is not an object");
    const json::object& row = item.get_object();
    const json::value* dt = row.if_contains("datetime");
    if (dt == nullptr || !dt->is_string()) return Bad("values[" + std::to_string(index) + "].datetime is missing");
    const std::string_view text(dt->get_string().data(), dt->get_string().size());
    RawBar bar;
    if (tf == Timeframe::k1d) {
      auto day = ParseIsoDate(text.substr(0, std::min<size_t>(text.size(), 10)));
      if (!day || text.size() != 10) {
        return Bad("values[" + std::to_string(index) + "].datetime '" + std::string(text.substr(0, 32)) +
                   "' is not YYYY-MM-DD");
      }
      bar.open_time = DailyBarOpen(symbol, *day);
    } else {
      auto wall = ParseIsoWallClock(text);
      if (!wall || !wall->has_time || text.size() != 19) {
        return Bad("values[" + std::to_string(index) + "].datetime '" + std::string(text.substr(0, 32)) +
                   "' is not 'YYYY-MM-DD HH:MM:SS'");
      }
      bar.open_time = wall->micros;  // requested with timezone=UTC
    }
    RC_ASSIGN_OR_RETURN(double open, Number(row, "open", index));
    RC_ASSIGN_OR_RETURN(double high, Number(row, "high", index));
    RC_ASSIGN_OR_RETURN(double low, Number(row, "low", index));
    RC_ASSIGN_OR_RETURN(double close, Number(row, "close", index));
    bar.open = open;
    bar.high = high;
    bar.low = low;
    bar.close = close;
    if (row.contains("volume")) {
      RC_ASSIGN_OR_RETURN(double volume, Number(row, "volume", index));
      bar.volume = volume;
    }
    bars.push_back(bar);
    ++index;
  }
  // Sent newest first; reverse so that SortAndDedupe's "last wins" keeps the
  // row the provider listed first for a repeated datetime.
  std::reverse(bars.begin(), bars.end());
  SortAndDedupe(bars);
  return bars;
}

}  // namespace rc::data::internal
