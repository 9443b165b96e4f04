#include "server/openapi_schemas.h"

namespace rc::server {
namespace {

constexpr const char* kRegimeEnum =
    R"(["trending_up","trending_down","range_bound","volatile","neutral","unknown"])";
// Doubles the lake may hold as null, and that JSON cannot spell when not
// finite (core/json_text.h writes NaN/Inf as null).
constexpr const char* kNullableNumber = R"({"type":["number","null"]})";

// Where a named schema lives in the document; every shared item is written
// once there (ComponentSchemas) and referred to from wherever it appears.
std::string Ref(std::string_view name) {
  return R"({"$ref":"#/components/schemas/)" + std::string(name) + R"("})";
}

std::string SeriesEnvelope(const std::string& extra_required, const std::string& extra_properties) {
  return R"({"type":"object","required":["symbol","timeframe")" + extra_required +
         R"(],"properties":{"symbol":{"type":"string"},"timeframe":{"type":"string"},)" + extra_properties + "}}";
}

std::string BarBody() {
  return R"({"type":"object","additionalProperties":false,
    "required":["ts","open","high","low","close","volume","session","gap_before"],
    "properties":{"ts":{"type":"string","format":"date-time","description":"bar open time, UTC"},
      "open":{"type":"number"},"high":{"type":"number"},"low":{"type":"number"},"close":{"type":"number"},
      "volume":)" + std::string(kNullableNumber) + R"(,
      "session":{"type":"string","enum":["pre","regular","post","closed"]},
      "gap_before":{"type":"boolean","description":"bars are missing before this one"},
      "forming":{"type":"boolean","description":"websocket bars: true while the bar is still forming"}}})";
}

std::string RegimeStateBody() {
  return R"({"type":"object","additionalProperties":false,"required":["ts","state","confidence"],
    "properties":{"ts":{"type":"string","format":"date-time"},"state":{"type":"string","enum":)" +
         std::string(kRegimeEnum) + R"(},
      "confidence":{"type":"number"},
      "reason":{"type":"string","description":"why the state is unknown, e.g. stale"}}})";
}

std::string LoggedPredictionBody() {
  std::string bands;
  for (const char* level : {"50", "80", "95"}) {
    bands += std::string(R"("lower_)") + level + "\":" + kNullableNumber + R"(,"upper_)" + level + "\":" + kNullableNumber + ",";
  }
  return R"({"type":"object","additionalProperties":false,
    "required":["ts","horizon_minutes","target_ts","last_close","expected_close","expected_return",
                "lower_50","upper_50","lower_80","upper_80","lower_95","upper_95","regime","regime_confidence",
                "weights_json","experiment_id","degraded","realized_close"],
    "properties":{"ts":{"type":"string","format":"date-time","description":"the bar the prediction was made at"},
      "horizon_minutes":{"type":"integer"},
      "target_ts":{"type":"string","format":"date-time","description":"the bar it predicts"},
      "last_close":)" + std::string(kNullableNumber) + R"(,"expected_close":)" + kNullableNumber +
         R"(,"expected_return":)" + kNullableNumber + "," + bands + R"(
      "regime":{"type":"string","enum":)" + kRegimeEnum + R"(},"regime_confidence":)" + kNullableNumber + R"(,
      "weights_json":{"type":"string","description":"family -> weight, as JSON text"},
      "experiment_id":{"type":"string"},"degraded":{"type":"boolean"},
      "realized_close":{"type":["number","null"],"description":"null until the target bar has closed"}}})";
}

