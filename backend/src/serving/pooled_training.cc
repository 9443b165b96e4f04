#include "serving/pooled_training.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "core/json_fields.h"
#include "core/numeric.h"
#include "core/time.h"
#include "ml/internal/json_io.h"
#include "ml/metrics.h"
#include "ml/pooled/pooled_silver.h"
#include "ml/silver_source.h"

namespace rc::serving {
namespace {

// The out-of-fold pooled forecasts of one series scored against the random
// walk (a zero return) on the same bars: MAPE ratio and n.
std::pair<double, int64_t> OutOfFoldMapeRatio(const ml::PooledSeries& series, const std::vector<double>& forecast) {
  std::vector<ml::ForecastPoint> pooled, naive;
  for (size_t row = 0; row < series.ts.size() && row < forecast.size(); ++row) {
    if (!std::isfinite(forecast[row]) || !std::isfinite(series.y[row])) continue;
    pooled.push_back({forecast[row], series.y[row], series.close[row], {}, {}});
    naive.push_back({0.0, series.y[row], series.close[row], {}, {}});
  }
  if (pooled.empty()) return {kNaN, 0};
  const double naive_mape = ml::ComputeMetrics(naive, {}).mape;
  const double ratio = naive_mape > 0 ? ml::ComputeMetrics(pooled, {}).mape / naive_mape
                                      : kNaN;
  return {ratio, static_cast<int64_t>(pooled.size())};
}

TrainRequest SeriesRequest(const PooledTrainRequest& request, const Symbol& symbol, int horizon_minutes) {
  TrainRequest out{symbol, request.timeframe, horizon_minutes, "orchestrator"};
  out.folds = request.folds;
  out.min_train_rows = request.min_train_rows;
  out.until = request.until;
  out.family_threads = request.family_threads;
  return out;
}

// Records the pooled model, holding `registry_mutex` when given.
Result<std::string> RecordPooledModel(ml::PooledModelStore& store, const ml::PooledModelRecord& record,
                                      const ml::Model& learner, Mutex* registry_mutex) {
  if (registry_mutex == nullptr) return store.Record(record, learner);
  MutexLock recording(*registry_mutex);
  return store.Record(record, learner);
}

std::string TooFewSeries(Timeframe tf, const std::vector<Symbol>& symbols) {
  return ml::TooFewSeriesToPool(tf, symbols) + "; train this series without --pooled";
}

}  // namespace

Result<PooledOutOfFold> RunPooledOutOfFold(const std::string& data_dir, Timeframe timeframe, int horizon_minutes,
                                           const std::vector<Symbol>& symbols, const ml::SilverQuery& query,
                                           const ml::PooledOptions& options) {
  PooledOutOfFold out;
  for (const Symbol& symbol : symbols) {
    RC_ASSIGN_OR_RETURN(SeriesDataset ds, LoadSeriesDataset(data_dir, symbol, timeframe, horizon_minutes, query));
    out.series.push_back(ml::PooledSeriesFromDataset(symbol.str(), ds.dataset));
    out.datasets.push_back(std::move(ds));
  }
  RC_ASSIGN_OR_RETURN(out.forecasts, ml::RunPooledForecasts(out.series, options));
  return out;
}

Result<std::optional<PooledRetrainInput>> PooledRetrainInputFor(const std::string& data_dir,
                                                                const TrainRequest& request,
                                                                const ml::SilverQuery& query) {
  if (request.bot != "orchestrator") return std::nullopt;  // a single family is trained with naive only
  const std::string tf(request.timeframe.ToString());
  ml::PooledModelStore store(data_dir);
  auto id = store.CurrentId(tf, request.horizon_minutes);
  if (!id) {
    if (id.error().code == ErrorCode::kNotFound) return std::nullopt;
    return tl::unexpected(id.error());
  }
  RC_ASSIGN_OR_RETURN(ml::PooledModelRecord record, store.LoadRecord(tf, request.horizon_minutes, *id));
  const auto own = std::find(record.series.begin(), record.series.end(), request.symbol.str());
  if (own == record.series.end()) return std::nullopt;  // the pooled model does not cover this series
  std::vector<Symbol> symbols;
  for (const std::string& name : record.series) {
    RC_ASSIGN_OR_RETURN(Symbol symbol, Symbol::Parse(name, "pooled record series"));
    symbols.push_back(symbol);
  }
  // The same learner and folds the pooled model was trained with.
  ml::PooledOptions options;
  options.learner = record.learner;
  const JsonFields params = JsonFields::Stored(record.parameters, "pooled record.parameters");
  RC_ASSIGN_OR_RETURN(auto block, params.OptionalInt("block_timestamps"));
  RC_ASSIGN_OR_RETURN(auto min_rows, params.OptionalInt("min_train_rows"));
  if (block) options.time_cut.block_timestamps = static_cast<int>(*block);
  if (min_rows) options.time_cut.min_train_rows = static_cast<int>(*min_rows);
  RC_ASSIGN_OR_RETURN(PooledOutOfFold run,
                      RunPooledOutOfFold(data_dir, request.timeframe, request.horizon_minutes, symbols, query, options));
  const auto s = static_cast<size_t>(own - record.series.begin());
  RC_RETURN_IF_ERROR(ml::AddPooledForecastColumn(run.datasets[s].dataset, run.series[s].ts, run.forecasts.forecast[s]));
  return PooledRetrainInput{std::move(run.datasets[s]), ml::PooledExperimentParameters(record)};
}

Status ValidatePooledTrainRequest(const PooledTrainRequest& request) {
  if (request.horizons_minutes.empty()) return InvalidArgument("horizons_minutes", "needs at least one horizon");
  for (int h : request.horizons_minutes) {
    if (auto bars = ml::HorizonBars(request.timeframe, h); !bars) {
      return InvalidArgument("horizon_minutes", bars.error().message);
    }
  }
  if (request.symbols.size() == 1) return InvalidArgument("symbols", TooFewSeries(request.timeframe, request.symbols));
  RC_RETURN_IF_ERROR(ml::ValidatePooledOptions(request.pooled));
  // The per-series part is a TrainRequest like any other (checked again
  // with the lake's first series when the symbols come from the lake).
  if (request.symbols.empty()) return Ok();
  return ValidateTrainRequest(SeriesRequest(request, request.symbols.front(), request.horizons_minutes.front()));
}

boost::json::object PooledTrainParams(const PooledTrainRequest& request) {
  boost::json::array horizons, symbols;
  for (int h : request.horizons_minutes) horizons.push_back(h);
  for (const Symbol& s : request.symbols) symbols.push_back(boost::json::value(s.str()));
  return boost::json::object{{"bot_name", "orchestrator"},
                             {"pooled", true},
                             {"pooled_learner", request.pooled.learner},
                             {"timeframe", std::string(request.timeframe.ToString())},
                             {"horizons_minutes", std::move(horizons)},
                             {"series", std::move(symbols)},
                             {"folds", request.folds}};
}

Result<PooledTrainOutcome> TrainPooled(const std::string& data_dir, const PooledTrainRequest& request,
                                       const PooledProgress& progress, Mutex* registry_mutex) {
  RC_RETURN_IF_ERROR(ValidatePooledTrainRequest(request));
  std::vector<Symbol> symbols = request.symbols;
  if (symbols.empty()) {
    RC_ASSIGN_OR_RETURN(symbols, ml::ListSilverSymbols(data_dir, request.timeframe));
    if (symbols.size() < 2) return InvalidArgument("series", TooFewSeries(request.timeframe, symbols));
    RC_RETURN_IF_ERROR(ValidateTrainRequest(SeriesRequest(request, symbols.front(), request.horizons_minutes.front())));
  }
  std::sort(symbols.begin(), symbols.end());
  symbols.erase(std::unique(symbols.begin(), symbols.end()), symbols.end());
  if (symbols.size() < 2) return InvalidArgument("symbols", TooFewSeries(request.timeframe, symbols));
  ml::SilverQuery query;
  query.closed_by = request.until;  // what was known at `until`, for every series alike
  const std::string tf(request.timeframe.ToString());
  PooledTrainOutcome outcome;
  for (int horizon : request.horizons_minutes) {
    RC_ASSIGN_OR_RETURN(PooledOutOfFold run,
                        RunPooledOutOfFold(data_dir, request.timeframe, horizon, symbols, query, request.pooled));
    std::vector<SeriesDataset>& datasets = run.datasets;
    const std::vector<ml::PooledSeries>& series = run.series;
    const ml::PooledForecasts& oof = run.forecasts;
    RC_ASSIGN_OR_RETURN(ml::PooledFit fit, ml::FitFinalPooledModel(series, request.pooled));
    ml::PooledModelRecord record;
    record.timeframe = tf;
    record.horizon_minutes = horizon;
    record.horizon_bars = series.front().horizon_bars;
    record.created_at = NowMicros();
    record.learner = request.pooled.learner;
    record.first_ts = fit.first_ts;
    record.last_ts = fit.last_ts;
    record.train_rows = fit.rows;
    record.model = fit.model->Describe();
    record.parameters = {{"block_timestamps", request.pooled.time_cut.block_timestamps},
                         {"min_train_rows", request.pooled.time_cut.min_train_rows},
                         {"fitted_blocks", oof.fitted_blocks},
                         {"until", request.until ? boost::json::value(FormatIsoUtc(*request.until)) : nullptr}};
    for (size_t s = 0; s < series.size(); ++s) {
      record.series.push_back(series[s].name);
      const auto [ratio, n] = OutOfFoldMapeRatio(series[s], oof.forecast[s]);
      record.oof_mape_ratio[series[s].name] = ratio;
      record.oof_n[series[s].name] = n;
    }
    ml::PooledModelStore store(data_dir);
    RC_ASSIGN_OR_RETURN(record.id, RecordPooledModel(store, record, *fit.model, registry_mutex));
    PooledHorizonOutcome done{horizon, record, {}};
    const boost::json::object extra = ml::PooledExperimentParameters(record);
    for (size_t s = 0; s < series.size(); ++s) {
      RC_RETURN_IF_ERROR(ml::AddPooledForecastColumn(datasets[s].dataset, series[s].ts, oof.forecast[s]));
      RC_ASSIGN_OR_RETURN(TrainOutcome trained,
                          TrainOnDataset(data_dir, SeriesRequest(request, symbols[s], horizon), datasets[s], extra,
                                         registry_mutex));
      if (progress) progress(horizon, symbols[s].str(), trained);
      done.series.push_back(std::move(trained));
    }
    outcome.horizons.push_back(std::move(done));
  }
  return outcome;
}

boost::json::object PooledTrainOutcome::SummaryJson() const {
  boost::json::array out;
  for (const PooledHorizonOutcome& h : horizons) {
    boost::json::object per_series;
    for (size_t s = 0; s < h.series.size() && s < h.pooled.series.size(); ++s) {
      const std::string& name = h.pooled.series[s];
      const ml::TrainingResult& result = h.series[s].result;
      boost::json::object pooled_family{{"trained", false}};
      for (const ml::FamilyResult& f : result.families) {
        if (f.family != ml::kPooledFamily) continue;
        pooled_family = {{"trained", f.ok}, {"mape", ml::internal::NumberOrNull(f.overall.mape)}};
      }
      const auto w = result.gating.pooled.weights.find(ml::kPooledFamily);
      pooled_family["weight"] = w == result.gating.pooled.weights.end() ? 0.0 : w->second;
      if (auto why = result.gating.pooled.gated_out.find(ml::kPooledFamily); why != result.gating.pooled.gated_out.end()) {
        pooled_family["gated_out"] = why->second;
      }
      per_series[name] = boost::json::object{
          {"experiment_id", h.series[s].experiment_id},
          {"champion", result.champion},
          {"oof_mape_ratio", ml::internal::NumberOrNull(h.pooled.oof_mape_ratio.at(name))},
          {"oof_n", h.pooled.oof_n.at(name)},
          {"pooled_family", std::move(pooled_family)}};
    }
    out.push_back(boost::json::object{{"horizon_minutes", h.horizon_minutes},
                                      {"pooled_model_id", h.pooled.id},
                                      {"learner", h.pooled.learner},
                                      {"train_rows", h.pooled.train_rows},
                                      {"first_ts", FormatIsoUtc(h.pooled.first_ts)},
                                      {"last_ts", FormatIsoUtc(h.pooled.last_ts)},
                                      {"series", std::move(per_series)}});
  }
  return boost::json::object{{"pooled", std::move(out)}};
}

}  // namespace rc::serving
