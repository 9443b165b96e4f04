// File: ml/metrics.h
//
// Forecast quality of return predictions, in the runbook's terms: MAPE of the
// implied price, RMSE/MAE of log returns, directional accuracy, and for each
// band level its coverage, mean width and interval score.
//
//   rc::ml::Metrics m = rc::ml::ComputeMetrics(points, {0.5, 0.8, 0.95});
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"

namespace rc::ml {

// One evaluated prediction. Returns are log returns over the horizon; bands
// are given in return space, one (lower, upper) pair per level.
struct ForecastPoint {
  double predicted = 0;        // predicted log return
  double actual = 0;           // realized log return
  double last_close = 1;       // price the return starts from
  std::vector<double> lower;   // per level, predicted - q
  std::vector<double> upper;   // per level, predicted + q
};

struct BandMetrics {
  double level = 0;            // nominal coverage, e.g. 0.8
  double coverage = 0;         // share of actual returns inside [lower, upper]
  double mean_width = 0;       // mean relative price width: (upper_price - lower_price) / last_close
  double interval_score = 0;   // Gneiting-Raftery interval score in return units (lower is better)
};

struct Metrics {
  int64_t n = 0;
  double mape = 0;                  // mean |predicted_price / realized_price - 1|
  double rmse = 0;                  // of log returns
  double mae = 0;                   // of log returns
  double directional_accuracy = 0;  // share with sign(predicted) == sign(actual); a zero prediction counts 1/2
  std::vector<BandMetrics> bands;   // one per level (empty when points carry no bands)

  boost::json::object ToJson() const;
};

// Metrics over `points` (NaN fields when empty). `levels` names the band levels
// the points' lower/upper vectors hold.
Metrics ComputeMetrics(const std::vector<ForecastPoint>& points, const std::vector<double>& levels);

// Names accepted as a primary metric: mape rmse mae directional_accuracy interval_score_80 interval_score_95.
// Errors: kInvalidArgument naming `field`.
Status ValidateMetricName(const std::string& name, const std::string& field = "primary_metric");

// The value of a named metric, oriented so that lower is better
// (directional_accuracy is returned as 1 - accuracy). NaN when unavailable.
double LossOf(const Metrics& m, const std::string& metric);

}  // namespace rc::ml