std::string PredictionBody() {
  return R"({"type":"object",
    "required":["symbol","timeframe","horizon_minutes","last_close","silver_version","regime","regime_confidence",
                "expected_return","expected_price","bands","weights","weights_source","gated_out","family_returns",
                "band_source","bands_volatility_scaled","bands_adaptive","champion","challenger","experiment_id",
                "curated_experiment_id","model_age_seconds","data_last_ts","data_age_seconds","stale","degraded",
                "horizon_bars"],
    "properties":{
      "symbol":{"type":"string"},"timeframe":{"type":"string"},"horizon_minutes":{"type":"integer"},
      "horizon_bars":{"type":"integer"},"last_close":{"type":"number"},"silver_version":{"type":"integer"},
      "as_of":{"type":"string","format":"date-time","description":"present for a backfill: as_of given in the request"},
      "regime":{"type":"string","enum":)" + std::string(kRegimeEnum) + R"(},"regime_confidence":{"type":"number"},
      "expected_return":)" + kNullableNumber + R"(,"expected_price":)" + kNullableNumber + R"(,
      "bands":{"type":"array","items":{"type":"object","required":["level","lower","upper","lower_return","upper_return"],
        "properties":{"level":{"type":"number"},"lower":)" + kNullableNumber + R"(,"upper":)" + kNullableNumber +
         R"(,"lower_return":)" + kNullableNumber + R"(,"upper_return":)" + kNullableNumber + R"(}}},
      "weights":{"type":"object","additionalProperties":{"type":"number"}},
      "weights_source":{"type":"string","description":"regime, pooled, uniform, curated or fallback"},
      "gated_out":{"type":"object","additionalProperties":{"type":"string"}},
      "family_returns":{"type":"object","additionalProperties":)" + kNullableNumber + R"(},
      "band_source":{"type":"string","description":"where the band quantiles came from: regime_shrunk = the regime's own residual quantiles blended with the pooled ones by how many residuals lie beyond each level; regime, regime_scaled = experiments trained before that method; pooled; volatility = no calibrated model"},
      "bands_volatility_scaled":{"type":"boolean"},"bands_adaptive":{"type":"boolean"},
      "champion":{"type":"string"},"challenger":{"type":"string"},"experiment_id":{"type":"string"},
      "curated_experiment_id":{"type":"string"},
      "model_age_seconds":{"type":"number"},"model_trained_at":{"type":"string","format":"date-time"},
      "data_last_ts":{"type":"string","description":"close of the newest bar used, ISO-8601; empty when none"},
      "data_age_seconds":{"type":"number"},
      "stale":{"type":"boolean"},"degraded":{"type":"boolean"},"degraded_reason":{"type":"string"},
      "pooled":{"type":"object","required":["model_id","forecast","weight","used","reason"],
        "description":"present when the experiment has the pooled family, trained by train --pooled: the pooled model its input came from",
        "properties":{"model_id":{"type":"string","description":"the pooled model, stored under experiments/pooled/; empty when the experiment names none"},
          "forecast":)" + kNullableNumber + R"(,
          "weight":{"type":"number","description":"the pooled family's weight in this prediction"},
          "used":{"type":"boolean","description":"weight > 0"},
          "reason":{"type":"string","description":"when not used: why: the pooled input could not be built, or the gate's reason such as no signal"}}}}})";
}

std::string FamilyWeightsBody() {
  return R"({"type":"object","required":["weights","gated_out","source"],"properties":{
    "weights":{"type":"object","additionalProperties":{"type":"number"},"description":"family -> weight, summing to 1"},
    "gated_out":{"type":"object","additionalProperties":{"type":"string"},"description":"family -> why it got no weight"},
    "source":{"type":"string","description":"regime, pooled, uniform or fallback"}}})";
}

std::string GatingBody() {
  return R"({"type":"object","required":["pooled","per_regime"],"properties":{"pooled":)" + Ref("FamilyWeights") +
         R"(,"per_regime":{"type":"object","additionalProperties":)" + Ref("FamilyWeights") + "}}}";
}

std::string ModelRefBody() {
  return R"({"type":["object","null"],"required":["experiment_id","family","primary"],"properties":{
    "experiment_id":{"type":"string"},"family":{"type":"string"},
    "primary":{"type":["number","null"],"description":"mean out-of-fold primary metric, lower is better"}}})";
}

