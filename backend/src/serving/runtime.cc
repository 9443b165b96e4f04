#include "serving/runtime.h"

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

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
      gold_(options_.data_dir, options_.gold) {}

Runtime::~Runtime() = default;

Result<PredictionOutcome> Runtime::Predict(const PredictQuery& query, int64_t wall_now) {
  RC_ASSIGN_OR_RETURN(PredictionOutcome outcome,
                      query.as_of ? lake_predictions_.Predict(query) : book_.Predict(query, wall_now));
  LogGatingDecision(outcome);
  outcome.json_text = JsonText(outcome.ToJson());
  // Every served prediction goes to gold, where the drift check measures it.
  if (options_.log_predictions) gold_.Append(outcome);
  if (broadcaster_ != nullptr) {
    const ml::Prediction& p = outcome.prediction;
    const std::string symbol = query.symbol.str();
    const std::string_view tf = query.timeframe.ToString();
    broadcaster_->Publish(ChannelName("predictions", symbol, tf), "prediction", outcome.json_text);
    // The regime channel carries changes: a new bar or a new state, not every
    // prediction of every horizon.
    const std::string channel = ChannelName("regime", symbol, tf);
    bool changed;
    {
      MutexLock lock(regime_mutex_);
      auto& last = last_regime_[channel];
      changed = last.first != p.data_last_ts || last.second != p.regime;
      last = {p.data_last_ts, p.regime};
    }
    if (changed) {
      regime::RegimeState state;
      state.ts = p.data_last_ts;
      state.regime = p.regime;
      state.confidence = p.regime_confidence;
      broadcaster_->Publish(channel, "regime", JsonText(RegimeJson(state)));
    }
  }
  return outcome;
}

Result<std::string> Runtime::SubmitTraining(const TrainRequest& request, const std::string& reason) {
  RC_RETURN_IF_ERROR(ValidateTrainRequest(request));
  boost::json::object params{{"bot_name", request.bot},
                             {"symbol", request.symbol.str()},
                             {"timeframe", std::string(request.timeframe.ToString())},
                             {"horizon_minutes", request.horizon_minutes},
                             {"folds", request.folds},
                             {"reason", reason}};
  auto id = jobs_.Submit("train", params, [this, request, request_id = CurrentRequestId()]() -> Result<boost::json::value> {
    ScopedRequestId log_scope(request_id);  // the job's log lines name the request that queued it
    auto outcome = WithRegistry([&] { return Train(options_.data_dir, request); });
    if (!outcome) return tl::unexpected(outcome.error());
    if (options_.on_trained) options_.on_trained(*outcome);
    spdlog::info("training {} {} {} +{}m finished: experiment {} is active", request.bot, request.symbol.str(),
                 request.timeframe.ToString(), request.horizon_minutes, outcome->experiment_id);
    return boost::json::value(outcome->SummaryJson());
  });
  if (id) {
    spdlog::info("training job {} queued ({}): {} {} {} +{}m", *id, reason, request.bot, request.symbol.str(),
                 request.timeframe.ToString(), request.horizon_minutes);
  }
  return id;
}

Status Runtime::Shutdown() { return gold_.Close(); }

}  // namespace rc::serving
