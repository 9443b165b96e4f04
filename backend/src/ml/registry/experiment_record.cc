#include "ml/registry/experiment_record.h"

#include <boost/json.hpp>
#include <cstdio>
#include <random>

#include "core/json_fields.h"
#include "core/symbol.h"
#include "core/time.h"
#include "core/timeframe.h"
#include "features/targets.h"
#include "ml/internal/json_io.h"

namespace rc::ml {
namespace {

boost::json::object FamilyMetricsJson(const FamilyResult& fr) {
  boost::json::array folds;
  for (size_t k = 0; k < fr.fold_metrics.size(); ++k) {
    boost::json::object regimes;
    if (k < fr.fold_regime_metrics.size()) {
      for (const auto& [r, m] : fr.fold_regime_metrics[k]) regimes[regime::ToString(r)] = m.ToJson();
    }
    boost::json::object f = fr.fold_metrics[k].ToJson();
    f["regimes"] = regimes;
    folds.push_back(f);
  }
  boost::json::object regimes;
  for (const auto& [r, m] : fr.regime_metrics) regimes[regime::ToString(r)] = m.ToJson();
  return {{"ok", fr.ok},
          {"error", fr.error},
          {"overall", fr.overall.ToJson()},
          {"regimes", regimes},
          {"folds", folds},
          {"primary_mean", internal::NumberOrNull(fr.primary_mean)},
          {"model", fr.description}};
}

// Every option the bands were calibrated with, so a record says which method made them.
boost::json::object BandOptionsJson(const BandOptions& bands) {
  boost::json::array levels;
  for (double l : bands.levels) levels.push_back(l);
  return {{"levels", std::move(levels)},
          {"regime_method", RegimeBandMethodName(bands.regime_method)},
          {"tail_pseudo_count", bands.tail_pseudo_count},
          {"min_regime_residuals", bands.min_regime_residuals},
          {"min_scaled_regime_residuals", bands.min_scaled_regime_residuals},
          {"regime_shrinkage", bands.regime_shrinkage},
          {"volatility_scaled", bands.volatility_scaled},
          {"session_profile", bands.session_profile},
          {"scale_weight", bands.scale_weight}};
}

}  // namespace

std::string ExperimentKey::ToString() const {
  return symbol + "|" + timeframe + "|" + std::to_string(horizon_minutes);
}

Result<ExperimentKey> ExperimentKey::Parse(const std::string& text) {
  auto a = text.find('|');
  auto b = a == std::string::npos ? a : text.find('|', a + 1);
  if (b == std::string::npos) return InvalidArgument("key", "expected SYMBOL|TIMEFRAME|HORIZON, got '" + text + "'");
  ExperimentKey k{text.substr(0, a), text.substr(a + 1, b - a - 1), std::atoi(text.c_str() + b + 1)};
  if (k.horizon_minutes <= 0) return InvalidArgument("key", "horizon must be positive in '" + text + "'");
  return k;
}

Result<ExperimentKey> ExperimentKey::FromInput(std::string_view symbol, std::string_view timeframe,
                                               int64_t horizon_minutes) {
  RC_ASSIGN_OR_RETURN(Symbol parsed_symbol, Symbol::Parse(symbol, "symbol"));
  RC_ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse(timeframe, "timeframe"));
  if (horizon_minutes <= 0 || horizon_minutes > kMaxHorizonMinutes) {
    return InvalidArgument("horizon_minutes", "must be between 1 and " + std::to_string(kMaxHorizonMinutes) +
                                                  " minutes, got " + std::to_string(horizon_minutes));
  }
  RC_RETURN_IF_ERROR(features::HorizonBars(tf, static_cast<int>(horizon_minutes)));
  return ExperimentKey{std::string(parsed_symbol.ToString()), std::string(tf.ToString()),
                       static_cast<int>(horizon_minutes)};
}

std::string NewExperimentId(const ExperimentKey& key, const std::string& kind, int64_t now) {
  std::string iso = FormatIsoUtc(now - now % kMicrosPerSecond);  // 2024-06-07T10:15:00Z
  std::string compact;
  for (char c : iso)
    if (c != '-' && c != ':') compact += c;
  static thread_local std::mt19937_64 rng(std::random_device{}());
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%04x", static_cast<unsigned>(rng() & 0xffff));
  return compact + "-" + kind + "-" + key.symbol + "-" + key.timeframe + "-" + std::to_string(key.horizon_minutes) +
         "m-" + suffix;
}