std::string CuratedWeightsProperties() {
  return R"("families":{"type":"object","additionalProperties":{"type":"number"}},"who":{"type":"string"},
    "why":{"type":"string"},"when":{"type":"string","format":"date-time"},"when_us":{"type":"integer"})";
}

// Forecast quality over a set of bars (ml/eval): the overall and per-regime blocks.
std::string MetricSetBody() {
  return R"({"type":"object","required":["n"],"properties":{"n":{"type":"integer"},
    "mape":)" + std::string(kNullableNumber) + R"(,"rmse":)" + kNullableNumber + R"(,"mae":)" + kNullableNumber +
         R"(,"directional_accuracy":)" + kNullableNumber + R"(,
    "bands":{"type":"array","items":{"type":"object","required":["level"],"properties":{"level":{"type":"number"},
      "coverage":)" + kNullableNumber + R"(,"mean_width":)" + kNullableNumber + R"(,"interval_score":)" +
         kNullableNumber + "}}}}}";
}

// One walk-forward fold's quality: a metric set with its own per-regime blocks.
std::string FoldMetricSetBody() {
  return R"({"allOf":[)" + Ref("MetricSet") +
         R"(,{"type":"object","properties":{"regimes":{"type":"object","additionalProperties":)" + Ref("MetricSet") +
         "}}}]}";
}

std::string CalibrationBlockBody() {
  return R"({"type":"object","properties":{"n":{"type":"integer"},"source":{"type":"string"},
    "half_width":{"type":"array","items":{"type":"string"},"description":"per level, exact decimal text"},
    "grid":{"type":"array","items":{"type":"string"}}}})";
}

std::string ModelEntryBody() {
  return R"({"type":"object",
    "required":["symbol","timeframe","horizon_minutes","champion","challenger","active_experiment","gating",
                "updated_at","updated_at_us","curated"],
    "properties":{"symbol":{"type":"string"},"timeframe":{"type":"string"},"horizon_minutes":{"type":"integer"},
      "champion":)" + Ref("ModelRef") + R"(,"challenger":)" + Ref("ModelRef") + R"(,
      "active_experiment":{"type":"string","description":"whose models and weights predictions use"},
      "gating":)" + Ref("Gating") + R"(,
      "updated_at":{"type":"string","format":"date-time"},"updated_at_us":{"type":"integer"},
      "curated":{"type":["object","null"],"description":"a hand-set override of the gating weights, null when none",
        "required":["experiment_id","families","who","why","when"],
        "properties":{"experiment_id":{"type":"string"},)" + CuratedWeightsProperties() + "}}}}";
}

