#include "server/data_routes.h"

#include <boost/json.hpp>
#include <cmath>

#include "core/calendar.h"
#include "core/json_text.h"
#include "data/pipeline/lake_rows.h"
#include "features/presets.h"
#include "lake/layers/layers.h"
#include "ml/silver_source.h"
#include "server/app.h"
#include "server/openapi_schemas.h"
#include "server/query_params.h"
#include "serving/runtime.h"

namespace rc::server {
namespace {

struct SeriesQuery {
  Symbol symbol;
  Timeframe timeframe;
  std::optional<int64_t> from, to;
  size_t limit = 500;
};

// A positive count query parameter (limit, history). Errors: kInvalidArgument naming it.
Result<size_t> ParseCount(const Request& request, const std::string& name, size_t default_value) {
  RC_ASSIGN_OR_RETURN(std::optional<int64_t> value, ParseIntParam(request, name, 1, 100'000));
  return value ? static_cast<size_t>(*value) : default_value;
}

Result<SeriesQuery> ParseSeriesQuery(const Request& request, size_t default_limit = 500) {
  RC_ASSIGN_OR_RETURN(SeriesParams series, ParseSeriesParams(request));
  SeriesQuery query{series.symbol, series.timeframe, std::nullopt, std::nullopt, default_limit};
  if (auto from = request.QueryParam("from")) {
    RC_ASSIGN_OR_RETURN(int64_t t, ParseIsoUtc(*from, "from"));
    query.from = t;
  }
  if (auto to = request.QueryParam("to")) {
    RC_ASSIGN_OR_RETURN(int64_t t, ParseIsoUtc(*to, "to"));
    query.to = t;
  }
  if (query.from && query.to && *query.from > *query.to) return InvalidArgument("from", "must not be after 'to'");
  RC_ASSIGN_OR_RETURN(query.limit, ParseCount(request, "limit", default_limit));
  return query;
}

boost::json::value Number(double v) { return std::isfinite(v) ? boost::json::value(v) : boost::json::value(nullptr); }

// The most recent `limit` regular-session bronze bars in [from, to].
Result<std::vector<data::pipeline::BronzeBar>> RecentBars(const std::string& data_dir, const SeriesQuery& q,
                                                           bool regular_only) {
  RC_ASSIGN_OR_RETURN(auto bronze, lake::layers::LayerTable::OpenBronze(data_dir));
  lake::layers::ReadOptions read;
  read.from = q.from;
  read.to = q.to;
  RC_ASSIGN_OR_RETURN(lake::ColumnBatch batch, bronze.Read(q.symbol, q.timeframe, read));
  RC_ASSIGN_OR_RETURN(auto bars, data::pipeline::BronzeFromBatch(batch));
  if (regular_only) {
    std::erase_if(bars, [](const auto& b) { return b.session != MarketSession::kRegular; });
  }
  if (bars.empty()) {
    return NotFound("no bars for " + q.symbol.str() + " " + std::string(q.timeframe.ToString()) +
                    " in that range (ingest and run the pipeline)");
  }
  return bars;
}

}  // namespace

void AddDataRoutes(App& app, serving::Runtime& runtime) {
  const std::string data_dir = app.settings().data_dir;
  const std::vector<ParamDoc> series_params = {
      {"symbol", "query", "string", true, "e.g. TCS.NS"},
      {"timeframe", "query", "string", true, "1m 5m 15m 30m 1h 1d"},
      {"from", "query", "string", false, "ISO-8601, inclusive"},
      {"to", "query", "string", false, "ISO-8601, inclusive"},
      {"limit", "query", "integer", false, "most recent N (default 500, at most 100000)"}};

  auto bars_params = series_params;
  bars_params.push_back({"session", "query", "string", false, "regular (default) or all"});
  app.AddRoute({"GET", "/api/bars", "Cleaned bars (bronze) of a series, oldest first", "data", bars_params, "",
                BarsResponseSchema()},
               [data_dir](const Request& request) {
                 auto q = ParseSeriesQuery(request);
                 if (!q) return ErrorResponse(q.error());
                 const std::string session = request.QueryParam("session").value_or("regular");
                 if (session != "regular" && session != "all") {
                   return ErrorResponse(Error{ErrorCode::kInvalidArgument, "must be regular or all", "session"});
                 }
                 auto bars = RecentBars(data_dir, *q, session == "regular");
                 if (!bars) return ErrorResponse(bars.error());
                 const size_t first = bars->size() > q->limit ? bars->size() - q->limit : 0;
                 boost::json::array items;
                 for (size_t idx = first; idx < bars->size(); ++idx) {
                   items.push_back(data::pipeline::BronzeBarJson((*bars)[idx]));
                 }
                 return JsonResponse(200, JsonText(boost::json::object{
                                              {"symbol", q->symbol.str()},
                                              {"timeframe", std::string(q->timeframe.ToString())},
                                              {"bars", std::move(items)}}));
               });

  auto indicator_params = series_params;
  indicator_params.push_back({"preset", "query", "string", true, "trend, momentum, volatility or mean_reversion"});
  app.AddRoute({"GET", "/api/indicators", "A chart preset's indicator series over the bars of /api/bars", "data",
                indicator_params, "", IndicatorsResponseSchema()},
               [data_dir](const Request& request) {
                 auto q = ParseSeriesQuery(request);
                 if (!q) return ErrorResponse(q.error());
                 auto preset = request.QueryParam("preset");
                 if (!preset) return ErrorResponse(Error{ErrorCode::kInvalidArgument, "query parameter is required", "preset"});
                 // Indicators need their warm-up: compute over everything up to `to`, return the tail.
                 SeriesQuery all = *q;
                 all.from.reset();
                 auto bronze = RecentBars(data_dir, all, true);
                 if (!bronze) return ErrorResponse(bronze.error());
                 std::vector<Bar> bars;
                 for (const auto& b : *bronze) bars.push_back(b.bar);
                 auto series = features::ComputePreset(*preset, bars, ExchangeCalendar::ForSymbol(q->symbol));
                 if (!series) {
                   Error error = series.error();
                   if (error.field.empty() || error.field == "preset" || error.field == "name") error.field = "preset";
                   return ErrorResponse(error);
                 }
                 size_t first = bars.size() > q->limit ? bars.size() - q->limit : 0;
                 while (q->from && first < bars.size() && bars[first].open_time < *q->from) ++first;
                 boost::json::array ts;
                 for (size_t idx = first; idx < bars.size(); ++idx) ts.push_back(boost::json::string(FormatIsoUtc(bars[idx].open_time)));
                 boost::json::object out_series;
                 for (const auto& s : *series) {
                   boost::json::array values;
                   for (size_t idx = first; idx < s.values.size(); ++idx) values.push_back(Number(s.values[idx]));
                   out_series[s.name] = std::move(values);
                 }
                 return JsonResponse(200, JsonText(boost::json::object{
                                              {"symbol", q->symbol.str()},
                                              {"timeframe", std::string(q->timeframe.ToString())},
                                              {"preset", *preset},
                                              {"ts", std::move(ts)},
                                              {"series", std::move(out_series)}}));
               });

  app.AddRoute({"GET", "/api/regime", "The current regime of a series and its recent history (from silver)", "data",
                {{"symbol", "query", "string", true, "e.g. TCS.NS"},
                 {"timeframe", "query", "string", true, "1m 5m 15m 30m 1h 1d"},
                 {"history", "query", "integer", false, "recent bars returned (default 50)"}},
                "", RegimeResponseSchema()},
               [data_dir, &runtime](const Request& request) {
                 auto q = ParseSeriesQuery(request, 50);
                 if (!q) return ErrorResponse(q.error());
                 auto history = ParseCount(request, "history", 50);
                 if (!history) return ErrorResponse(history.error());
                 const int64_t now = runtime.Now();  // replay time in a replay or the demo
                 // From memory; a longer history than the series keeps there reads silver.
                 auto memory = runtime.book().Regime(q->symbol, q->timeframe, *history, now);
                 if (!memory) return ErrorResponse(memory.error());
                 serving::SeriesBook::RegimeView view = std::move(*memory);
                 if (view.history_truncated) {
                   auto slice = ml::LoadSilver(data_dir, q->symbol, q->timeframe);
                   if (!slice) return ErrorResponse(slice.error());
                   auto regimes = ml::DetectSilverRegime(*slice, q->symbol, q->timeframe, now);
                   if (!regimes) return ErrorResponse(regimes.error());
                   const auto& states = regimes->history;
                   const size_t first = states.size() > *history ? states.size() - *history : 0;
                   view.history.assign(states.begin() + static_cast<std::ptrdiff_t>(first), states.end());
                   view.current = regimes->current;
                 }
                 boost::json::array items;
                 for (const auto& state : view.history) items.push_back(serving::RegimeJson(state));
                 return JsonResponse(200, JsonText(boost::json::object{
                                              {"symbol", q->symbol.str()},
                                              {"timeframe", std::string(q->timeframe.ToString())},
                                              {"current", serving::RegimeJson(view.current)},
                                              {"history", std::move(items)}}));
               });

  app.AddRoute({"GET", "/api/predictions", "Predictions served for a series (the gold log), newest last", "data",
                series_params, "", PredictionsResponseSchema()},
               [data_dir, &runtime](const Request& request) {
                 auto q = ParseSeriesQuery(request, 100);
                 if (!q) return ErrorResponse(q.error());
                 // Read your writes: what was served is in the answer, not only after the next group commit.
                 if (auto flushed = runtime.gold().Flush(); !flushed) return ErrorResponse(flushed.error());
                 auto gold = lake::layers::LayerTable::OpenGold(data_dir);
                 if (!gold) return ErrorResponse(gold.error());
                 lake::layers::ReadOptions read;
                 read.from = q->from;
                 read.to = q->to;
                 auto rows = gold->Read(q->symbol, q->timeframe, read);
                 if (!rows) return ErrorResponse(rows.error());
                 const auto& schema = rows->schema();
                 boost::json::array items;
                 const size_t n = rows->num_rows();
                 for (size_t row = n > q->limit ? n - q->limit : 0; row < n; ++row) {
                   boost::json::object item;
                   for (size_t col = 0; col < schema.fields.size(); ++col) {
                     const auto& field = schema.fields[col];
                     if (field.name == "symbol" || field.name == "timeframe") continue;
                     if (rows->column(col).IsNull(row)) {
                       item[field.name] = nullptr;
                       continue;
                     }
                     switch (field.type) {
                       case lake::ColumnType::kTimestampMicros: item[field.name] = FormatIsoUtc(rows->Int64s(col)[row]); break;
                       case lake::ColumnType::kDouble: item[field.name] = Number(rows->Doubles(col)[row]); break;
                       case lake::ColumnType::kInt32: item[field.name] = rows->Int32s(col)[row]; break;
                       case lake::ColumnType::kBool: item[field.name] = rows->Bools(col)[row] != 0; break;
                       case lake::ColumnType::kString: item[field.name] = rows->Strings(col)[row]; break;
                       default: break;
                     }
                   }
                   items.push_back(std::move(item));
                 }
                 return JsonResponse(200, JsonText(boost::json::object{
                                              {"symbol", q->symbol.str()},
                                              {"timeframe", std::string(q->timeframe.ToString())},
                                              {"predictions", std::move(items)}}));
               });
}

}  // namespace rc::server
