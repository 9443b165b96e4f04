#include "server/prediction_routes.h"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "core/json_text.h"
#include "server/app.h"
#include "server/json_body.h"
#include "serving/prediction_service.h"
#include "serving/quality.h"

namespace rc::server {
namespace {

constexpr const char* kTriggerRequestSchema = R"json({
  "type": "object", "required": ["symbol", "timeframe"], "additionalProperties": false,
  "properties": {
    "symbol": {"type": "string", "example": "TCS.NS"},
    "timeframe": {"type": "string", "enum": ["1m", "5m", "15m", "30m", "1h", "1d"]},
    "horizon_minutes": {"type": "integer", "minimum": 1, "description": "default: the first of HORIZONS_MINUTES"},
    "as_of": {"type": "string", "format": "date-time", "description": "predict as of this time (backfill)"}}})json";

constexpr const char* kPredictionSchema = R"json({
  "type": "object",
  "required": ["symbol", "timeframe", "horizon_minutes", "regime", "expected_price", "bands", "weights", "degraded"],
  "properties": {
    "symbol": {"type": "string"}, "timeframe": {"type": "string"}, "horizon_minutes": {"type": "integer"},
    "last_close": {"type": "number"}, "silver_version": {"type": "integer"},
    "regime": {"type": "string", "enum": ["trending_up", "trending_down", "range_bound", "volatile", "neutral", "unknown"]},
    "regime_confidence": {"type": "number"}, "expected_return": {"type": "number"}, "expected_price": {"type": "number"},
    "bands": {"type": "array", "items": {"type": "object", "properties": {"level": {"type": "number"},
              "lower": {"type": "number"}, "upper": {"type": "number"}}}},
    "weights": {"type": "object", "additionalProperties": {"type": "number"}},
    "gated_out": {"type": "object", "additionalProperties": {"type": "string"}},
    "champion": {"type": "string"}, "challenger": {"type": "string"}, "experiment_id": {"type": "string"},
    "degraded": {"type": "boolean"}, "stale": {"type": "boolean"}}})json";

Result<serving::PredictQuery> ParseTrigger(const Request& request, int default_horizon) {
  RC_ASSIGN_OR_RETURN(boost::json::object body, ParseJsonObject(request));
  RC_RETURN_IF_ERROR(RejectUnknownFields(body, {"symbol", "timeframe", "horizon_minutes", "as_of"}));
  RC_ASSIGN_OR_RETURN(std::string symbol_text, RequiredString(body, "symbol"));
  RC_ASSIGN_OR_RETURN(std::string tf_text, RequiredString(body, "timeframe"));
  RC_ASSIGN_OR_RETURN(Symbol symbol, Symbol::Parse(symbol_text, "symbol"));
  RC_ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse(tf_text, "timeframe"));
  RC_ASSIGN_OR_RETURN(std::optional<int64_t> horizon, OptionalInt(body, "horizon_minutes", 1, 60 * 24 * 365));
  RC_ASSIGN_OR_RETURN(std::optional<std::string> as_of_text, OptionalString(body, "as_of"));
  serving::PredictQuery query{symbol, tf, static_cast<int>(horizon.value_or(default_horizon)), std::nullopt};
  if (as_of_text) {
    RC_ASSIGN_OR_RETURN(int64_t as_of, ParseIsoUtc(*as_of_text, "as_of"));
    query.as_of = as_of;
  }
  return query;
}

}  // namespace

void AddPredictionRoutes(App& app, serving::PredictionService& service, std::mutex& gold_mutex) {
  const int default_horizon = app.settings().horizons_minutes.front();
  Hub* hub = &app.hub();
  const std::string data_dir = app.settings().data_dir;
  app.AddRoute({"POST", "/api/prediction/trigger",
                "Make one prediction now: regime, gated-ensemble expected price and conformal bands", "prediction",
                {}, kTriggerRequestSchema, kPredictionSchema, "application/json", true},
               [&service, &gold_mutex, data_dir, default_horizon, hub](const Request& request) {
                 auto query = ParseTrigger(request, default_horizon);
                 if (!query) return ErrorResponse(query.error());
                 auto outcome = service.Predict(*query);
                 if (!outcome) return ErrorResponse(outcome.error());
                 const ml::Prediction& p = outcome->prediction;
                 // Runbook §3.3: operators check the logs for gating decisions and bands.
                 std::string weights, gated, bands;
                 for (const auto& [family, w] : p.weights) weights += fmt::format(" {}={:.3f}", family, w);
                 for (const auto& [family, why] : p.gated_out) gated += fmt::format(" {}({})", family, why);
                 for (const auto& b : p.bands) bands += fmt::format(" {:.0f}%[{:.4f},{:.4f}]", b.level * 100, b.lower, b.upper);
                 spdlog::info("prediction {} {} +{}m: regime {} ({:.2f}) expected {:.4f} from {:.4f}; weights ({}):{}; "
                              "gated out:{}; bands:{}{}",
                              query->symbol.str(), query->timeframe.ToString(), query->horizon_minutes,
                              regime::ToString(p.regime), p.regime_confidence, p.expected_price, outcome->last_close,
                              p.weights_source, weights, gated.empty() ? " none" : gated, bands,
                              p.degraded ? "; DEGRADED: " + p.degraded_reason : "");
                 {
                   // Every served prediction goes to gold, where the drift check measures it.
                   std::lock_guard lock(gold_mutex);
                   if (auto logged = serving::LogPrediction(data_dir, *outcome); !logged) {
                     spdlog::error("prediction not logged to data/gold/predictions: {}", logged.error().ToString());
                   }
                 }
                 const boost::json::object body = outcome->ToJson();
                 // Websocket subscribers of this series get the prediction and the regime.
                 const std::string series = query->symbol.str() + ":" + std::string(query->timeframe.ToString());
                 hub->Publish("predictions:" + series,
                              JsonText(boost::json::object{
                                  {"type", "prediction"}, {"channel", "predictions:" + series}, {"data", body}}));
                 hub->Publish("regime:" + series,
                              JsonText(boost::json::object{
                                  {"type", "regime"},
                                  {"channel", "regime:" + series},
                                  {"data", {{"state", regime::ToString(p.regime)},
                                            {"confidence", p.regime_confidence},
                                            {"ts", FormatIsoUtc(p.data_last_ts)}}}}));
                 return JsonResponse(200, JsonText(body));
               });
}

}  // namespace rc::server
