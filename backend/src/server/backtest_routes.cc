#include "server/backtest_routes.h"

#include <boost/json.hpp>
#include <algorithm>

#include "core/json_fields.h"
#include "core/json_text.h"
#include "core/settings.h"
#include "server/app.h"
#include "server/openapi_schemas.h"
#include "server/pooled_fields.h"
#include "server/query_params.h"
#include "serving/runtime.h"

namespace rc::server {
namespace {

constexpr const char* kBacktestSchema = R"json({
  "type": "object", "required": ["symbol", "timeframe"], "additionalProperties": false,
  "description": "One series and horizon; without from/to, the last 40 % of its bars",
  "properties": {
    "symbol": {"type": "string"}, "timeframe": {"type": "string"},
    "horizon_minutes": {"type": "integer", "minimum": 1, "description": "one of HORIZONS_MINUTES (default: the first)"},
    "from": {"type": "string", "format": "date-time", "description": "first bar predicted"},
    "to": {"type": "string", "format": "date-time", "description": "end, exclusive"},
    "retrain_every": {"type": "integer", "minimum": 1, "maximum": 1000000, "description": "bars between retrains (default 500)"},
    "folds": {"type": "integer", "minimum": 1, "maximum": 50, "description": "walk-forward folds of each retrain (default 3)"},
    "min_train_rows": {"type": "integer", "minimum": 50, "maximum": 10000000,
                       "description": "rows before the first test fold of each retrain (default 500)"},
    "pooled": {"type": "boolean",
               "description": "true: the pooled (global) model joins as a family, fitted on folds cut on time over every series of the lake at timeframe (as regimecast backtest --pooled)"},
    "pooled_learner": {"type": "string", "enum": ["ridge", "gbdt"], "description": "with pooled: its learner (default ridge)"}}})json";

std::string HorizonsText(const Settings& settings) {
  std::string out;
  for (int h : settings.horizons_minutes) out += (out.empty() ? "" : ",") + std::to_string(h);
  return out;
}

Result<serving::BacktestRequest> ParseBacktestBody(const Request& request, const Settings& settings) {
  RC_ASSIGN_OR_RETURN(boost::json::object body, ParseRequestObject(request.body));
  const JsonFields fields = JsonFields::Request(body);
  RC_RETURN_IF_ERROR(fields.RejectUnknown(
      {"symbol", "timeframe", "horizon_minutes", "from", "to", "retrain_every", "folds", "min_train_rows", "pooled",
       "pooled_learner"}));
  RC_ASSIGN_OR_RETURN(std::string symbol_text, fields.RequiredString("symbol"));
  RC_ASSIGN_OR_RETURN(std::string tf_text, fields.RequiredString("timeframe"));
  RC_ASSIGN_OR_RETURN(Symbol symbol, Symbol::Parse(symbol_text, "symbol"));
  RC_ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse(tf_text, "timeframe"));
  RC_ASSIGN_OR_RETURN(auto horizon, fields.OptionalInt("horizon_minutes", 1, kMaxHorizonMinutes));
  serving::BacktestRequest out{symbol, tf, static_cast<int>(horizon.value_or(settings.horizons_minutes.front()))};
  // Silver carries targets for HORIZONS_MINUTES only: another horizon would fail in the job.
  if (std::find(settings.horizons_minutes.begin(), settings.horizons_minutes.end(), out.horizon_minutes) ==
      settings.horizons_minutes.end()) {
    return InvalidArgument("horizon_minutes", "must be one of HORIZONS_MINUTES (" + HorizonsText(settings) + ")");
  }
  RC_ASSIGN_OR_RETURN(out.from, fields.OptionalTime("from"));
  RC_ASSIGN_OR_RETURN(out.to, fields.OptionalTime("to"));
  RC_ASSIGN_OR_RETURN(auto retrain_every, fields.OptionalInt("retrain_every", 1, 1'000'000));
  RC_ASSIGN_OR_RETURN(auto folds, fields.OptionalInt("folds", 1, 50));
  RC_ASSIGN_OR_RETURN(auto min_rows, fields.OptionalInt("min_train_rows", 50, 10'000'000));
  if (retrain_every) out.retrain_every = static_cast<int>(*retrain_every);
  if (folds) out.folds = static_cast<int>(*folds);
  if (min_rows) out.min_train_rows = static_cast<int>(*min_rows);
  // The pooled family joins with the CLI's defaults (the same time cut as `regimecast backtest --pooled`).
  RC_ASSIGN_OR_RETURN(out.pooled, ParsePooledFields(fields));
  // Reject what would fail in the job (a horizon that is no multiple of the bar) while the caller listens.
  RC_RETURN_IF_ERROR(serving::ValidateBacktestRequest(out));
  return out;
}

struct BacktestKey {
  SeriesParams series;
  int horizon_minutes = 0;
};

Result<BacktestKey> ParseBacktestQuery(const Request& request, const Settings& settings) {
  RC_ASSIGN_OR_RETURN(SeriesParams series, ParseSeriesParams(request));
  RC_ASSIGN_OR_RETURN(auto horizon, ParseIntParam(request, "horizon_minutes", 1, kMaxHorizonMinutes));
  return BacktestKey{series, static_cast<int>(horizon.value_or(settings.horizons_minutes.front()))};
}

}  // namespace

void AddBacktestRoutes(App& app, serving::Runtime& runtime) {
  const Settings& settings = app.settings();
  const std::string data_dir = settings.data_dir;

  app.AddRoute({"POST", "/api/models/backtest",
                "Backtest one series and horizon the way the live service would have predicted it (walk-forward, "
                "retrained as it goes); runs as a background job, answers 202 with the job; the summary is then "
                "GET /api/models/backtest",
                "models", {}, kBacktestSchema, JobSchema(), "application/json", true},
               [&runtime, &settings](const Request& request) {
                 auto backtest = ParseBacktestBody(request, settings);
                 if (!backtest) return ErrorResponse(backtest.error());
                 auto id = runtime.SubmitBacktest(*backtest, "api");
                 if (!id) return ErrorResponse(id.error());
                 Response response = JsonResponse(202, JsonText(runtime.jobs().Get(*id)->ToJson()));
                 response.headers.emplace_back("Location", "/api/jobs/" + *id);
                 return response;
               });

  app.AddRoute({"GET", "/api/models/backtest",
                "The latest saved backtest of a series and horizon: MAPE against the random walk, each family's "
                "skill verdict and weight, band coverage overall and per regime, directional accuracy",
                "models",
                {{"symbol", "query", "string", true, "e.g. TCS.NS"},
                 {"timeframe", "query", "string", true, "1m 5m 15m 30m 1h 1d"},
                 {"horizon_minutes", "query", "integer", false, "default: the first of HORIZONS_MINUTES"}},
                "", BacktestSummarySchema()},
               [data_dir, &settings](const Request& request) {
                 auto key = ParseBacktestQuery(request, settings);
                 if (!key) return ErrorResponse(key.error());
                 auto summary = serving::LoadBacktestSummary(data_dir, key->series.symbol, key->series.timeframe,
                                                               key->horizon_minutes);
                 if (!summary) return ErrorResponse(summary.error());
                 return JsonResponse(200, JsonText(*summary));
               });
}

}  // namespace rc::server
