#include "serving/runtime.h"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "core/json_text.h"
#include "core/logging.h"
#include "monitoring/standard_metrics.h"

namespace rc::serving {
namespace {

// Runbook §3.3: operators check the logs for gating decisions and bands.
void LogGatingDecision(const PredictionOutcome& outcome) {
  if (!spdlog::should_log(spdlog::level::info)) return;  // the formatting below is not free
  const ml::Prediction& p = outcome.prediction;
  const PredictQuery& q = outcome.query;
  std::string weights, gated, bands;
  for (const auto& [family, w] : p.weights) weights += fmt::format(" {}={:.3f}", family, w);
  for (const auto& [family, why] : p.gated_out) gated += fmt::format(" {}({})", family, why);
  for (const auto& b : p.bands) bands += fmt::format(" {:.0f}%[{:.4f},{:.4f}]", b.level * 100, b.lower, b.upper);
  spdlog::info("prediction {} {} +{}m: regime {} ({:.2f}) expected {:.4f} from {:.4f}; weights ({}):{}; "
               "gated out:{}; bands:{}{}",
               q.symbol.str(), q.timeframe.ToString(), q.horizon_minutes, regime::ToString(p.regime),
               p.regime_confidence, p.expected_price, outcome.last_close, p.weights_source, weights,
               gated.empty() ? " none" : gated, bands, p.degraded ? "; DEGRADED: " + p.degraded_reason : "");
}

// The gold log's options with every commit also going to the drift check's state.
GoldLogOptions FeedingDrift(GoldLogOptions options, DriftTracker& drift) {
  auto chained = std::move(options.on_committed);
  options.on_committed = [&drift, chained](const lake::ColumnBatch& rows, int64_t version) {
    drift.OnLogged(rows, version);
    if (chained) chained(rows, version);
  };
  return options;
}

}  // namespace

boost::json::object RegimeJson(const regime::RegimeState& state) {
  boost::json::object out{{"ts", FormatIsoUtc(state.ts)},
                          {"state", regime::ToString(state.regime)},
                          {"confidence", state.confidence}};
  if (!state.reason.empty()) out["reason"] = state.reason;
  return out;
}

Runtime::Runtime(RuntimeOptions options, Broadcaster* broadcaster)
    : options_(std::move(options)),
      broadcaster_(broadcaster),
      book_(options_.data_dir, &adaptive_),
      lake_predictions_(options_.data_dir),
      gold_(options_.data_dir, FeedingDrift(options_.gold, drift_), &storage_),
      training_pool_(options_.training) {}

Runtime::~Runtime() = default;

Result<PredictionOutcome> Runtime::Predict(const PredictQuery& query, int64_t now) {
  RC_ASSIGN_OR_RETURN(PredictionOutcome outcome,
                      query.as_of ? lake_predictions_.Predict(query) : book_.Predict(query, now));
  LogGatingDecision(outcome);
  outcome.json_text = JsonText(outcome.ToJson());
  // Every served prediction goes to gold, where the drift check measures it.
  if (options_.log_predictions) gold_.Append(outcome);
  if (broadcaster_ != nullptr) {
    const ml::Prediction& p = outcome.prediction;
    const std::string symbol = query.symbol.str();
    const std::string_view tf = query.timeframe.ToString();
    broadcaster_->Publish(ChannelName("predictions", symbol, tf), "prediction", outcome.json_text);
    regime::RegimeState state;
    state.ts = p.data_last_ts;
    state.regime = p.regime;
    state.confidence = p.regime_confidence;
    PublishRegimeIfChanged(query.symbol, query.timeframe, state);
  }
  return outcome;
}

Status Runtime::RefreshRegime(const Symbol& symbol, Timeframe timeframe, int64_t now) {
  // SeriesBook::Regime sets market_regime_state as a side effect.
  RC_ASSIGN_OR_RETURN(SeriesBook::RegimeView view, book_.Regime(symbol, timeframe, 0, now));
  if (broadcaster_ != nullptr) PublishRegimeIfChanged(symbol, timeframe, view.current);
  return Ok();
}

void Runtime::PublishRegimeIfChanged(const Symbol& symbol, Timeframe timeframe, const regime::RegimeState& state) {
  // The regime channel carries changes: a new bar or a new state, not every
  // prediction of every horizon.
  const std::string channel = ChannelName("regime", symbol.str(), timeframe.ToString());
  {
    MutexLock lock(regime_mutex_);
    auto& last = last_regime_[channel];
    if (last.first == state.ts && last.second == state.regime) return;
    last = {state.ts, state.regime};
  }
  broadcaster_->Publish(channel, "regime", JsonText(RegimeJson(state)));
}

namespace {

boost::json::object TrainParams(const TrainRequest& request, const std::string& reason) {
  return boost::json::object{{"bot_name", request.bot},
                             {"symbol", request.symbol.str()},
                             {"timeframe", std::string(request.timeframe.ToString())},
                             {"horizon_minutes", request.horizon_minutes},
                             {"folds", request.folds},
                             {"reason", reason}};
}

}  // namespace

Result<TrainOutcome> Runtime::TrainAndReload(const TrainRequest& request) {
  // The registry lock covers the recording only, so series train side by side.
  auto trained = Train(options_.data_dir, request, &registry_mutex_);
  // A full disk while recording the experiment shows as storage degraded (/health).
  storage_.Record("training", trained ? Ok() : Status(tl::unexpected(trained.error())));
  RC_ASSIGN_OR_RETURN(TrainOutcome outcome, std::move(trained));
  book_.InvalidateExperiments();
  if (options_.on_trained) options_.on_trained(outcome);
  return outcome;
}

Result<std::string> Runtime::SubmitTraining(const TrainRequest& request, const std::string& reason) {
  RC_RETURN_IF_ERROR(ValidateTrainRequest(request));
  auto id = jobs_.Submit("train", TrainParams(request, reason),
                         [this, request, request_id = CurrentRequestId()]() -> Result<boost::json::value> {
    ScopedRequestId log_scope(request_id);  // the job's log lines name the request that queued it
    std::optional<Result<TrainOutcome>> outcome;
    training_pool_.ParallelFor(1, [&](size_t) {
      ScopedRequestId worker_scope(request_id);
      outcome = TrainAndReload(request);
    });
    if (!outcome) return Unavailable("the service shut down before the training ran");
    if (!*outcome) return tl::unexpected(outcome->error());
    spdlog::info("training {} {} {} +{}m finished: experiment {} is active", request.bot, request.symbol.str(),
                 request.timeframe.ToString(), request.horizon_minutes, (*outcome)->experiment_id);
    return boost::json::value((*outcome)->SummaryJson());
  });
  if (id) {
    spdlog::info("training job {} queued ({}): {} {} {} +{}m", *id, reason, request.bot, request.symbol.str(),
                 request.timeframe.ToString(), request.horizon_minutes);
  }
  return id;
}

Result<std::string> Runtime::SubmitPooledTraining(const PooledTrainRequest& request, const std::string& reason) {
  RC_RETURN_IF_ERROR(ValidatePooledTrainRequest(request));
  boost::json::object params = PooledTrainParams(request);
  params["reason"] = reason;
  auto id = jobs_.Submit("train_pooled", std::move(params),
                         [this, request, request_id = CurrentRequestId()]() -> Result<boost::json::value> {
    ScopedRequestId log_scope(request_id);
    std::optional<Result<PooledTrainOutcome>> outcome;
    training_pool_.ParallelFor(1, [&](size_t) {
      ScopedRequestId worker_scope(request_id);
      outcome = TrainPooled(options_.data_dir, request, {}, &registry_mutex_);
    });
    if (!outcome) return Unavailable("the service shut down before the training ran");
    storage_.Record("training", *outcome ? Ok() : Status(tl::unexpected(outcome->error())));
    if (!*outcome) return tl::unexpected(outcome->error());
    book_.InvalidateExperiments();
    for (const PooledHorizonOutcome& h : (*outcome)->horizons) {
      spdlog::info("pooled training {} +{}m finished: pooled model {} over {} series", request.timeframe.ToString(),
                   h.horizon_minutes, h.pooled.id, h.pooled.series.size());
      if (options_.on_trained) {
        for (const TrainOutcome& trained : h.series) options_.on_trained(trained);
      }
    }
    return boost::json::value((*outcome)->SummaryJson());
  });
  if (id) spdlog::info("training job {} queued ({}): pooled {}", *id, reason, request.timeframe.ToString());
  return id;
}

Result<std::string> Runtime::SubmitBatchTraining(const std::vector<TrainRequest>& requests, const std::string& reason) {
  if (requests.empty()) return InvalidArgument("series", "no series to train");
  boost::json::array series;
  for (const TrainRequest& request : requests) {
    RC_RETURN_IF_ERROR(ValidateTrainRequest(request));
    series.push_back(boost::json::value(request.symbol.str() + ":" + std::string(request.timeframe.ToString()) +
                                        "+" + std::to_string(request.horizon_minutes)));
  }
  boost::json::object params{{"bot_name", requests.front().bot},
                             {"series", std::move(series)},
                             {"workers", training_pool_.workers()},
                             {"reason", reason}};
  auto id = jobs_.Submit(
      "train_batch", std::move(params),
      [this, requests, request_id = CurrentRequestId()](JobContext& job) -> Result<boost::json::value> {
        ScopedRequestId log_scope(request_id);
        job.ReportProgress(JobProgress{0, 0, static_cast<int64_t>(requests.size()), std::nullopt});
        auto items = TrainMany(
            requests, training_pool_,
            [&](const TrainRequest& request) {
              ScopedRequestId worker_scope(request_id);
              return TrainAndReload(request);
            },
            [&](const JobProgress& progress, const BatchItem& item) {
              job.ReportProgress(progress);
              spdlog::info("training job {}: {}/{} {} {}{}", job.id(), progress.done, progress.total, item.Label(),
                           item.ok() ? "experiment " + item.outcome->experiment_id : "failed: " + item.error.message,
                           progress.eta_seconds ? fmt::format(" (ETA {:.0f}s)", *progress.eta_seconds) : "");
            });
        boost::json::object result = BatchResultJson(items);
        const int64_t failed = result.at("failed").as_int64();
        if (failed == 0) return boost::json::value(std::move(result));
        job.SetPartialResult(std::move(result));
        const BatchItem& first = *std::find_if(items.begin(), items.end(), [](const BatchItem& i) { return !i.ok(); });
        return tl::unexpected(Error{first.error.code,
                                    fmt::format("{} of {} series failed; first: {}: {}", failed, items.size(),
                                                first.Label(), first.error.message),
                                    ""});
      });
  if (id) spdlog::info("training job {} queued ({}): {} series", *id, reason, requests.size());
  return id;
}

Result<std::string> Runtime::SubmitBacktest(const BacktestRequest& request, const std::string& reason) {
  RC_RETURN_IF_ERROR(ValidateBacktestRequest(request));
  boost::json::object params{{"symbol", request.symbol.str()},
                             {"timeframe", std::string(request.timeframe.ToString())},
                             {"horizon_minutes", request.horizon_minutes},
                             {"retrain_every", request.retrain_every},
                             {"folds", request.folds},
                             {"reason", reason}};
  if (request.from) params["from"] = FormatIsoUtc(*request.from);
  if (request.to) params["to"] = FormatIsoUtc(*request.to);
  if (request.pooled) params["pooled_learner"] = request.pooled->learner;
  auto id = jobs_.Submit(
      "backtest", std::move(params),
      [this, request, request_id = CurrentRequestId()](JobContext& job) -> Result<boost::json::value> {
        ScopedRequestId log_scope(request_id);
        constexpr int64_t kSteps = 2;  // the backtest, then its summary saved
        job.ReportProgress(JobProgress{0, 0, kSteps, std::nullopt});
        std::optional<Result<SeriesBacktest>> run;
        // The training pool: a backtest retrains as it goes and must yield to serving as training does.
        training_pool_.ParallelFor(1, [&](size_t) {
          ScopedRequestId worker_scope(request_id);
          run = RunSeriesBacktest(options_.data_dir, request);
        });
        if (!run) return Unavailable("the service shut down before the backtest ran");
        if (!*run) return tl::unexpected(run->error());
        job.ReportProgress(JobProgress{1, 0, kSteps, std::nullopt});
        auto saved = SaveBacktestSummary(options_.data_dir, **run, NowMicros());
        storage_.Record("backtest", saved);
        RC_RETURN_IF_ERROR(saved);
        job.ReportProgress(JobProgress{2, 0, kSteps, 0.0});
        const BacktestRequest& r = (*run)->request;
        const ml::BacktestSummary& summary = (*run)->result.summary;
        spdlog::info("backtest {} {} +{}m finished: {} predictions, MAPE ratio to naive {:.4f}", r.symbol.str(),
                     r.timeframe.ToString(), r.horizon_minutes, (*run)->result.rows.size(), summary.mape_ratio);
        boost::json::object headline{{"symbol", r.symbol.str()},
                                     {"timeframe", std::string(r.timeframe.ToString())},
                                     {"horizon_minutes", r.horizon_minutes},
                                     {"predictions", (*run)->result.rows.size()},
                                     {"mape_ratio", std::isfinite(summary.mape_ratio)
                                                        ? boost::json::value(summary.mape_ratio)
                                                        : boost::json::value(nullptr)}};
        return boost::json::value(std::move(headline));
      });
  if (id) {
    spdlog::info("backtest job {} queued ({}): {} {} +{}m", *id, reason, request.symbol.str(),
                 request.timeframe.ToString(), request.horizon_minutes);
  }
  return id;
}

Status Runtime::Shutdown() {
  Status closed = gold_.Close();
  auto persisted = gold_.Exclusive([&] { return drift_.Persist(options_.data_dir); });
  if (!persisted) spdlog::error("realized closes not written to gold: {}", persisted.error().ToString());
  return closed;
}

}  // namespace rc::serving
