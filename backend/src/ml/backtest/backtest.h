// File: ml/backtest/backtest.h
//
// Prediction backtest: for every bar in [from_ts, to_ts) the prediction the
// live service would have made at that bar's close, with models trained only on
// data available then (walk-forward on the rows whose labels had fully realized
// before the block, retrained every N bars) and through the same Predict() the
// service calls. One row per bar in the CSV form of the issue, and a summary
// vs the naive family, overall and per regime.
//
//   BacktestOptions o;  o.from_ts = t1;  o.to_ts = t2;  o.retrain_every = 500;
//   RC_ASSIGN_OR_RETURN(BacktestResult r, RunBacktest(dataset, o));
//   std::cout << BacktestCsv(r) << BacktestSummaryText(r);
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "ml/adaptive_conformal.h"
#include "ml/dataset.h"
#include "ml/metrics.h"
#include "ml/predict/predictor.h"
#include "ml/skill_test.h"
#include "ml/training/walk_forward.h"

namespace rc::ml {

struct BacktestOptions {
  int64_t from_ts = 0;          // first bar predicted (inclusive)
  int64_t to_ts = 0;            // end (exclusive); > from_ts
  int retrain_every = 500;      // bars between retrains (>= 1)
  int64_t bar_spacing_us = 0;   // 0 = inferred (smallest gap between bars)
  int vol_window = 20;          // bars of 1-bar log returns behind the degraded/naive volatility bands
  WalkForwardOptions training;  // how each retrain trains
  // Adaptive conformal inference as the live service runs it: per regime, the
  // realized coverage of earlier predictions (fed back once their horizon has
  // passed) steers the level each band's quantile is taken at.
  bool adaptive_bands = true;
  AdaptiveConformalOptions adaptive;
  // The reference bands reported beside the served ones in the same run (the
  // method before issue 10's per-regime work): TrainingResult::calibration_reference
  // (RegimeBandMethod::kThreshold) with its own per-regime ACI at this step size.
  double reference_gamma = 0.005;
  ExperimentKey key;            // names the in-memory experiments
};

struct BacktestRow {
  int64_t ts = 0;
  double last_close = 0;
  regime::Regime regime = regime::Regime::kUnknown;
  double expected_close = 0;
  std::vector<BandOut> bands;   // per level
  std::vector<BandOut> reference_bands;  // the reference method's (empty when degraded; not in the CSV)
  bool degraded = false;
  std::string experiment_id;
  double realized_close = 0;    // NaN when the horizon runs past the data (an empty CSV cell)
};

// Directional accuracy with a 95 % confidence interval whose variance is
// HAC (Newey-West over horizon - 1 lags: overlapping horizons are not
// independent draws), and the Wilson score interval at the effective sample
// size that HAC variance implies (n x plain variance / HAC variance): it stays
// inside [0, 1] and is not symmetric near the edges.
struct DirectionalAccuracy {
  double value = 0, ci_low = 0, ci_high = 0;
  double wilson_low = 0, wilson_high = 0;
  double n_effective = 0;
  int64_t n = 0;
};

// DirectionalAccuracy of per-forecast hits (1 right sign, 0 wrong, 1/2 for a zero forecast or outcome).
DirectionalAccuracy DirectionalAccuracyWithCi(const std::vector<double>& hits, int horizon_bars);

// One family's own point forecasts over the backtest (whatever its gating
// weight): the MAPE ratio to naive and the directional accuracy, so a user
// sees what, e.g., the pooled model would have done alone.
struct FamilyForecastAccuracy {
  std::string family;
  int64_t n = 0;
  double mape = 0, naive_mape = 0, mape_ratio = 0;
  DirectionalAccuracy directional;
};

// A family as judged by the last retrain: its evidence against naive and
// whether it earned pooled weight.
struct FamilyVerdict {
  std::string family;
  SkillEvidence skill;          // pooled, vs naive
  bool no_signal = false;       // forecasts equal naive's
  double pooled_weight = 0;     // 0 when gated out
  std::string gated_out_reason;
};

// Whether the detected states mean what their names say, on bars with no
// truth: what happened over the next horizon after each state was reported.
struct RegimeMeaning {
  struct PerState {
    int64_t n = 0;
    double forward_vol = 0;      // mean intraday realized vol of 1-bar log returns over the next horizon
    double forward_return = 0;   // mean forward log return over the horizon
    double sign_agreement = 0;   // trending states: share of forward returns whose sign matches the name
    double sign_z = 0;           // (agreement - 0.5) / HAC standard error; > 1.96: better than chance at 5 %
  };
  std::map<regime::Regime, PerState> states;
  double volatile_to_range_vol = 0;  // forward vol in volatile / in range_bound (NaN when either is absent)
  PerState trending;                 // trending_up and trending_down together (sign agreement, z)
  boost::json::object ToJson() const;
};

struct BacktestSummary {
  std::vector<double> levels;
  int horizon_bars = 1;
  Metrics model, naive;                                  // over rows with a realized close
  Metrics model_unscaled_bands;                          // the model's points with the old (unscaled) conformal bands
  Metrics model_reference_bands;                         // the model's points with the reference bands (BacktestOptions::reference_gamma)
  std::map<regime::Regime, Metrics> model_by_regime, naive_by_regime, reference_by_regime;
  // The model's forecasts whose horizon stays inside trading, and those whose
  // horizon runs across a break (the close and the overnight gap, a weekend):
  // their realized bar lies more than horizon_bars + 0.5 spacings ahead.
  // Overall coverage can hide one group over-covered and the other under.
  Metrics model_within_session, model_across_break;
  double mape_ratio = 0;                                 // model MAPE / naive MAPE (1 = the random walk)
  DirectionalAccuracy directional;                       // the model's
  SkillEvidence model_vs_naive;                          // DM test of the model's APE against naive's
  std::vector<FamilyVerdict> families;                   // from the last retrain
  std::vector<FamilyForecastAccuracy> family_forecasts;  // every family of each retrain, on the bars it predicted
  std::vector<std::string> no_signal;                    // families with no signal in any retrain
  RegimeMeaning regime_meaning;                          // over the predicted bars with a realized horizon
  std::map<regime::Regime, std::vector<double>> adaptive_levels;  // ACI's effective levels per regime at the end
  double reference_gamma = 0;                            // BacktestOptions::reference_gamma
  int retrains = 0;
  int degraded_rows = 0;
  boost::json::object ToJson() const;
};

struct BacktestResult {
  std::vector<BacktestRow> rows;
  BacktestSummary summary;
};

// Errors: kInvalidArgument naming "to_ts" (empty range), "retrain_every",
// "vol_window", or from Dataset::Validate / ValidateWalkForwardOptions. A
// retrain with too little history is not an error: those bars get the
// degraded naive prediction, exactly as live would.
Result<BacktestResult> RunBacktest(const Dataset& dataset, const BacktestOptions& options);

// "ts,last_close,regime,expected_close,lower_50,upper_50,lower_80,upper_80,lower_95,upper_95,realized_close"
// (level columns follow the levels used; realized_close is empty where the
// horizon runs past the data), ts ISO-8601 UTC.
std::string BacktestCsv(const BacktestResult& result);

// Human-readable summary: MAPE and its ratio to naive, directional accuracy
// with its CI, coverage / width / interval score per level (and the old
// unscaled bands'), per regime, and each family's evidence vs naive.
std::string BacktestSummaryText(const BacktestResult& result);

}  // namespace rc::ml
