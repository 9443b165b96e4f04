#include "serving/backtest_service.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>

#include "core/json_fields.h"
#include "core/json_text.h"
#include "core/time.h"
#include "lake/fs.h"
#include "ml/pooled/pooled_silver.h"
#include "serving/training_service.h"

namespace rc::serving {

Status ValidateBacktestRequest(const BacktestRequest& request) {
  RC_RETURN_IF_ERROR(ml::HorizonBars(request.timeframe, request.horizon_minutes));
  if (request.retrain_every < 1 || request.retrain_every > 1'000'000) {
    return InvalidArgument("retrain_every", "must be in 1..1000000");
  }
  if (request.folds < 1 || request.folds > 50) return InvalidArgument("folds", "must be in 1..50");
  if (request.min_train_rows < 50 || request.min_train_rows > 10'000'000) {
    return InvalidArgument("min_train_rows", "must be in 50..10000000");
  }
  if (request.from && request.to && *request.to <= *request.from) return InvalidArgument("to", "must be after 'from'");
  return Ok();
}

namespace {

// Runs the pooled model over every silver series of the timeframe (up to the
// same cut-off as the series' own silver) and adds its out-of-sample forecast
// column to `dataset`; `info` records what was pooled.
Status AddPooledForecasts(const std::string& data_dir, const BacktestRequest& request, const ml::SilverQuery& query,
                          ml::Dataset& dataset, boost::json::object& info) {
  RC_ASSIGN_OR_RETURN(ml::PooledSilverRun run, ml::RunPooledOnSilver(data_dir, request.timeframe,
                                                                     request.horizon_minutes, query, *request.pooled));
  RC_RETURN_IF_ERROR(run.AddColumnTo(request.symbol, dataset));
  boost::json::array names;
  for (const ml::PooledSeries& s : run.series) names.push_back(boost::json::value(s.name));
  info["learner"] = request.pooled->learner;
  info["series"] = std::move(names);
  info["blocks"] = run.forecasts.blocks.size();
  info["fitted_blocks"] = run.forecasts.fitted_blocks;
  info["last_train_rows"] = run.forecasts.last_train_rows;
  info["last_model"] = run.forecasts.last_model;
  return Ok();
}

}  // namespace

Result<SeriesBacktest> RunSeriesBacktest(const std::string& data_dir, const BacktestRequest& request) {
  RC_RETURN_IF_ERROR(ValidateBacktestRequest(request));
  // Silver up to `to` only: the backtest must not even load later bars.
  ml::SilverQuery query;
  if (request.to) query.until = *request.to;
  RC_ASSIGN_OR_RETURN(SeriesDataset series, LoadSeriesDataset(data_dir, request.symbol, request.timeframe,
                                                              request.horizon_minutes, query));
  ml::Dataset& dataset = series.dataset;
  if (dataset.rows() == 0) return NotFound("no silver rows for " + request.symbol.str());

  // The result is value-initialised explicitly: `{}` in its place drew GCC 12's
  // -Wmaybe-uninitialized on BacktestSummary's std::map.
  SeriesBacktest out{.request = request,
                     .result = ml::BacktestResult(),
                     .pooled_info = {{"enabled", request.pooled.has_value()}}};
  if (request.pooled) RC_RETURN_IF_ERROR(AddPooledForecasts(data_dir, request, query, dataset, out.pooled_info));
  BacktestRequest& resolved = out.request;
  if (!resolved.to) resolved.to = dataset.ts.back() + resolved.timeframe.DurationMicros();  // just past the last bar
  if (!resolved.from) {
    // The last kDefaultBacktestShare of the bars before `to`.
    const auto end = std::lower_bound(dataset.ts.begin(), dataset.ts.end(), *resolved.to);
    const auto count = static_cast<size_t>(end - dataset.ts.begin());
    if (count == 0) return InvalidArgument("to", "no bar of the series before it");
    const auto first = static_cast<size_t>(std::floor(static_cast<double>(count) * (1.0 - kDefaultBacktestShare)));
    resolved.from = dataset.ts[std::min(first, count - 1)];
  }
  if (*resolved.to <= *resolved.from) return InvalidArgument("to", "must be after 'from'");
  if (std::lower_bound(dataset.ts.begin(), dataset.ts.end(), *resolved.from) ==
      std::lower_bound(dataset.ts.begin(), dataset.ts.end(), *resolved.to)) {
    return InvalidArgument("from", "no bar of the series in [from, to)");
  }

  ml::BacktestOptions options;
  options.from_ts = *resolved.from;
  options.to_ts = *resolved.to;
  options.retrain_every = resolved.retrain_every;
  options.bar_spacing_us = resolved.timeframe.DurationMicros();
  options.training.folds = resolved.folds;
  options.training.min_train_rows = resolved.min_train_rows;
  options.key = ml::ExperimentKey{resolved.symbol.str(), std::string(resolved.timeframe.ToString()),
                                  resolved.horizon_minutes};
  RC_ASSIGN_OR_RETURN(out.result, ml::RunBacktest(dataset, options));
  return out;
}

boost::json::object SeriesBacktest::SummaryJson() const {
  boost::json::object summary = result.summary.ToJson();
  summary["symbol"] = request.symbol.str();
  summary["timeframe"] = std::string(request.timeframe.ToString());
  summary["horizon_minutes"] = request.horizon_minutes;
  summary["predictions"] = result.rows.size();
  summary["from"] = FormatIsoUtc(request.from.value_or(0));
  summary["to"] = FormatIsoUtc(request.to.value_or(0));
  summary["retrain_every"] = request.retrain_every;
  summary["folds"] = request.folds;
  summary["min_train_rows"] = request.min_train_rows;
  summary["pooled"] = pooled_info;
  return summary;
}

std::string BacktestSummaryPath(const std::string& data_dir, const Symbol& symbol, Timeframe timeframe,
                                int horizon_minutes) {
  // Symbol::Parse admits no '/' and no "..", so the symbol is a safe directory name.
  return data_dir + "/backtests/" + symbol.str() + "/" + std::string(timeframe.ToString()) + "/" +
         std::to_string(horizon_minutes) + "m.json";
}

Status SaveBacktestSummary(const std::string& data_dir, const SeriesBacktest& run, int64_t finished_at) {
  boost::json::object summary = run.SummaryJson();
  summary["finished_at"] = FormatIsoUtc(finished_at);
  const BacktestRequest& r = run.request;
  const std::string path = BacktestSummaryPath(data_dir, r.symbol, r.timeframe, r.horizon_minutes);
  const std::string dir = path.substr(0, path.rfind('/'));
  // Temp file + fsync + rename: a reader sees the old summary or the new one, never half of one.
  static std::atomic<uint64_t> counter{0};
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  lake::FileSystem& fs = lake::LocalFileSystem();
  RC_RETURN_IF_ERROR(fs.CreateDirs(dir));
  RC_RETURN_IF_ERROR(fs.WriteFile(tmp, JsonText(summary), /*sync=*/true));
  if (auto renamed = fs.Rename(tmp, path); !renamed) {
    (void)fs.RemoveFile(tmp);
    return renamed;
  }
  return fs.SyncDir(dir);
}

Result<boost::json::object> LoadBacktestSummary(const std::string& data_dir, const Symbol& symbol,
                                                Timeframe timeframe, int horizon_minutes) {
  const std::string path = BacktestSummaryPath(data_dir, symbol, timeframe, horizon_minutes);
  auto text = lake::LocalFileSystem().ReadFile(path);
  if (!text) {
    if (text.error().code != ErrorCode::kNotFound) return tl::unexpected(text.error());
    return NotFound("no backtest of " + symbol.str() + " " + std::string(timeframe.ToString()) + " +" +
                    std::to_string(horizon_minutes) + "m yet (POST /api/models/backtest runs one)");
  }
  RC_ASSIGN_OR_RETURN(boost::json::value doc, ParseJsonDocument(*text, path));
  if (!doc.is_object()) return DataCorrupt("not a JSON object", path);
  return std::move(doc.as_object());
}

}  // namespace rc::serving