std::string JobBody() {
  return std::string(R"({"type":"object","required":["id","kind","state","submitted_at","params"],
    "properties":{"id":{"type":"string"},"kind":{"type":"string","enum":["train","train_batch","train_pooled","backtest"]},
      "state":{"type":"string","enum":["queued","running","succeeded","failed"]},
      "submitted_at":{"type":"string","format":"date-time"},"started_at":{"type":"string","format":"date-time"},
      "finished_at":{"type":"string","format":"date-time"},
      "params":{"type":"object","properties":{"bot_name":{"type":"string"},"symbol":{"type":"string"},
        "timeframe":{"type":"string"},"horizon_minutes":{"type":"integer"},"folds":{"type":"integer"},
        "reason":{"type":"string","description":"who asked: api, drift, schedule"},
        "series":{"type":"array","items":{"type":"string"},"description":"train_batch: SYMBOL:TF+HORIZON each; train_pooled: the symbols given, empty for every series of the lake"},
        "pooled":{"type":"boolean","description":"train_pooled"},"pooled_learner":{"type":"string","description":"train_pooled: ridge or gbdt"},
        "horizons_minutes":{"type":"array","items":{"type":"integer"},"description":"train_pooled: one pooled model each"},
        "workers":{"type":"integer","description":"train_batch: training pool workers"},
        "retrain_every":{"type":"integer","description":"backtest: bars between retrains"},
        "from":{"type":"string","format":"date-time","description":"backtest: first bar predicted, when given"},
        "to":{"type":"string","format":"date-time","description":"backtest: end, exclusive, when given"}}},
      "progress":{"type":"object","description":"train_batch: series trained so far; backtest: steps done of 2, run then saved",
        "properties":{"done":{"type":"integer"},"failed":{"type":"integer"},"total":{"type":"integer"},
          "eta_seconds":)") + kNullableNumber + R"(}},
      "result":{"type":"object","description":"when succeeded: the training summary, for train_batch each series' outcome, for a backtest its headline, the summary being GET /api/models/backtest",
        "properties":{"symbol":{"type":"string"},"timeframe":{"type":"string"},"horizon_minutes":{"type":"integer"},
          "predictions":{"type":"integer","description":"backtest: bars predicted"},
          "mape_ratio":)" + kNullableNumber + R"(,"experiment_id":{"type":"string"},"champion":{"type":"string"},"challenger":{"type":"string"},
          "rows":{"type":"integer"},"folds":{"type":"integer"},"silver_version":{"type":"integer"},
          "primary_metric":{"type":"string"},
          "families":{"type":"object","additionalProperties":{"type":"object","required":["ok"],"properties":{
            "ok":{"type":"boolean"},"error":{"type":"string"},"mape":)" + kNullableNumber + R"(,"rmse":)" +
         kNullableNumber + R"(,"directional_accuracy":)" + kNullableNumber + R"(,
            "bands":{"type":"object","description":"level in percent -> coverage and mean width",
              "additionalProperties":{"type":"object","properties":{"coverage":)" + kNullableNumber +
         R"(,"mean_width":)" + kNullableNumber + R"(}}}}}}}},
      "error":{"type":"object","description":"when failed","required":["code","message"],
        "properties":{"code":{"type":"string"},"message":{"type":"string"},"field":{"type":"string"}}}}})";
}

std::string ExperimentRecordBody() {
  return R"({"type":"object",
    "required":["id","kind","symbol","timeframe","horizon_minutes","horizon_bars","created_at","data","parameters",
                "feature_names","families","failed","primary_metric","primary_by_family","champion","challenger",
                "gating","calibration","metrics","folds"],
    "properties":{"id":{"type":"string"},"kind":{"type":"string","description":"orchestrator, single or curated"},
      "symbol":{"type":"string"},"timeframe":{"type":"string"},"horizon_minutes":{"type":"integer"},
      "horizon_bars":{"type":"integer"},"created_at":{"type":"string","format":"date-time"},
      "created_at_us":{"type":"integer"},
      "data":{"type":"object","properties":{"lake_table_version":{"type":"string"},"silver_identity":{"type":"string"},
        "first_ts":{"type":"integer"},"last_ts":{"type":"integer"},"rows":{"type":"integer"}}},
      "parameters":{"type":"object","description":"the training parameters as given","properties":{
        "folds":{"type":"integer"},"min_train_rows":{"type":"integer"},"families":{"type":"array","items":{"type":"string"}},
        "primary_metric":{"type":"string"},"purge_gap_bars":{"type":"integer"},"seed":{"type":"integer"},
        "gating":{"type":"object","additionalProperties":{"type":"number"}},
        "bands":{"type":"object","description":"the options the bands were calibrated with, as in ml/bands.h BandOptions",
          "properties":{"levels":{"type":"array","items":{"type":"number"}},
          "regime_method":{"type":"string","enum":["tail_shrunk","threshold"],
            "description":"how a regime's quantiles were formed: tail_shrunk = own quantiles blended with the pooled ones by the residuals beyond each level; threshold = the earlier rule: own band from min_regime_residuals, rescaled pooled band from min_scaled_regime_residuals"},
          "tail_pseudo_count":{"type":"number"},"min_regime_residuals":{"type":"integer"},
          "min_scaled_regime_residuals":{"type":"integer"},"regime_shrinkage":{"type":"number"},
          "volatility_scaled":{"type":"boolean"},"scale_weight":{"type":"number"},"session_profile":{"type":"boolean"}}}}},
      "feature_names":{"type":"array","items":{"type":"string"}},
      "families":{"type":"array","items":{"type":"string"}},
      "failed":{"type":"object","additionalProperties":{"type":"string"},"description":"family -> why training failed"},
      "primary_metric":{"type":"string"},
      "primary_by_family":{"type":"object","additionalProperties":)" + std::string(kNullableNumber) + R"(},
      "champion":{"type":"string"},"challenger":{"type":"string"},"gating":)" + Ref("Gating") + R"(,
      "calibration":{"type":"object","properties":{"method":{"type":"string"},
        "levels":{"type":"array","items":{"type":"number"}},"pooled":)" + Ref("CalibrationBlock") + R"(,
        "per_regime":{"type":"object","additionalProperties":)" + Ref("CalibrationBlock") + R"(},
        "reference_vol":{"type":"string"},"scale_weight":{"type":"string"},
        "session_profile":{"type":"object","required":["minutes","variance","horizon_bars","vol_window"],
          "description":"time-of-day profile the scale follows (ml/session_profile.h); absent: none",
          "properties":{"minutes":{"type":"array","items":{"type":"integer","minimum":0,"maximum":1439},
              "description":"minutes of the UTC day at which the market's bars open, ascending"},
            "variance":{"type":"array","items":{"type":"string"},"description":"relative variance of a bar's return at each minute, mean 1"},
            "horizon_bars":{"type":"integer","minimum":1},"vol_window":{"type":"integer","minimum":2}}}}},
      "metrics":{"type":"object","description":"family -> its out-of-fold quality",
        "additionalProperties":{"type":"object","required":["ok"],"properties":{"ok":{"type":"boolean"},
          "error":{"type":"string"},"overall":)" + Ref("MetricSet") + R"(,
          "regimes":{"type":"object","additionalProperties":)" + Ref("MetricSet") + R"(},
          "folds":{"type":"array","items":)" + Ref("FoldMetricSet") + R"(},
          "primary_mean":)" + kNullableNumber + R"(,
          "model":{"type":"object","description":"empty for the ensemble","properties":{"family":{"type":"string"}},
            "additionalProperties":{"description":"the family's fitted parameters"}}}}},
      "folds":{"type":"array","items":{"type":"object","properties":{"index":{"type":"integer"},
        "train_begin":{"type":"integer"},"train_end":{"type":"integer"},"test_begin":{"type":"integer"},
        "test_end":{"type":"integer"},"train_last_ts":{"type":"string","format":"date-time"},
        "test_first_ts":{"type":"string","format":"date-time"},"test_last_ts":{"type":"string","format":"date-time"}}}},
      "curated":{"type":"object","description":"curated experiments: the hand-set weights and who set them",
        "properties":{)" + CuratedWeightsProperties() + R"(,"base_experiment":{"type":"string"}}}}})";
}

std::string CuratedResultBody() {
  return R"({"type":"object","required":["id","key","model"],
    "properties":{"id":{"type":"string","description":"the curated experiment"},
      "key":{"type":"string","description":"SYMBOL|TIMEFRAME|HORIZON"},
      "model":)" + Ref("ModelEntry") + "}}";
}

// A family's (or the ensemble's) skill against the random walk (ml/skill_test.h).
std::string SkillVsNaiveBody() {
  return R"({"type":"object","required":["n","dm_stat","p_value","equals_naive"],"properties":{
    "n":{"type":"integer","description":"paired bars behind the test"},
    "df":{"type":"integer","description":"degrees of freedom of the t reference (EWC cosines); 0: too few pairs to test; absent from summaries saved before it existed"},
    "mean_loss_diff":)" + std::string(kNullableNumber) + R"(,"dm_stat":)" + kNullableNumber + R"(,"p_value":)" +
         kNullableNumber + R"(,
    "equals_naive":{"type":"boolean","description":"forecasts equal naive's on every paired bar"}},
    "description":"Diebold-Mariano test of the absolute percentage errors against naive (equal-weighted cosine variance, Student t with df); one-sided p"})";
}

