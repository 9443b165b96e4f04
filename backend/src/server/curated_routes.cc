#include "server/curated_routes.h"

#include <boost/json.hpp>
#include <cmath>
#include <spdlog/spdlog.h>

#include "core/json_fields.h"
#include "core/json_text.h"
#include "core/time.h"
#include "ml/registry/registry.h"
#include "server/app.h"
#include "server/openapi_schemas.h"
#include "serving/runtime.h"

namespace rc::server {
namespace {

constexpr const char* kCurateSchema = R"json({
  "type": "object", "required": ["symbol", "timeframe", "horizon_minutes", "families", "who", "why"],
  "additionalProperties": false,
  "properties": {
    "symbol": {"type": "string"}, "timeframe": {"type": "string"},
    "horizon_minutes": {"type": "integer", "minimum": 1},
    "families": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0},
                 "description": "family -> weight, trained families of the active experiment, summing to 1"},
    "who": {"type": "string", "minLength": 1}, "why": {"type": "string", "minLength": 1}}})json";

constexpr const char* kUncurateSchema = R"json({
  "type": "object", "required": ["who"], "additionalProperties": false,
  "properties": {"who": {"type": "string", "minLength": 1}, "why": {"type": "string"}}})json";

// The registry names weight errors "weights[.family]" (the CLI flag); the API
// field is `families`, as in the stored record.
Error WithApiFieldNames(Error error) {
  if (error.field.rfind("weights", 0) == 0) error.field = "families" + error.field.substr(7);
  return error;
}

Result<std::map<std::string, double>> ReadFamilies(const boost::json::object& body) {
  const boost::json::value* value = body.if_contains("families");
  if (value == nullptr || value->is_null()) return InvalidArgument("families", "is required");
  if (!value->is_object()) return InvalidArgument("families", "must be an object of family -> weight");
  std::map<std::string, double> weights;
  for (const auto& [family, weight] : value->as_object()) {
    const std::string field = "families." + std::string(family);
    if (!weight.is_number()) return InvalidArgument(field, "must be a number");
    const double number = weight.to_number<double>();
    if (!std::isfinite(number) || number < 0) return InvalidArgument(field, "must be a finite number >= 0");
    weights[std::string(family)] = number;
  }
  return weights;
}

// A required string with something in it (who/why are the audit trail).
Result<std::string> RequiredText(const boost::json::object& body, std::string_view name) {
  RC_ASSIGN_OR_RETURN(std::string text, JsonFields::Request(body).RequiredString(name));
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return InvalidArgument(std::string(name), "must not be empty (it is recorded in the audit log)");
  }
  return text;
}

Response CuratedResult(const std::string& data_dir, int status, const std::string& id, const ml::ExperimentKey& key) {
  ml::ExperimentRegistry registry(data_dir);
  auto entry = registry.Entry(key);
  if (!entry) return ErrorResponse(entry.error());
  return JsonResponse(status, JsonText(boost::json::object{
                                  {"id", id}, {"key", key.ToString()}, {"model", entry->ToJson()}}));
}

Response Curate(const Request& request, const std::string& data_dir, serving::Runtime& runtime) {
  auto body = ParseRequestObject(request.body);
  if (!body) return ErrorResponse(body.error());
  const JsonFields fields = JsonFields::Request(*body);
  if (auto s = fields.RejectUnknown({"symbol", "timeframe", "horizon_minutes", "families", "who", "why"}); !s) {
    return ErrorResponse(s.error());
  }
  auto symbol = fields.RequiredString("symbol");
  if (!symbol) return ErrorResponse(symbol.error());
  auto timeframe = fields.RequiredString("timeframe");
  if (!timeframe) return ErrorResponse(timeframe.error());
  auto horizon = fields.OptionalInt("horizon_minutes", 1, kMaxHorizonMinutes);
  if (!horizon) return ErrorResponse(horizon.error());
  if (!*horizon) return ErrorResponse(Error{ErrorCode::kInvalidArgument, "is required", "horizon_minutes"});
  auto key = ml::ExperimentKey::FromInput(*symbol, *timeframe, **horizon);
  if (!key) return ErrorResponse(key.error());
  auto families = ReadFamilies(*body);
  if (!families) return ErrorResponse(families.error());
  auto who = RequiredText(*body, "who");
  if (!who) return ErrorResponse(who.error());
  auto why = RequiredText(*body, "why");
  if (!why) return ErrorResponse(why.error());

  // Through the runtime: registry writes are serialised and the series reload their weights.
  auto id = runtime.WithRegistry(
      [&] { return ml::ExperimentRegistry(data_dir).Curate(*key, *families, *who, *why, NowMicros()); });
  if (!id) return ErrorResponse(WithApiFieldNames(id.error()));
  spdlog::info("curated experiment {} overrides {} (by {}: {})", *id, key->ToString(), *who, *why);
  Response response = CuratedResult(data_dir, 201, *id, *key);
  response.headers.emplace_back("Location", "/api/experiments/" + *id);
  return response;
}

Response Uncurate(const Request& request, const std::string& data_dir, serving::Runtime& runtime) {
  auto body = ParseRequestObject(request.body);
  if (!body) return ErrorResponse(body.error());
  const JsonFields fields = JsonFields::Request(*body);
  if (auto s = fields.RejectUnknown({"who", "why"}); !s) return ErrorResponse(s.error());
  auto who = RequiredText(*body, "who");
  if (!who) return ErrorResponse(who.error());
  auto why = fields.OptionalString("why");
  if (!why) return ErrorResponse(why.error());

  const std::string& id = request.path_params.at("id");
  // Through the runtime: registry writes are serialised and the series reload their weights.
  auto removed = runtime.WithRegistry([&]() -> Result<ml::ExperimentKey> {
    ml::ExperimentRegistry registry(data_dir);
    RC_ASSIGN_OR_RETURN(auto index, registry.ReadIndex());
    for (const auto& [key, entry] : index) {
      if (!entry.curated || entry.curated->experiment_id != id) continue;
      RC_RETURN_IF_ERROR(registry.Uncurate(key, *who, why->value_or(""), NowMicros()));
      return key;
    }
    return tl::unexpected(Error{ErrorCode::kNotFound, "no series is overridden by curated experiment '" + id + "'", "id"});
  });
  if (!removed) return ErrorResponse(removed.error());
  spdlog::info("curated override {} of {} removed by {}", id, removed->ToString(), *who);
  return CuratedResult(data_dir, 200, id, *removed);
}

}  // namespace

void AddCuratedRoutes(App& app, serving::Runtime& runtime) {
  const std::string data_dir = app.settings().data_dir;
  app.AddRoute({"POST", "/api/experiments/curated",
                "Override a series' gating weights with hand-set `families` weights (curated experiment; who/why "
                "required, audited)",
                "models", {}, kCurateSchema, CuratedResultSchema(), "application/json", true},
               [data_dir, &runtime](const Request& request) { return Curate(request, data_dir, runtime); });
  app.AddRoute({"DELETE", "/api/experiments/curated/{id}",
                "Remove a curated override (computed weights apply again; the experiment stays for the audit)",
                "models", {{"id", "path", "string", true, "the curated experiment's id"}}, kUncurateSchema,
                CuratedResultSchema(), "application/json", true},
               [data_dir, &runtime](const Request& request) { return Uncurate(request, data_dir, runtime); });
}

}  // namespace rc::server