boost::json::object ExperimentRecord::ToJson() const {
  boost::json::array feats, fams, fold_arr;
  for (const auto& f : feature_names) feats.push_back(boost::json::string(f));
  for (const auto& f : families) fams.push_back(boost::json::string(f));
  boost::json::object failed_obj, primary;
  for (const auto& [f, why] : failed) failed_obj[f] = why;
  for (const auto& [f, v] : primary_by_family) primary[f] = internal::NumberOrNull(v);
  boost::json::object o{
      {"id", id},
      {"kind", kind},
      {"symbol", key.symbol},
      {"timeframe", key.timeframe},
      {"horizon_minutes", key.horizon_minutes},
      {"horizon_bars", horizon_bars},
      {"created_at", FormatIsoUtc(created_at)},
      {"created_at_us", created_at},
      {"data",
       {{"lake_table_version", data.lake_table_version},
        {"silver_identity", data.silver_identity},
        {"first_ts", data.first_ts},
        {"last_ts", data.last_ts},
        {"rows", data.rows}}},
      {"parameters", parameters},
      {"feature_names", feats},
      {"families", fams},
      {"failed", failed_obj},
      {"primary_metric", primary_metric},
      {"primary_by_family", primary},
      {"champion", champion},
      {"challenger", challenger},
      {"gating", gating.ToJson()},
      {"calibration", calibration.ToJson()},
      {"metrics", metrics},
      {"folds", folds},
  };
  if (curated) {
    boost::json::object w;
    for (const auto& [f, v] : curated->weights) w[f] = v;
    o["curated"] = boost::json::object{{"families", w},
                                       {"who", curated->who},
                                       {"why", curated->why},
                                       {"when", FormatIsoUtc(curated->when)},
                                       {"when_us", curated->when},
                                       {"base_experiment", curated->base_experiment}};
  }
  return o;
}

Result<ExperimentRecord> ExperimentRecord::FromJson(const boost::json::object& o) {
  ExperimentRecord r;
  const JsonFields record = JsonFields::Stored(o, "record");
  RC_ASSIGN_OR_RETURN(r.id, record.RequiredString("id"));
  RC_ASSIGN_OR_RETURN(r.kind, record.RequiredString("kind"));
  RC_ASSIGN_OR_RETURN(r.key.symbol, record.RequiredString("symbol"));
  RC_ASSIGN_OR_RETURN(r.key.timeframe, record.RequiredString("timeframe"));
  RC_ASSIGN_OR_RETURN(int64_t hm, record.RequiredInt("horizon_minutes"));
  r.key.horizon_minutes = static_cast<int>(hm);
  RC_ASSIGN_OR_RETURN(int64_t hb, record.RequiredInt("horizon_bars"));
  r.horizon_bars = static_cast<int>(hb);
  RC_ASSIGN_OR_RETURN(r.created_at, record.RequiredInt("created_at_us"));
  RC_ASSIGN_OR_RETURN(const boost::json::object* d, record.RequiredObject("data"));
  const JsonFields data = JsonFields::Stored(*d, "record.data");
  RC_ASSIGN_OR_RETURN(r.data.lake_table_version, data.RequiredString("lake_table_version"));
  RC_ASSIGN_OR_RETURN(r.data.silver_identity, data.RequiredString("silver_identity"));
  RC_ASSIGN_OR_RETURN(r.data.first_ts, data.RequiredInt("first_ts"));
  RC_ASSIGN_OR_RETURN(r.data.last_ts, data.RequiredInt("last_ts"));
  RC_ASSIGN_OR_RETURN(r.data.rows, data.RequiredInt("rows"));
  RC_ASSIGN_OR_RETURN(const boost::json::object* params, record.RequiredObject("parameters"));
  r.parameters = *params;
  RC_ASSIGN_OR_RETURN(const boost::json::array* feats, record.RequiredArray("feature_names"));
  for (const auto& v : *feats) r.feature_names.emplace_back(v.as_string());
  RC_ASSIGN_OR_RETURN(const boost::json::array* fams, record.RequiredArray("families"));
  for (const auto& v : *fams) r.families.emplace_back(v.as_string());
  RC_ASSIGN_OR_RETURN(const boost::json::object* failed, record.RequiredObject("failed"));
  for (const auto& kv : *failed) r.failed[std::string(kv.key())] = kv.value().is_string() ? std::string(kv.value().as_string()) : "";
  RC_ASSIGN_OR_RETURN(r.primary_metric, record.RequiredString("primary_metric"));
  RC_ASSIGN_OR_RETURN(const boost::json::object* prim, record.RequiredObject("primary_by_family"));
  for (const auto& kv : *prim) r.primary_by_family[std::string(kv.key())] = JsonNumberOrNaN(kv.value());
  RC_ASSIGN_OR_RETURN(r.champion, record.RequiredString("champion"));
  RC_ASSIGN_OR_RETURN(r.challenger, record.RequiredString("challenger"));
  RC_ASSIGN_OR_RETURN(const boost::json::object* gating, record.RequiredObject("gating"));
  RC_ASSIGN_OR_RETURN(r.gating, GatingTable::FromJson(*gating));
  RC_ASSIGN_OR_RETURN(const boost::json::object* cal, record.RequiredObject("calibration"));
  RC_ASSIGN_OR_RETURN(r.calibration, BandCalibration::FromJson(*cal));
  RC_ASSIGN_OR_RETURN(const boost::json::object* metrics, record.RequiredObject("metrics"));
  r.metrics = *metrics;
  RC_ASSIGN_OR_RETURN(const boost::json::array* folds, record.RequiredArray("folds"));
  r.folds = *folds;
  if (auto* c = o.if_contains("curated"); c && c->is_object()) {
    CuratedInfo ci;
    const JsonFields curated = JsonFields::Stored(c->as_object(), "record.curated");
    RC_ASSIGN_OR_RETURN(const boost::json::object* cw, curated.RequiredObject("families"));
    for (const auto& kv : *cw) ci.weights[std::string(kv.key())] = JsonNumberOrNaN(kv.value());
    RC_ASSIGN_OR_RETURN(ci.who, curated.RequiredString("who"));
    RC_ASSIGN_OR_RETURN(ci.why, curated.RequiredString("why"));
    RC_ASSIGN_OR_RETURN(ci.when, curated.RequiredInt("when_us"));
    RC_ASSIGN_OR_RETURN(ci.base_experiment, curated.RequiredString("base_experiment"));
    r.curated = ci;
  }
  return r;
}