// What the bars labelled with one regime did next (the backtest's regime_meaning).
std::string RegimeMeaningBody() {
  return R"({"type":"object","required":["n"],"properties":{"n":{"type":"integer"},
    "forward_vol":)" + std::string(kNullableNumber) + R"(,"forward_return":)" + kNullableNumber +
         R"(,"sign_agreement":)" + kNullableNumber + R"(,"sign_z":)" + kNullableNumber + "}}";
}

// Share of forecasts whose sign was right (a zero forecast counts 1/2), with
// 95 % intervals that allow for overlapping horizons (ml/backtest/backtest.h).
std::string DirectionalAccuracyBody() {
  const std::string number = kNullableNumber;
  return R"({"type":"object","required":["value","ci95_low","ci95_high","n"],
    "description":"share of right signs (a zero forecast counts 1/2); ci95: normal interval with a HAC standard error, wilson95: Wilson interval over n_effective",
    "properties":{
    "value":)" + number + R"(,"ci95_low":)" + number + R"(,"ci95_high":)" + number + R"(,
    "wilson95_low":)" + number + R"(,"wilson95_high":)" + number + R"(,
    "n_effective":{"type":["number","null"],"description":"outcomes after discounting overlapping horizons"},
    "n":{"type":"integer"}}})";
}

