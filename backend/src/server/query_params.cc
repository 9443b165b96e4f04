#include "server/query_params.h"

#include <charconv>

namespace rc::server {

Result<SeriesParams> ParseSeriesParams(const Request& request) {
  auto symbol_text = request.QueryParam("symbol");
  if (!symbol_text) return InvalidArgument("symbol", "query parameter is required");
  auto tf_text = request.QueryParam("timeframe");
  if (!tf_text) return InvalidArgument("timeframe", "query parameter is required");
  RC_ASSIGN_OR_RETURN(Symbol symbol, Symbol::Parse(*symbol_text, "symbol"));
  RC_ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse(*tf_text, "timeframe"));
  return SeriesParams{symbol, tf};
}

Result<std::optional<int64_t>> ParseIntParam(const Request& request, const std::string& name, int64_t min,
                                             int64_t max) {
  auto text = request.QueryParam(name);
  if (!text) return std::optional<int64_t>();
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size() || value < min || value > max) {
    return InvalidArgument(name, "must be an integer in " + std::to_string(min) + ".." + std::to_string(max));
  }
  return std::optional<int64_t>(value);
}

}  // namespace rc::server
