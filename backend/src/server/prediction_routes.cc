#include "server/prediction_routes.h"

#include <boost/json.hpp>

#include "core/json_fields.h"
#include "core/json_text.h"
#include "server/app.h"
#include "server/openapi_schemas.h"
#include "serving/runtime.h"

namespace rc::server {
namespace {

constexpr const char* kTriggerRequestSchema = R"json({
  "type": "object", "required": ["symbol", "timeframe"], "additionalProperties": false,
  "properties": {
    "symbol": {"type": "string", "example": "TCS.NS"},
    "timeframe": {"type": "string", "enum": ["1m", "5m", "15m", "30m", "1h", "1d"]},
    "horizon_minutes": {"type": "integer", "minimum": 1, "description": "default: the first of HORIZONS_MINUTES"},
    "as_of": {"type": "string", "format": "date-time", "description": "predict as of this time (backfill)"}}})json";

Result<serving::PredictQuery> ParseTrigger(const Request& request, int default_horizon) {
  RC_ASSIGN_OR_RETURN(boost::json::object body, ParseRequestObject(request.body));
  const JsonFields fields = JsonFields::Request(body);
  RC_RETURN_IF_ERROR(fields.RejectUnknown({"symbol", "timeframe", "horizon_minutes", "as_of"}));
  RC_ASSIGN_OR_RETURN(std::string symbol_text, fields.RequiredString("symbol"));
  RC_ASSIGN_OR_RETURN(std::string tf_text, fields.RequiredString("timeframe"));
  RC_ASSIGN_OR_RETURN(Symbol symbol, Symbol::Parse(symbol_text, "symbol"));
  RC_ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse(tf_text, "timeframe"));
  RC_ASSIGN_OR_RETURN(std::optional<int64_t> horizon, fields.OptionalInt("horizon_minutes", 1, kMaxHorizonMinutes));
  RC_ASSIGN_OR_RETURN(std::optional<int64_t> as_of, fields.OptionalTime("as_of"));
  return serving::PredictQuery{symbol, tf, static_cast<int>(horizon.value_or(default_horizon)), as_of};
}

}  // namespace

void AddPredictionRoutes(App& app, serving::Runtime& runtime) {
  const int default_horizon = app.settings().horizons_minutes.front();
  app.AddRoute({"POST", "/api/prediction/trigger",
                "Make one prediction now: regime, gated-ensemble expected price and conformal bands", "prediction",
                {}, kTriggerRequestSchema, PredictionSchema(), "application/json", true},
               [&runtime, default_horizon](const Request& request) {
                 auto query = ParseTrigger(request, default_horizon);
                 if (!query) return ErrorResponse(query.error());
                 auto outcome = runtime.Predict(*query);
                 if (!outcome) return ErrorResponse(outcome.error());
                 return JsonResponse(200, std::move(outcome->json_text));
               });
}

}  // namespace rc::server