// One family's own forecasts over a backtest, beside naive's on the same bars.
std::string FamilyForecastBody() {
  const std::string number = kNullableNumber;
  return R"({"type":"object","required":["family","n","mape","naive_mape","mape_ratio","directional_accuracy"],
    "properties":{"family":{"type":"string"},"n":{"type":"integer"},"mape":)" + number + R"(,"naive_mape":)" + number +
         R"(,"mape_ratio":{"type":["number","null"],"description":"the family's MAPE / naive's: below 1 beats the random walk"},
    "directional_accuracy":)" + Ref("DirectionalAccuracy") + "}}";
}

std::string BacktestSummaryBody() {
  const std::string number = kNullableNumber;
  return R"({"type":"object",
    "required":["symbol","timeframe","horizon_minutes","predictions","model","naive","model_unscaled_bands","mape_ratio",
                "directional_accuracy","model_vs_naive","families","no_signal","regimes","horizon_bars","retrains",
                "degraded_rows"],
    "properties":{"symbol":{"type":"string"},"timeframe":{"type":"string"},"horizon_minutes":{"type":"integer"},
      "predictions":{"type":"integer","description":"bars predicted"},
      "from":{"type":"string","format":"date-time","description":"first bar predicted"},
      "to":{"type":"string","format":"date-time","description":"end, exclusive"},
      "retrain_every":{"type":"integer"},"folds":{"type":"integer"},"min_train_rows":{"type":"integer"},
      "finished_at":{"type":"string","format":"date-time","description":"when the saved backtest ended"},
      "model":)" + Ref("MetricSet") + R"(,"naive":)" + Ref("MetricSet") +
         R"(,"model_unscaled_bands":)" + Ref("MetricSet") + R"(,
      "model_by_break":{"type":"object","required":["within_session","across_break"],
        "description":"the model's forecasts whose horizon stays inside trading, and those whose horizon runs across a break in trading: the close and the overnight gap, or a weekend",
        "properties":{"within_session":)" + Ref("MetricSet") + R"(,"across_break":)" + Ref("MetricSet") + R"(}},
      "mape_ratio":{"type":["number","null"],"description":"ensemble MAPE / naive MAPE: below 1 beats the random walk"},
      "directional_accuracy":)" + Ref("DirectionalAccuracy") + R"(,
      "family_forecasts":{"type":"array","items":)" + Ref("FamilyForecast") + R"(,
        "description":"each family's own forecasts over the backtest, against naive's on the same bars"},
      "model_reference_bands":)" + Ref("MetricSet") + R"(,
      "reference_gamma":{"type":"number","description":"ACI step of the reference bands"},
      "pooled":{"type":"object","required":["enabled"],
        "description":"the pooled (global) model's part: its out-of-sample forecasts fed to the series' families",
        "properties":{"enabled":{"type":"boolean"},"learner":{"type":"string","description":"ridge or gbdt"},
          "series":{"type":"array","items":{"type":"string"},"description":"symbols pooled, all of one timeframe"},
          "blocks":{"type":"integer"},"fitted_blocks":{"type":"integer","description":"blocks with enough rows to fit"},
          "last_train_rows":{"type":"integer"},
          "last_model":{"type":"object","additionalProperties":true,"description":"the newest fit's description"}}},
      "model_vs_naive":)" + Ref("SkillVsNaive") + R"(,
      "families":{"type":"array","items":{"type":"object","required":["family","skill_vs_naive","no_signal","pooled_weight"],
        "properties":{"family":{"type":"string"},"skill_vs_naive":)" + Ref("SkillVsNaive") + R"(,
          "no_signal":{"type":"boolean","description":"forecasts equal naive's: carries no weight of its own"},
          "pooled_weight":{"type":"number"},
          "gated_out":{"type":"string","description":"why it got no pooled weight; empty when it kept some"}}},
        "description":"each family as judged by the last retrain"},
      "no_signal":{"type":"array","items":{"type":"string"},"description":"families with no signal in any retrain"},
      "regime_meaning":{"type":"object","properties":{
        "states":{"type":"object","additionalProperties":)" + Ref("RegimeMeaning") + R"(},
        "volatile_to_range_vol":)" + number + R"(,"trending":)" + Ref("RegimeMeaning") + R"(}},
      "adaptive_levels":{"type":"object","additionalProperties":{"type":"array","items":{"type":"number"}},
        "description":"regime -> the effective quantile level of each band at the end, adaptive conformal"},
      "regimes":{"type":"object","additionalProperties":{"type":"object","required":["model"],"properties":{
        "model":)" + Ref("MetricSet") + R"(,"naive":)" + Ref("MetricSet") + R"(,"mape_ratio":)" + number + R"(,
        "reference":)" + Ref("MetricSet") + R"(}}},
      "horizon_bars":{"type":"integer"},"retrains":{"type":"integer"},"degraded_rows":{"type":"integer"}}})";
}

}  // namespace

