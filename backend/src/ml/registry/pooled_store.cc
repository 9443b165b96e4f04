#include "ml/registry/pooled_store.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "core/json_fields.h"
#include "core/timeframe.h"
#include "ml/internal/json_io.h"
#include "ml/models/family_registry.h"
#include "ml/pooled/pooled_forecast.h"
#include "ml/registry/experiment_record.h"

namespace rc::ml {
namespace fs = std::filesystem;

namespace {

bool IsPlainId(const std::string& id) {
  return !id.empty() && id.size() < 200 && id.find('/') == std::string::npos && id.find("..") == std::string::npos &&
         id[0] != '.';
}

Status ValidateKey(const std::string& timeframe, int horizon_minutes) {
  RC_ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse(timeframe, "timeframe"));
  if (std::string(tf.ToString()) != timeframe) {
    return InvalidArgument("timeframe", "must be canonical ('" + std::string(tf.ToString()) + "'), got '" + timeframe + "'");
  }
  if (horizon_minutes <= 0) return InvalidArgument("horizon_minutes", "must be positive");
  return Ok();
}

}  // namespace

boost::json::object PooledExperimentParameters(const PooledModelRecord& record) {
  return {{"pooled", boost::json::object{{"model_id", record.id}, {"learner", record.learner}}}};
}

std::string PooledModelIdOf(const ExperimentRecord& record) {
  const auto* pooled = record.parameters.if_contains("pooled");
  if (pooled == nullptr || !pooled->is_object()) return "";
  const auto* id = pooled->as_object().if_contains("model_id");
  return id != nullptr && id->is_string() ? std::string(id->as_string()) : "";
}

bool HasPooledFamily(const ExperimentRecord& record) {
  return std::find(record.families.begin(), record.families.end(), kPooledFamily) != record.families.end();
}

boost::json::object PooledModelRecord::ToJson() const {
  boost::json::array names;
  for (const auto& s : series) names.push_back(boost::json::string(s));
  boost::json::object per_series;
  for (const auto& s : series) {
    auto ratio = oof_mape_ratio.find(s);
    auto n = oof_n.find(s);
    per_series[s] = boost::json::object{
        {"oof_mape_ratio", internal::NumberOrNull(ratio == oof_mape_ratio.end() ? NAN : ratio->second)},
        {"oof_n", n == oof_n.end() ? int64_t{0} : n->second}};
  }
  return {{"id", id},
          {"kind", "pooled"},
          {"timeframe", timeframe},
          {"horizon_minutes", horizon_minutes},
          {"horizon_bars", horizon_bars},
          {"created_at_us", created_at},
          {"learner", learner},
          {"series", std::move(names)},
          {"first_ts", first_ts},
          {"last_ts", last_ts},
          {"train_rows", train_rows},
          {"per_series", std::move(per_series)},
          {"parameters", parameters},
          {"model", model}};
}

Result<PooledModelRecord> PooledModelRecord::FromJson(const boost::json::object& o) {
  PooledModelRecord r;
  const JsonFields f = JsonFields::Stored(o, "pooled record");
  RC_ASSIGN_OR_RETURN(r.id, f.RequiredString("id"));
  RC_ASSIGN_OR_RETURN(r.timeframe, f.RequiredString("timeframe"));
  RC_ASSIGN_OR_RETURN(int64_t hm, f.RequiredInt("horizon_minutes"));
  RC_ASSIGN_OR_RETURN(int64_t hb, f.RequiredInt("horizon_bars"));
  r.horizon_minutes = static_cast<int>(hm);
  r.horizon_bars = static_cast<int>(hb);
  RC_ASSIGN_OR_RETURN(r.created_at, f.RequiredInt("created_at_us"));
  RC_ASSIGN_OR_RETURN(r.learner, f.RequiredString("learner"));
  RC_ASSIGN_OR_RETURN(const boost::json::array* names, f.RequiredArray("series"));
  for (const auto& v : *names) {
    if (!v.is_string()) return f.Bad("series", "must hold strings");
    r.series.emplace_back(v.as_string());
  }
  RC_ASSIGN_OR_RETURN(r.first_ts, f.RequiredInt("first_ts"));
  RC_ASSIGN_OR_RETURN(r.last_ts, f.RequiredInt("last_ts"));
  RC_ASSIGN_OR_RETURN(r.train_rows, f.RequiredInt("train_rows"));
  RC_ASSIGN_OR_RETURN(const boost::json::object* per_series, f.RequiredObject("per_series"));
  for (const auto& kv : *per_series) {
    if (!kv.value().is_object()) return f.Bad("per_series", "must map series to objects");
    const JsonFields one = JsonFields::Stored(kv.value().as_object(), "pooled record.per_series");
    RC_ASSIGN_OR_RETURN(r.oof_mape_ratio[std::string(kv.key())], one.RequiredNumber("oof_mape_ratio"));
    RC_ASSIGN_OR_RETURN(r.oof_n[std::string(kv.key())], one.RequiredInt("oof_n"));
  }
  RC_ASSIGN_OR_RETURN(const boost::json::object* params, f.RequiredObject("parameters"));
  r.parameters = *params;
  RC_ASSIGN_OR_RETURN(const boost::json::object* model, f.RequiredObject("model"));
  r.model = *model;
  if (!IsPlainId(r.id)) return f.Bad("id", "must be a plain folder name");
  if (r.series.size() < 2) return f.Bad("series", "a pooled model spans at least 2 series");
  return r;
}

