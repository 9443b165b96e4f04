#include "server/model_routes.h"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "core/json_fields.h"
#include "core/json_text.h"
#include "core/logging.h"
#include "core/settings.h"
#include "ml/registry/registry.h"
#include "server/app.h"
#include "server/openapi_schemas.h"
#include "server/pooled_fields.h"
#include "serving/runtime.h"

namespace rc::server {
namespace {

constexpr const char* kTrainSchema = R"json({
  "type": "object", "required": ["bot_name"], "additionalProperties": false,
  "description": "One series (symbol and timeframe) or many (series) in one train_batch job",
  "properties": {
    "bot_name": {"type": "string", "description": "orchestrator (every family) or one family"},
    "symbol": {"type": "string"}, "timeframe": {"type": "string"},
    "series": {"oneOf": [{"type": "string", "enum": ["all"]},
                         {"type": "array", "items": {"type": "string"}, "maxItems": 1000}],
               "description": "\"all\" (the WATCHLIST) or SYMBOL:TF entries; trained in parallel on TRAINING_WORKERS threads"},
    "horizon_minutes": {"type": "integer", "minimum": 1,
                        "description": "default: the first of HORIZONS_MINUTES (one series), every one of them (series)"},
    "folds": {"type": "integer", "minimum": 1, "maximum": 50},
    "min_train_rows": {"type": "integer", "minimum": 50},
    "until": {"type": "string", "format": "date-time"},
    "pooled": {"type": "boolean",
               "description": "true: fit the pooled (global) model once per horizon over every series of the lake at timeframe (or of series), store it once in the registry, and train each of those series with the pooled family competing (bot_name orchestrator, no symbol; at least 2 series of one timeframe); a train_pooled job"},
    "pooled_learner": {"type": "string", "enum": ["ridge", "gbdt"], "description": "with pooled: the pooled learner (default ridge)"}}})json";

constexpr const char* kClearSchema = R"json({
  "type": "object", "additionalProperties": false,
  "properties": {
    "older_than_days": {"type": "integer", "minimum": 0, "description": "absent: every unprotected experiment"},
    "dry_run": {"type": "boolean"}, "who": {"type": "string"}}})json";

constexpr size_t kMaxTrainSeries = 1000;

// A training request body: one series, or many for one train_batch job.
struct TrainBody {
  std::vector<serving::TrainRequest> requests;
  bool batch = false;
  std::optional<serving::PooledTrainRequest> pooled;  // {"pooled": true}: one train_pooled job instead
};

// The "series" field: "all" (the watchlist) or a list of SYMBOL:TF entries.
Result<std::vector<WatchedSeries>> ParseTrainSeries(const boost::json::value& value, const Settings& settings) {
  if (value.is_string()) {
    if (value.as_string() != "all") return InvalidArgument("series", "must be \"all\" or a list of SYMBOL:TF entries");
    return ParseWatchlist(settings);
  }
  if (!value.is_array()) return InvalidArgument("series", "must be \"all\" or a list of SYMBOL:TF entries");
  const boost::json::array& entries = value.as_array();
  if (entries.empty()) return InvalidArgument("series", "must name at least one series");
  if (entries.size() > kMaxTrainSeries) {
    return InvalidArgument("series", "at most " + std::to_string(kMaxTrainSeries) + " entries");
  }
  std::vector<WatchedSeries> out;
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string field = "series[" + std::to_string(i) + "]";
    if (!entries[i].is_string()) return InvalidArgument(field, "must be a SYMBOL:TF string");
    RC_ASSIGN_OR_RETURN(WatchedSeries series, ParseWatchedSeries(std::string(entries[i].as_string()), field));
    out.push_back(std::move(series));
  }
  return out;
}