std::vector<NamedSchema> ComponentSchemas() {
  return {{"Bar", BarBody()},
          {"RegimeState", RegimeStateBody()},
          {"LoggedPrediction", LoggedPredictionBody()},
          {"Prediction", PredictionBody()},
          {"FamilyWeights", FamilyWeightsBody()},
          {"Gating", GatingBody()},
          {"ModelRef", ModelRefBody()},
          {"ModelEntry", ModelEntryBody()},
          {"Job", JobBody()},
          {"MetricSet", MetricSetBody()},
          {"FoldMetricSet", FoldMetricSetBody()},
          {"CalibrationBlock", CalibrationBlockBody()},
          {"ExperimentRecord", ExperimentRecordBody()},
          {"CuratedResult", CuratedResultBody()},
          {"SkillVsNaive", SkillVsNaiveBody()},
          {"RegimeMeaning", RegimeMeaningBody()},
          {"DirectionalAccuracy", DirectionalAccuracyBody()},
          {"FamilyForecast", FamilyForecastBody()},
          {"BacktestSummary", BacktestSummaryBody()}};
}

std::string BarSchema() { return Ref("Bar"); }
std::string RegimeStateSchema() { return Ref("RegimeState"); }
std::string LoggedPredictionSchema() { return Ref("LoggedPrediction"); }
std::string PredictionSchema() { return Ref("Prediction"); }
std::string ModelEntrySchema() { return Ref("ModelEntry"); }
std::string JobSchema() { return Ref("Job"); }
std::string ExperimentRecordSchema() { return Ref("ExperimentRecord"); }
std::string CuratedResultSchema() { return Ref("CuratedResult"); }
std::string BacktestSummarySchema() { return Ref("BacktestSummary"); }