PooledModelStore::PooledModelStore(fs::path data_dir) : root_(std::move(data_dir) / "experiments" / "pooled") {}

fs::path PooledModelStore::KeyDir(const std::string& timeframe, int horizon_minutes) const {
  return root_ / (timeframe + "-" + std::to_string(horizon_minutes) + "m");
}

Result<std::string> PooledModelStore::Record(PooledModelRecord record, const Model& learner) {
  RC_RETURN_IF_ERROR(ValidateKey(record.timeframe, record.horizon_minutes));
  if (record.series.size() < 2) {
    return InvalidArgument("series", "a pooled model needs at least 2 series, got " + std::to_string(record.series.size()));
  }
  record.id = NewExperimentId(ExperimentKey{"ALL", record.timeframe, record.horizon_minutes}, "pooled",
                              record.created_at);
  const fs::path key_dir = KeyDir(record.timeframe, record.horizon_minutes);
  const fs::path dir = key_dir / record.id;
  if (fs::exists(dir)) return Conflict("pooled model " + record.id + " already exists");
  // Staging folder + rename: a crash never leaves a half-written model.
  const fs::path staging = key_dir / (".staging-" + record.id);
  std::error_code ec;
  fs::remove_all(staging, ec);
  RC_RETURN_IF_ERROR(learner.Save(staging / "model"));
  RC_RETURN_IF_ERROR(internal::WriteJsonFile(staging / "record.json", record.ToJson()));
  fs::rename(staging, dir, ec);
  if (ec) return IoError("publishing " + dir.string() + ": " + ec.message());
  RC_RETURN_IF_ERROR(internal::WriteJsonFile(key_dir / "current.json", boost::json::object{{"id", record.id}}));
  return record.id;
}

Result<std::string> PooledModelStore::CurrentId(const std::string& timeframe, int horizon_minutes) const {
  RC_RETURN_IF_ERROR(ValidateKey(timeframe, horizon_minutes));
  const fs::path path = KeyDir(timeframe, horizon_minutes) / "current.json";
  if (!fs::exists(path)) {
    return NotFound("no pooled model for " + timeframe + " " + std::to_string(horizon_minutes) +
                    " min (train one: regimecast train --pooled)");
  }
  RC_ASSIGN_OR_RETURN(auto value, internal::ReadJsonFile(path));
  if (!value.is_object()) return DataCorrupt("current.json is not an object", path.string());
  RC_ASSIGN_OR_RETURN(std::string id, JsonFields::Stored(value.as_object(), "current.json").RequiredString("id"));
  if (!IsPlainId(id)) return DataCorrupt("current.json names an id that is not a plain folder name", path.string());
  return id;
}

Result<PooledModelRecord> PooledModelStore::LoadRecord(const std::string& timeframe, int horizon_minutes,
                                                       const std::string& id) const {
  RC_RETURN_IF_ERROR(ValidateKey(timeframe, horizon_minutes));
  if (!IsPlainId(id)) return InvalidArgument("id", "must be a plain pooled model id");
  const fs::path path = KeyDir(timeframe, horizon_minutes) / id / "record.json";
  if (!fs::exists(path)) return NotFound("pooled model " + id + " for " + timeframe + " " + std::to_string(horizon_minutes) + " min");
  RC_ASSIGN_OR_RETURN(auto value, internal::ReadJsonFile(path));
  if (!value.is_object()) return DataCorrupt("record.json is not an object", path.string());
  RC_ASSIGN_OR_RETURN(PooledModelRecord record, PooledModelRecord::FromJson(value.as_object()));
  if (record.id != id || record.timeframe != timeframe || record.horizon_minutes != horizon_minutes) {
    return DataCorrupt("record.json describes " + record.id + " (" + record.timeframe + " " +
                           std::to_string(record.horizon_minutes) + " min), not the folder it is in",
                       path.string());
  }
  return record;
}

Result<LoadedPooledModel> PooledModelStore::Load(const std::string& timeframe, int horizon_minutes,
                                                 const std::string& id) const {
  RC_ASSIGN_OR_RETURN(PooledModelRecord record, LoadRecord(timeframe, horizon_minutes, id));
  RC_ASSIGN_OR_RETURN(std::unique_ptr<Model> learner, CreateModel(record.learner, "learner"));
  RC_RETURN_IF_ERROR(learner->Load(KeyDir(timeframe, horizon_minutes) / id / "model"));
  return LoadedPooledModel{std::move(record), std::shared_ptr<const Model>(std::move(learner))};
}

}  // namespace rc::ml
