// File: serving/prediction_service.h
//
// One prediction, the way the service makes it: the latest silver row of a
// series (as of now, or of a given time) -> the streaming regime detector with
// staleness judged in market time -> the active experiment's gated ensemble
// and conformal bands (naive with volatility bands when none is trained), with
// the pooled model's forecast as a column when the experiment has that family
// (every pooled series read as of the same time, serving/pooled_column.h). The
// CLI `predict` and POST /api/prediction/trigger both call this, and it records
// prediction_latency_seconds and market_regime_state.
//
//   rc::serving::PredictionService service(settings.data_dir);
//   RC_ASSIGN_OR_RETURN(auto outcome, service.Predict({symbol, tf, 180}));
//   std::string json = JsonText(outcome.ToJson());
#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/symbol.h"
#include "core/timeframe.h"
#include "ml/predict/predictor.h"
#include "ml/registry/registry.h"
#include "ml/silver_source.h"
#include "serving/pooled_column.h"

namespace rc::serving {

struct PredictQuery {
  Symbol symbol;
  Timeframe timeframe;
  int horizon_minutes = 180;
  std::optional<int64_t> as_of;  // only bars up to this time; also the clock for freshness
};

struct PredictionOutcome {
  PredictQuery query;
  ml::Prediction prediction;
  double last_close = 0;
  int64_t silver_version = -1;
  double latency_seconds = 0;
  // ToJson() serialised, once, by Runtime::Predict (the response and the
  // broadcast share it); empty elsewhere.
  std::string json_text;

  // prediction.ToJson() plus symbol, timeframe, horizon_minutes, last_close,
  // silver_version and as_of.
  boost::json::object ToJson() const;
};

// Thread-safe: the model cache is shared by concurrent requests.
class PredictionService {
 public:
  explicit PredictionService(std::string data_dir);

  // Errors: kInvalidArgument (field "horizon_minutes") for a horizon that is not
  // a multiple of the timeframe; kNotFound when silver has no rows for the
  // series (run the pipeline first); kDataCorrupt from the lake or registry.
  Result<PredictionOutcome> Predict(const PredictQuery& query);

 private:
  // When the experiment has the pooled family: its "pooled_forecast" column
  // from every pooled series' silver as of query.as_of (the latest bars
  // without it), or the reason it is missing (serving/pooled_column.h).
  void AddPooledColumn(const ml::LoadedExperiment& experiment, const PredictQuery& query, const ml::SilverSlice& slice,
                       ml::PredictionRequest& request);

  std::string data_dir_;
  ml::ExperimentRegistry registry_;
  ml::ModelCache cache_;
  PooledModelCache pooled_models_;
};

}  // namespace rc::serving