std::string BarsResponseSchema() {
  return SeriesEnvelope(R"(,"bars")", R"("bars":{"type":"array","items":)" + Ref("Bar") + "}");
}

std::string IndicatorsResponseSchema() {
  return SeriesEnvelope(R"(,"preset","ts","series")",
                        R"("preset":{"type":"string"},
      "ts":{"type":"array","items":{"type":"string","format":"date-time"}},
      "series":{"type":"object","description":"indicator name -> one value per ts, null during warm-up",
        "additionalProperties":{"type":"array","items":)" + std::string(kNullableNumber) + "}}");
}

std::string RegimeResponseSchema() {
  return SeriesEnvelope(R"(,"current","history")", R"("current":)" + Ref("RegimeState") +
                                                        R"(,"history":{"type":"array","items":)" +
                                                        Ref("RegimeState") + "}");
}

std::string PredictionsResponseSchema() {
  return SeriesEnvelope(R"(,"predictions")",
                        R"("predictions":{"type":"array","items":)" + Ref("LoggedPrediction") + "}");
}

std::string WatchlistResponseSchema() {
  return R"({"type":"object","required":["series"],"properties":{"series":{"type":"array","items":{
    "type":"object","additionalProperties":false,
    "required":["symbol","timeframe","source","in_lake","exchange","timezone","model_active","active_horizons"],
    "properties":{"symbol":{"type":"string"},"timeframe":{"type":"string","enum":["1m","5m","15m","30m","1h","1d"]},
      "source":{"type":"string","enum":["watchlist","lake"],"description":"listed in WATCHLIST, or only found in the lake"},
      "in_lake":{"type":"boolean","description":"the lake has bars for it"},
      "exchange":{"type":"string","description":"exchange calendar, e.g. NSE"},
      "timezone":{"type":"string","description":"IANA zone of the exchange, e.g. Asia/Kolkata"},
      "model_active":{"type":"boolean"},
      "active_horizons":{"type":"array","items":{"type":"integer"},"description":"minutes with an active model"}}}}}})";
}

std::string ModelsResponseSchema() {
  return R"({"type":"object","required":["models"],"properties":{"models":{"type":"array","items":)" +
         Ref("ModelEntry") + "}}}";
}

std::string JobsResponseSchema() {
  return R"({"type":"object","required":["jobs"],"properties":{"jobs":{"type":"array","items":)" + Ref("Job") + "}}}";
}

std::string ExperimentsResponseSchema() {
  return R"({"type":"object","required":["experiments"],"properties":{"experiments":{"type":"array","items":{
    "type":"object","required":["id","kind","symbol","timeframe","horizon_minutes","created_at","champion","challenger",
                                "primary_metric","silver_version"],
    "properties":{"id":{"type":"string"},"kind":{"type":"string"},"symbol":{"type":"string"},
      "timeframe":{"type":"string"},"horizon_minutes":{"type":"integer"},
      "created_at":{"type":"string","format":"date-time"},"champion":{"type":"string"},
      "challenger":{"type":"string"},"primary_metric":{"type":"string"},
      "silver_version":{"type":"string","description":"the silver table version trained on"}}}}}})";
}

std::string ClearModelsResponseSchema() {
  return R"({"type":"object","required":["dry_run","removed","kept","backup"],"properties":{
    "dry_run":{"type":"boolean"},
    "removed":{"type":"array","items":{"type":"string"},"description":"experiment ids removed, or that would be"},
    "kept":{"type":"object","additionalProperties":{"type":"string"},"description":"experiment id -> why kept"},
    "backup":{"type":"string","description":"where the registry was backed up; empty on a dry run"}}})";
}

}  // namespace rc::server
