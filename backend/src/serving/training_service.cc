#include "serving/training_service.h"

#include <spdlog/spdlog.h>

#include "ml/dataset.h"
#include "ml/models/family_registry.h"
#include "ml/registry/experiment_record.h"
#include "ml/registry/registry.h"
#include "ml/silver_source.h"
#include "serving/pooled_training.h"

namespace rc::serving {

Result<SeriesDataset> LoadSeriesDataset(const std::string& data_dir, const Symbol& symbol, Timeframe timeframe,
                                        int horizon_minutes, const ml::SilverQuery& query) {
  RC_ASSIGN_OR_RETURN(int horizon_bars, ml::HorizonBars(timeframe, horizon_minutes));
  RC_ASSIGN_OR_RETURN(ml::SilverSlice slice, ml::LoadSilver(data_dir, symbol, timeframe, query));
  ml::DatasetSpec spec;
  spec.feature_names = slice.model_features;
  spec.horizon_bars = horizon_bars;
  spec.target_column = ml::TargetColumnName(horizon_minutes);
  RC_ASSIGN_OR_RETURN(ml::Dataset dataset, ml::BuildDataset(slice.table, spec));
  return SeriesDataset{std::move(dataset), slice.silver_version, slice.feature_set_version};
}

Status ValidateTrainRequest(const TrainRequest& request) {
  if (request.bot != "orchestrator" && !ml::IsKnownFamily(request.bot)) {
    std::string names = "orchestrator";
    for (const auto& name : ml::FamilyNames()) names += ", " + name;
    return InvalidArgument("bot", "unknown bot '" + request.bot.substr(0, 40) + "', expected one of " + names);
  }
  if (request.folds < 1 || request.folds > 50) return InvalidArgument("folds", "must be in 1..50");
  if (request.min_train_rows < 50) return InvalidArgument("min_train_rows", "must be at least 50");
  if (request.family_threads < 1 || request.family_threads > 16) {
    return InvalidArgument("family_threads", "must be in 1..16");
  }
  RC_RETURN_IF_ERROR(ml::HorizonBars(request.timeframe, request.horizon_minutes));
  return Ok();
}

Result<TrainOutcome> Train(const std::string& data_dir, const TrainRequest& request, Mutex* registry_mutex) {
  RC_RETURN_IF_ERROR(ValidateTrainRequest(request));
  ml::SilverQuery query;
  query.closed_by = request.until;  // train on what was known at `until`
  // A series the pooled model covers keeps its pooled family when retrained.
  auto pooled = PooledRetrainInputFor(data_dir, request, query);
  if (pooled && *pooled) return TrainOnDataset(data_dir, request, (*pooled)->dataset, (*pooled)->parameters, registry_mutex);
  if (!pooled) {
    spdlog::warn("training {} {} +{}m without the pooled family: {}", request.symbol.str(),
                 request.timeframe.ToString(), request.horizon_minutes, pooled.error().ToString());
  }
  RC_ASSIGN_OR_RETURN(SeriesDataset series,
                      LoadSeriesDataset(data_dir, request.symbol, request.timeframe, request.horizon_minutes, query));
  return TrainOnDataset(data_dir, request, series, {}, registry_mutex);
}

Result<TrainOutcome> TrainOnDataset(const std::string& data_dir, const TrainRequest& request,
                                    const SeriesDataset& series, const boost::json::object& extra_parameters,
                                    Mutex* registry_mutex) {
  RC_RETURN_IF_ERROR(ValidateTrainRequest(request));
  const ml::Dataset& dataset = series.dataset;
  ml::WalkForwardOptions options;
  options.folds = request.folds;
  options.min_train_rows = request.min_train_rows;
  options.max_parallel = request.family_threads;
  const bool orchestrator = request.bot == "orchestrator";
  if (!orchestrator) options.families = {request.bot};
  RC_ASSIGN_OR_RETURN(ml::TrainingResult result, ml::RunWalkForward(dataset, options));
  const ml::ExperimentKey key{request.symbol.str(), std::string(request.timeframe.ToString()),
                              request.horizon_minutes};
  const ml::DataVersion data{std::to_string(series.silver_version),
                             "silver/features@" + std::to_string(series.silver_version) + " " + key.ToString() + " " +
                                 series.feature_set_version,
                             result.first_ts, result.last_ts, result.rows};
  ml::ExperimentRegistry registry(data_dir);
  auto record =
      ml::MakeExperimentRecord(result, key, orchestrator ? "orchestrator" : "single", data, options, NowMicros());
  for (const auto& [name, value] : extra_parameters) record.parameters[name] = value;
  if (registry_mutex == nullptr) {
    RC_ASSIGN_OR_RETURN(std::string id, registry.Record(record, &result));
    return TrainOutcome{std::move(id), std::move(result), series.silver_version};
  }
  MutexLock recording(*registry_mutex);
  RC_ASSIGN_OR_RETURN(std::string id, registry.Record(record, &result));
  return TrainOutcome{std::move(id), std::move(result), series.silver_version};
}

boost::json::object TrainOutcome::SummaryJson() const {
  boost::json::object families;
  auto add = [&](const ml::FamilyResult& f) {
    if (!f.ok) {
      families[f.family] = boost::json::object{{"ok", false}, {"error", f.error}};
      return;
    }
    boost::json::object bands;
    for (const auto& band : f.overall.bands) {
      bands[std::to_string(static_cast<int>(band.level * 100 + 0.5))] =
          boost::json::object{{"coverage", band.coverage}, {"mean_width", band.mean_width}};
    }
    families[f.family] = boost::json::object{{"ok", true},
                                             {"mape", f.overall.mape},
                                             {"rmse", f.overall.rmse},
                                             {"directional_accuracy", f.overall.directional_accuracy},
                                             {"bands", std::move(bands)}};
  };
  for (const auto& f : result.families) add(f);
  add(result.ensemble);
  return boost::json::object{{"experiment_id", experiment_id},
                             {"champion", result.champion},
                             {"challenger", result.challenger},
                             {"rows", result.rows},
                             {"folds", static_cast<int64_t>(result.folds.size())},
                             {"silver_version", silver_version},
                             {"primary_metric", result.primary_metric},
                             {"families", std::move(families)}};
}

}  // namespace rc::serving
