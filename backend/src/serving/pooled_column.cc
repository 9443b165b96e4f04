#include "serving/pooled_column.h"

#include <utility>
#include <vector>

#include "core/numeric.h"
#include "ml/pooled/pooled_forecast.h"
#include "ml/silver_source.h"
#include "monitoring/standard_metrics.h"

namespace rc::serving {

namespace {

// How far back the first silver read of PooledHistoryFromSilver reaches, in
// bar durations per bar wanted: a 5-minute NSE session is 6.25 hours of 24, a
// week has two closed days, and holidays come on top (~5.4x without them).
constexpr int64_t kCalendarSlack = 10;

}  // namespace

Result<std::shared_ptr<const ml::LoadedPooledModel>> PooledModelCache::Get(const std::string& timeframe,
                                                                          int horizon_minutes, const std::string& id) {
  const std::string key = timeframe + "|" + std::to_string(horizon_minutes) + "|" + id;
  {
    MutexLock lock(mutex_);
    if (auto it = loaded_.find(key); it != loaded_.end()) return it->second;
  }
  // Loaded outside the lock: two first requests may both load; one is kept.
  RC_ASSIGN_OR_RETURN(ml::LoadedPooledModel loaded, store_.Load(timeframe, horizon_minutes, id));
  auto shared = std::make_shared<const ml::LoadedPooledModel>(std::move(loaded));
  monitoring::CacheMissesTotal().WithLabels({"model"}).Inc();
  MutexLock lock(mutex_);
  return loaded_.emplace(key, std::move(shared)).first->second;
}

Result<std::shared_ptr<const ml::LoadedPooledModel>> PooledModelCache::ForExperiment(
    const ml::LoadedExperiment& experiment, Timeframe timeframe, int horizon_minutes, std::string* model_id) {
  *model_id = ml::PooledModelIdOf(experiment.record);
  if (model_id->empty()) {
    return NotFound("experiment " + experiment.record.id + " names no pooled model (parameters.pooled.model_id)");
  }
  return Get(std::string(timeframe.ToString()), horizon_minutes, *model_id);
}

Result<double> PooledForecastFrom(const ml::LoadedPooledModel& pooled, const Symbol& symbol,
                                  const ml::PooledSeries& own, int64_t bar_ts, const PooledHistoryOf& history_of) {
  std::vector<ml::PooledSeries> series;
  std::optional<size_t> target;
  for (const std::string& name : pooled.record.series) {
    if (name == symbol.str()) {
      target = series.size();
      series.push_back(own);
      continue;
    }
    auto other = Symbol::Parse(name);
    if (!other) return tl::unexpected(WithContext(other.error(), "pooled model " + pooled.record.id + " series"));
    RC_ASSIGN_OR_RETURN(std::optional<ml::PooledSeries> history, history_of(*other));
    if (history) series.push_back(std::move(*history));
  }
  if (!target) {
    return NotFound("series " + symbol.str() + " is not among the pooled model's series (" +
                    std::to_string(pooled.record.series.size()) + ")");
  }
  RC_ASSIGN_OR_RETURN(ml::PooledLiveRow row, ml::PooledRowAt(series, *target, bar_ts));
  return ml::PooledForecastFor(*pooled.learner, row);
}

ml::PooledSeries PooledTail(const std::string& name, const std::vector<int64_t>& ts, const std::vector<double>& close,
                            int horizon_bars) {
  const size_t first = ts.size() > ml::kPooledHistoryBars ? ts.size() - ml::kPooledHistoryBars : 0;
  ml::PooledSeries out;
  out.name = name;
  out.horizon_bars = horizon_bars;
  out.ts.assign(ts.begin() + static_cast<std::ptrdiff_t>(first), ts.end());
  out.close.assign(close.begin() + static_cast<std::ptrdiff_t>(first), close.end());
  out.y.assign(out.ts.size(), kNaN);
  return out;
}

Result<ml::PooledSeries> PooledHistoryFromSilver(const std::string& data_dir, const Symbol& symbol,
                                                 Timeframe timeframe, int horizon_bars,
                                                 std::optional<int64_t> closed_by) {
  ml::SilverQuery query;
  query.closed_by = closed_by;
  if (closed_by) {
    query.from = *closed_by - static_cast<int64_t>(ml::kPooledHistoryBars) * kCalendarSlack * timeframe.DurationMicros();
  }
  auto slice = ml::LoadSilver(data_dir, symbol, timeframe, query);
  const bool window_short = !slice ? slice.error().code == ErrorCode::kNotFound
                                   : slice->table.ts.size() < ml::kPooledHistoryBars;
  if (query.from && window_short) {
    // A long gap or the series' first weeks: the whole history, as memory would have it.
    query.from.reset();
    slice = ml::LoadSilver(data_dir, symbol, timeframe, query);
  }
  if (!slice) return tl::unexpected(slice.error());
  return PooledTail(symbol.str(), slice->table.ts, slice->table.columns.at("close"), horizon_bars);
}

void SetPooledColumn(const Result<double>& forecast, ml::PredictionRequest& request) {
  if (!forecast) {
    request.pooled_unavailable = "pooled forecast unavailable: " + forecast.error().message;
    return;
  }
  request.feature_names.push_back(ml::kPooledForecastFeature);
  request.features.conservativeResize(request.features.size() + 1);
  request.features[request.features.size() - 1] = *forecast;
}

}  // namespace rc::serving