// {"pooled": true}: the series (every one of the lake at "timeframe", or the
// "series" given, all of one timeframe) and horizons of one pooled run, with
// the `pooled` options ParsePooledFields read.
Result<serving::PooledTrainRequest> ParsePooledTrain(const boost::json::object& body, const Settings& settings,
                                                     const std::string& bot, std::optional<int64_t> horizon,
                                                     ml::PooledOptions pooled, std::optional<int64_t> until) {
  if (bot != "orchestrator") {
    return InvalidArgument("bot_name", "pooled training trains every family (orchestrator), got '" + bot.substr(0, 40) + "'");
  }
  if (body.contains("symbol")) {
    return InvalidArgument("symbol", "pooled training spans several series: give timeframe (every series of the "
                                     "lake) or series, not one symbol");
  }
  serving::PooledTrainRequest out;
  out.horizons_minutes = horizon ? std::vector<int>{static_cast<int>(*horizon)} : settings.horizons_minutes;
  out.pooled = std::move(pooled);
  out.until = until;
  if (const boost::json::value* series = body.if_contains("series")) {
    if (body.contains("timeframe")) return InvalidArgument("series", "give either timeframe or series, not both");
    RC_ASSIGN_OR_RETURN(auto watched, ParseTrainSeries(*series, settings));
    if (watched.empty()) return InvalidArgument("series", "names no series");
    out.timeframe = watched.front().timeframe;
    for (const WatchedSeries& w : watched) {
      if (w.timeframe != out.timeframe) {
        return InvalidArgument("series", "pooled training takes series of one timeframe, got " +
                                             std::string(out.timeframe.ToString()) + " and " +
                                             std::string(w.timeframe.ToString()));
      }
      out.symbols.push_back(w.symbol);
    }
    return out;
  }
  const JsonFields fields = JsonFields::Request(body);
  RC_ASSIGN_OR_RETURN(std::string tf_text, fields.RequiredString("timeframe"));
  RC_ASSIGN_OR_RETURN(out.timeframe, Timeframe::Parse(tf_text, "timeframe"));
  return out;
}

Result<TrainBody> ParseTrain(const Request& request, const Settings& settings) {
  RC_ASSIGN_OR_RETURN(boost::json::object body, ParseRequestObject(request.body));
  const JsonFields fields = JsonFields::Request(body);
  RC_RETURN_IF_ERROR(fields.RejectUnknown(
      {"bot_name", "symbol", "timeframe", "series", "horizon_minutes", "folds", "min_train_rows", "until", "pooled",
       "pooled_learner"}));
  RC_ASSIGN_OR_RETURN(std::string bot, fields.RequiredString("bot_name"));
  RC_ASSIGN_OR_RETURN(auto horizon, fields.OptionalInt("horizon_minutes", 1, kMaxHorizonMinutes));
  RC_ASSIGN_OR_RETURN(auto folds, fields.OptionalInt("folds", 1, 50));
  RC_ASSIGN_OR_RETURN(auto min_rows, fields.OptionalInt("min_train_rows", 50, 100'000'000));
  RC_ASSIGN_OR_RETURN(std::optional<int64_t> until, fields.OptionalTime("until"));
  RC_ASSIGN_OR_RETURN(std::optional<ml::PooledOptions> pooled, ParsePooledFields(fields));
  TrainBody out;
  if (pooled) {
    RC_ASSIGN_OR_RETURN(out.pooled, ParsePooledTrain(body, settings, bot, horizon, std::move(*pooled), until));
    if (folds) out.pooled->folds = static_cast<int>(*folds);
    if (min_rows) out.pooled->min_train_rows = static_cast<int>(*min_rows);
    if (auto valid = serving::ValidatePooledTrainRequest(*out.pooled); !valid) {
      Error error = valid.error();
      if (error.field == "symbols") error.field = "series";
      return tl::unexpected(error);
    }
    return out;
  }
  if (const boost::json::value* series = body.if_contains("series")) {
    if (body.contains("symbol") || body.contains("timeframe")) {
      return InvalidArgument("series", "give either symbol and timeframe (one series) or series, not both");
    }
    RC_ASSIGN_OR_RETURN(auto watched, ParseTrainSeries(*series, settings));
    const std::vector<int> horizons =
        horizon ? std::vector<int>{static_cast<int>(*horizon)} : settings.horizons_minutes;
    out.requests = serving::RequestsForSeries(watched, horizons, bot);
    out.batch = true;
  } else {
    RC_ASSIGN_OR_RETURN(std::string symbol_text, fields.RequiredString("symbol"));
    RC_ASSIGN_OR_RETURN(std::string tf_text, fields.RequiredString("timeframe"));
    RC_ASSIGN_OR_RETURN(Symbol symbol, Symbol::Parse(symbol_text, "symbol"));
    RC_ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse(tf_text, "timeframe"));
    out.requests.push_back(
        serving::TrainRequest{symbol, tf, static_cast<int>(horizon.value_or(settings.horizons_minutes.front())), bot});
  }
  for (serving::TrainRequest& train : out.requests) {
    if (folds) train.folds = static_cast<int>(*folds);
    if (min_rows) train.min_train_rows = static_cast<int>(*min_rows);
    train.until = until;
    // Reject what would fail in the job now, while the caller is still listening.
    auto valid = serving::ValidateTrainRequest(train);
    if (!valid) {
      Error error = valid.error();
      if (error.field == "bot") error.field = "bot_name";
      return tl::unexpected(error);
    }
  }
  return out;
}

