#include "serving/prediction_service.h"

#include <chrono>

#include "ml/dataset.h"
#include "ml/registry/pooled_store.h"
#include "monitoring/standard_metrics.h"

namespace rc::serving {

boost::json::object PredictionOutcome::ToJson() const {
  boost::json::object out = prediction.ToJson();
  out["symbol"] = query.symbol.str();
  out["timeframe"] = std::string(query.timeframe.ToString());
  out["horizon_minutes"] = query.horizon_minutes;
  out["last_close"] = last_close;
  out["silver_version"] = silver_version;
  if (query.as_of) out["as_of"] = FormatIsoUtc(*query.as_of);
  return out;
}

PredictionService::PredictionService(std::string data_dir)
    : data_dir_(std::move(data_dir)), registry_(data_dir_), cache_(&registry_), pooled_models_(data_dir_) {}

void PredictionService::AddPooledColumn(const ml::LoadedExperiment& experiment, const PredictQuery& query,
                                        const ml::SilverSlice& slice, ml::PredictionRequest& request) {
  // Every other series as of the same time: only its bars closed by then.
  auto from_silver = [&](const Symbol& symbol) -> Result<std::optional<ml::PooledSeries>> {
    auto history = PooledHistoryFromSilver(data_dir_, symbol, query.timeframe, request.horizon_bars, query.as_of);
    if (!history && history.error().code == ErrorCode::kNotFound) return std::optional<ml::PooledSeries>();
    if (!history) return tl::unexpected(history.error());
    return std::optional<ml::PooledSeries>(std::move(*history));
  };
  auto forecast = [&]() -> Result<double> {
    RC_ASSIGN_OR_RETURN(auto pooled, pooled_models_.ForExperiment(experiment, query.timeframe, query.horizon_minutes,
                                                                  &request.pooled_model_id));
    const ml::PooledSeries own =
        PooledTail(query.symbol.str(), slice.table.ts, slice.table.columns.at("close"), request.horizon_bars);
    return PooledForecastFrom(*pooled, query.symbol, own, request.last_bar_ts, from_silver);
  }();
  SetPooledColumn(forecast, request);
}

Result<PredictionOutcome> PredictionService::Predict(const PredictQuery& query) {
  const auto started = std::chrono::steady_clock::now();
  RC_ASSIGN_OR_RETURN(int horizon_bars, ml::HorizonBars(query.timeframe, query.horizon_minutes));
  ml::SilverQuery silver_query;
  silver_query.closed_by = query.as_of;  // as of T: only bars closed by T were known
  RC_ASSIGN_OR_RETURN(ml::SilverSlice slice, ml::LoadSilver(data_dir_, query.symbol, query.timeframe, silver_query));
  const auto& table = slice.table;

  // The latest bar's regime, staleness judged in market time (a closed market
  // is not a feed gap; a gap is).
  RC_ASSIGN_OR_RETURN(ml::SilverRegime regimes,
                      ml::DetectSilverRegime(slice, query.symbol, query.timeframe, query.as_of.value_or(NowMicros())));

  ml::PredictionRequest request;
  request.feature_names = slice.model_features;
  request.features.resize(static_cast<Eigen::Index>(slice.model_features.size()));
  for (size_t col = 0; col < slice.model_features.size(); ++col) {
    request.features[static_cast<Eigen::Index>(col)] = table.columns.at(slice.model_features[col]).back();
  }
  const auto& close = table.columns.at("close");
  request.last_close = close.back();
  request.last_bar_ts = table.ts.back();
  request.bar_spacing_us = query.timeframe.DurationMicros();
  request.now = regimes.market_now;
  request.horizon_bars = horizon_bars;
  request.regime = regimes.current;
  request.recent_vol_per_bar = ml::RecentVolPerBar(close);

  const ml::ExperimentKey key{query.symbol.str(), std::string(query.timeframe.ToString()), query.horizon_minutes};
  std::optional<ml::IndexEntry> entry;
  std::shared_ptr<const ml::LoadedExperiment> experiment;
  if (auto found = registry_.Entry(key); found) {
    entry = *found;
    const size_t cached_before = cache_.size();
    RC_ASSIGN_OR_RETURN(experiment, cache_.Get(entry->active_experiment));
    // The model cache had to load the experiment from disk.
    if (cache_.size() > cached_before) monitoring::CacheMissesTotal().WithLabels({"model"}).Inc();
  } else if (found.error().code != ErrorCode::kNotFound) {
    return tl::unexpected(found.error());
  }

  if (experiment && ml::HasPooledFamily(experiment->record)) AddPooledColumn(*experiment, query, slice, request);

  PredictionOutcome outcome{query, ml::Predict(request, entry ? &*entry : nullptr, experiment.get()),
                            request.last_close, slice.silver_version, 0.0};
  outcome.latency_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const std::string symbol = query.symbol.str();
  const std::string tf(query.timeframe.ToString());
  monitoring::PredictionLatencySeconds().WithLabels({symbol, tf}).Observe(outcome.latency_seconds);
  monitoring::SetRegimeState(symbol, tf, std::string(regime::ToString(outcome.prediction.regime)));
  return outcome;
}

}  // namespace rc::serving