ExperimentRecord MakeExperimentRecord(const TrainingResult& result, const ExperimentKey& key, const std::string& kind,
                                      const DataVersion& data, const WalkForwardOptions& o, int64_t now) {
  ExperimentRecord r;
  r.id = NewExperimentId(key, kind, now);
  r.kind = kind;
  r.key = key;
  r.horizon_bars = result.horizon_bars;
  r.created_at = now;
  r.data = data;
  if (r.data.rows == 0) {
    r.data.first_ts = result.first_ts;
    r.data.last_ts = result.last_ts;
    r.data.rows = result.rows;
  }
  boost::json::array fams_opt;
  for (const auto& f : o.families) fams_opt.push_back(boost::json::string(f));
  r.parameters = {{"folds", o.folds},
                  {"min_train_rows", o.min_train_rows},
                  {"families", fams_opt},
                  {"primary_metric", o.primary_metric},
                  {"purge_gap_bars", result.horizon_bars},
                  {"seed", o.seed},
                  {"gating",
                   {{"temperature", o.gating.temperature},
                    {"champion_bias", o.gating.champion_bias},
                    {"floor", o.gating.floor},
                    {"min_regime_samples", o.gating.min_regime_samples}}},
                  {"bands", BandOptionsJson(o.bands)}};
  r.feature_names = result.feature_names;
  r.primary_metric = result.primary_metric;
  for (const FamilyResult& fr : result.families) {
    if (fr.ok && fr.final_model) {
      r.families.push_back(fr.family);
      r.primary_by_family[fr.family] = fr.primary_mean;
    } else if (!fr.ok) {
      r.failed[fr.family] = fr.error;
    }
    r.metrics[fr.family] = FamilyMetricsJson(fr);
  }
  r.metrics["ensemble"] = FamilyMetricsJson(result.ensemble);
  r.champion = result.champion;
  r.challenger = result.challenger;
  r.gating = result.gating;
  r.calibration = result.calibration;
  for (const FoldPlan& f : result.folds) {
    r.folds.push_back(boost::json::object{{"index", f.index},
                                          {"train_begin", f.train_begin},
                                          {"train_end", f.train_end},
                                          {"test_begin", f.test_begin},
                                          {"test_end", f.test_end},
                                          {"train_last_ts", FormatIsoUtc(f.train_last_ts)},
                                          {"test_first_ts", FormatIsoUtc(f.test_first_ts)},
                                          {"test_last_ts", FormatIsoUtc(f.test_last_ts)}});
  }
  return r;
}

}  // namespace rc::ml