boost::json::object ExperimentSummary(const ml::ExperimentRecord& r) {
  return boost::json::object{{"id", r.id},
                             {"kind", r.kind},
                             {"symbol", r.key.symbol},
                             {"timeframe", r.key.timeframe},
                             {"horizon_minutes", r.key.horizon_minutes},
                             {"created_at", FormatIsoUtc(r.created_at)},
                             {"champion", r.champion},
                             {"challenger", r.challenger},
                             {"primary_metric", r.primary_metric},
                             {"silver_version", r.data.lake_table_version}};
}

}  // namespace

void AddModelRoutes(App& app, serving::Runtime& runtime) {
  const std::string data_dir = app.settings().data_dir;
  const Settings& settings = app.settings();
  serving::JobRunner& jobs = runtime.jobs();

  app.AddRoute({"POST", "/api/prediction/train",
                "Retrain (runbook: bot_name=\"orchestrator\") one series, or many (series: \"all\" or a list) in "
                "parallel, or (pooled: true) the pooled model across series and then each of them; runs as a "
                "background job, answers 202 with the job",
                "models", {}, kTrainSchema, JobSchema(), "application/json", true},
               [&runtime, &jobs, &settings](const Request& request) {
                 auto train = ParseTrain(request, settings);
                 if (!train) return ErrorResponse(train.error());
                 auto id = train->pooled  ? runtime.SubmitPooledTraining(*train->pooled, "api")
                            : train->batch ? runtime.SubmitBatchTraining(train->requests, "api")
                                           : runtime.SubmitTraining(train->requests.front(), "api");
                 if (!id) return ErrorResponse(id.error());
                 Response response = JsonResponse(202, JsonText(jobs.Get(*id)->ToJson()));
                 response.headers.emplace_back("Location", "/api/jobs/" + *id);
                 return response;
               });

  app.AddRoute({"GET", "/api/jobs", "Background jobs, newest first", "models", {}, "", JobsResponseSchema()},
               [&jobs](const Request&) {
                 boost::json::array items;
                 for (const auto& job : jobs.List()) items.push_back(job.ToJson());
                 return JsonResponse(200, JsonText(boost::json::object{{"jobs", std::move(items)}}));
               });

  app.AddRoute({"GET", "/api/jobs/{id}", "One background job", "models", {{"id", "path"}}, "", JobSchema()},
               [&jobs](const Request& request) {
                 auto job = jobs.Get(request.path_params.at("id"));
                 if (!job) return ErrorResponse(Error{ErrorCode::kNotFound, "no such job", "id"});
                 return JsonResponse(200, JsonText(job->ToJson()));
               });

  app.AddRoute({"GET", "/api/models", "Champion, challenger, active weights and curated override per series",
                "models", {}, "", ModelsResponseSchema()},
               [data_dir](const Request&) {
                 ml::ExperimentRegistry registry(data_dir);
                 auto index = registry.ReadIndex();
                 if (!index) return ErrorResponse(index.error());
                 boost::json::array items;
                 for (const auto& [key, entry] : *index) items.push_back(entry.ToJson());
                 return JsonResponse(200, JsonText(boost::json::object{{"models", std::move(items)}}));
               });

  app.AddRoute({"POST", "/api/models/clear",
                "Prune experiments (backs up data/experiments first; keeps champion, challenger, curated)", "models", {},
                kClearSchema, ClearModelsResponseSchema(), "application/json", true},
               [data_dir, &runtime](const Request& request) {
                 std::optional<int64_t> days;
                 bool dry_run = false;
                 std::string who = "api";
                 if (!request.body.empty()) {
                   auto body = ParseRequestObject(request.body);
                   if (!body) return ErrorResponse(body.error());
                   const JsonFields fields = JsonFields::Request(*body);
                   if (auto s = fields.RejectUnknown({"older_than_days", "dry_run", "who"}); !s) {
                     return ErrorResponse(s.error());
                   }
                   auto parsed_days = fields.OptionalInt("older_than_days", 0, 36500);
                   if (!parsed_days) return ErrorResponse(parsed_days.error());
                   days = *parsed_days;
                   auto parsed_dry_run = fields.OptionalBool("dry_run");
                   if (!parsed_dry_run) return ErrorResponse(parsed_dry_run.error());
                   dry_run = parsed_dry_run->value_or(false);
                   auto parsed_who = fields.OptionalString("who");
                   if (!parsed_who) return ErrorResponse(parsed_who.error());
                   if (*parsed_who) who = **parsed_who;
                 }
                 auto report = runtime.WithRegistry([&] {
                   ml::ExperimentRegistry registry(data_dir);
                   return registry.Prune(days ? std::optional<int>(static_cast<int>(*days)) : std::nullopt, dry_run,
                                         NowMicros(), who);
                 });
                 if (!report) return ErrorResponse(report.error());
                 boost::json::array removed;
                 for (const auto& id : report->removed) removed.push_back(boost::json::string(id));
                 boost::json::object kept;
                 for (const auto& [id, why] : report->kept) kept[id] = why;
                 spdlog::info("models/clear by {}: {} removed{}, backup {}", who, report->removed.size(),
                              dry_run ? " (dry run)" : "", report->backup_path.empty() ? "-" : report->backup_path);
                 return JsonResponse(200, JsonText(boost::json::object{
                                              {"dry_run", report->dry_run},
                                              {"removed", std::move(removed)},
                                              {"kept", std::move(kept)},
                                              {"backup", report->backup_path}}));
               });

  app.AddRoute({"GET", "/api/experiments", "Every experiment, oldest first", "models", {}, "", ExperimentsResponseSchema()},
               [data_dir](const Request&) {
                 ml::ExperimentRegistry registry(data_dir);
                 auto list = registry.List();
                 if (!list) return ErrorResponse(list.error());
                 boost::json::array items;
                 for (const auto& record : *list) items.push_back(ExperimentSummary(record));
                 return JsonResponse(200, JsonText(boost::json::object{{"experiments", std::move(items)}}));
               });

  app.AddRoute({"GET", "/api/experiments/{id}", "One experiment's full record", "models", {{"id", "path"}}, "", ExperimentRecordSchema()},
               [data_dir](const Request& request) {
                 ml::ExperimentRegistry registry(data_dir);
                 auto record = registry.Load(request.path_params.at("id"));
                 if (!record) return ErrorResponse(record.error());
                 return JsonResponse(200, JsonText(record->ToJson()));
               });
}

}  // namespace rc::server
