#include "ml/predict/predictor.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "core/numeric.h"
#include "core/time.h"
#include "ml/internal/json_io.h"
#include "ml/pooled/pooled_forecast.h"
#include "ml/registry/pooled_store.h"

namespace rc::ml {

std::shared_ptr<const LoadedExperiment> MakeLoadedExperiment(ExperimentRecord record, const TrainingResult& result) {
  auto exp = std::make_shared<LoadedExperiment>();
  exp->record = std::move(record);
  for (const FamilyResult& fr : result.families) {
    if (fr.ok && fr.final_model) exp->models[fr.family] = fr.final_model;
  }
  return exp;
}

Result<std::shared_ptr<const LoadedExperiment>> ModelCache::Get(const std::string& experiment_id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(experiment_id);
    if (it != cache_.end()) return it->second;
  }
  // Load outside the lock: a slow disk must not block predictions of other keys.
  RC_ASSIGN_OR_RETURN(ExperimentRecord record, registry_->Load(experiment_id));
  auto exp = std::make_shared<LoadedExperiment>();
  RC_ASSIGN_OR_RETURN(exp->models, registry_->LoadModels(record));
  exp->record = std::move(record);
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = cache_.emplace(experiment_id, std::move(exp));
  return it->second;
}

void ModelCache::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  cache_.clear();
}

void ModelCache::RetainOnly(const std::set<std::string>& keep) {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(cache_, [&keep](const auto& item) { return !keep.contains(item.first); });
}

size_t ModelCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cache_.size();
}

std::vector<BandOut> BandsAround(double expected_return, const BandQuantiles& q, const std::vector<double>& levels,
                                 double last_close) {
  std::vector<BandOut> bands;
  double prev = 0;
  for (size_t lvl = 0; lvl < levels.size() && lvl < q.half_width.size(); ++lvl) {
    const double hw = std::max(prev, q.half_width[lvl]);
    prev = hw;
    BandOut b;
    b.level = levels[lvl];
    b.lower_return = expected_return - hw;
    b.upper_return = expected_return + hw;
    b.lower = last_close * std::exp(b.lower_return);
    b.upper = last_close * std::exp(b.upper_return);
    bands.push_back(b);
  }
  return bands;
}

namespace {

void FillBands(Prediction& p, const BandQuantiles& q, const std::vector<double>& levels, double last_close) {
  p.band_source = q.source;
  p.bands = BandsAround(p.expected_return, q, levels, last_close);
}

std::string PooledMissingReason(const PredictionRequest& req) {
  if (!req.pooled_unavailable.empty()) return req.pooled_unavailable;
  return std::string("no '") + kPooledForecastFeature + "' in the input row (built from a pooled model by serving)";
}

// The pooled family's part of the prediction, once the weights are known.
void DescribePooled(Prediction& p, const PredictionRequest& req, const ExperimentRecord& rec, const Eigen::RowVectorXd& x,
                    bool pooled_missing) {
  if (!HasPooledFamily(rec)) return;
  p.pooled_in_experiment = true;
  p.pooled_model_id = req.pooled_model_id;
  p.pooled_forecast = kNaN;
  const auto col = std::find(rec.feature_names.begin(), rec.feature_names.end(), kPooledForecastFeature);
  if (!pooled_missing && col != rec.feature_names.end()) p.pooled_forecast = x[col - rec.feature_names.begin()];
  if (auto w = p.weights.find(kPooledFamily); w != p.weights.end() && w->second > 0) return;
  if (pooled_missing) {
    p.pooled_reason = PooledMissingReason(req);
  } else if (auto why = p.gated_out.find(kPooledFamily); why != p.gated_out.end()) {
    p.pooled_reason = why->second;
  } else {
    p.pooled_reason = "weight 0 in this regime";
  }
}

void Degrade(Prediction& p, const PredictionRequest& req, const std::string& why) {
  p.degraded = true;
  p.degraded_reason = why;
  p.weights = {{"naive", 1.0}};
  p.family_returns = {{"naive", 0.0}};
  p.weights_source = "fallback";
  p.expected_return = 0;
  p.expected_price = req.last_close;
  FillBands(p, VolatilityBands(std::isfinite(req.recent_vol_per_bar) ? req.recent_vol_per_bar : 0.0,
                               req.horizon_bars, req.levels),
            req.levels, req.last_close);
}

}  // namespace

Prediction Predict(const PredictionRequest& req, const IndexEntry* entry, const LoadedExperiment* exp) {
  Prediction p;
  p.regime = req.regime.regime;
  p.regime_confidence = req.regime.confidence;
  p.horizon_bars = req.horizon_bars;
  p.data_last_ts = req.last_bar_ts;
  p.data_age_seconds = static_cast<double>(req.now - (req.last_bar_ts + req.bar_spacing_us)) / kMicrosPerSecond;
  p.stale = req.bar_spacing_us > 0 &&
            p.data_age_seconds * kMicrosPerSecond > req.stale_after_bars * static_cast<double>(req.bar_spacing_us);
  if (entry) {
    if (entry->champion) p.champion = entry->champion->family;
    if (entry->challenger) p.challenger = entry->challenger->family;
  }
  if (!exp || exp->models.empty()) {
    Degrade(p, req, entry ? "active experiment has no loadable models" : "no trained model for this key");
    return p;
  }
  const ExperimentRecord& rec = exp->record;
  p.experiment_id = rec.id;
  p.model_trained_at = rec.created_at;
  // Age of the model at the prediction's as-of (market) time. A model trained
  // after that time (a backfill over history with today's model) is age 0, not
  // negative: it is as fresh as a model can be.
  p.model_age_seconds = static_cast<double>(std::max<int64_t>(0, req.now - rec.created_at)) / kMicrosPerSecond;
  if (!std::isfinite(req.last_close) || req.last_close <= 0) {
    Degrade(p, req, "last close is not a positive price");
    return p;
  }

  // Feature row in the model's column order. The pooled forecast column is
  // built only by a pooled run (ml/pooled/); without it the pooled family
  // cannot predict and is skipped, while every other family ignores that
  // column (it was hidden from them in training), so 0 stands in for it.
  Eigen::RowVectorXd x(static_cast<Eigen::Index>(rec.feature_names.size()));
  bool pooled_missing = false;
  bool same_order = req.feature_names == rec.feature_names && req.features.size() == x.size();
  if (same_order) {
    x = req.features;
  } else {
    for (size_t col = 0; col < rec.feature_names.size(); ++col) {
      auto it = std::find(req.feature_names.begin(), req.feature_names.end(), rec.feature_names[col]);
      if (it == req.feature_names.end() || static_cast<Eigen::Index>(it - req.feature_names.begin()) >= req.features.size()) {
        if (rec.feature_names[col] == kPooledForecastFeature) {
          pooled_missing = true;
          x[static_cast<Eigen::Index>(col)] = 0.0;
          continue;
        }
        Degrade(p, req, "feature '" + rec.feature_names[col] + "' missing from the input row");
        return p;
      }
      x[static_cast<Eigen::Index>(col)] = req.features[it - req.feature_names.begin()];
    }
  }
  for (Eigen::Index col = 0; col < x.size(); ++col) {
    if (!std::isfinite(x[col])) {
      Degrade(p, req, "feature '" + rec.feature_names[static_cast<size_t>(col)] + "' is not finite (warm-up or gap)");
      return p;
    }
  }

  FamilyWeights weights;
  if (entry && entry->curated) {
    weights = CuratedWeights(entry->curated->weights, rec.families);
    p.curated_experiment_id = entry->curated->experiment_id;
  } else {
    weights = rec.gating.For(p.regime);
  }
  p.weights_source = weights.source;
  p.gated_out = weights.gated_out;
  double sum = 0, wsum = 0;
  for (const auto& [family, w] : weights.weights) {
    if (pooled_missing && family == kPooledFamily) {
      p.gated_out[family] = PooledMissingReason(req);
      continue;
    }
    auto it = exp->models.find(family);
    if (it == exp->models.end()) {
      p.gated_out[family] = "no model artifact in experiment " + rec.id;
      continue;
    }
    double r = it->second->PredictRow(x);
    if (!std::isfinite(r)) {
      p.gated_out[family] = "non-finite prediction";
      continue;
    }
    p.family_returns[family] = r;
    p.weights[family] = w;
    sum += w * r;
    wsum += w;
  }
  DescribePooled(p, req, rec, x, pooled_missing);
  if (wsum <= 0) {
    Degrade(p, req, "no weighted family could predict");
    return p;
  }
  for (auto& [f, w] : p.weights) w /= wsum;
  p.expected_return = sum / wsum;
  p.expected_price = req.last_close * std::exp(p.expected_return);
  const BandCalibration& cal = rec.calibration;
  const BandQuantiles q =
      cal.ServedHalfWidths(p.regime, req.recent_vol_per_bar, req.last_bar_ts, req.adaptive_levels, &p.bands_adaptive);
  p.bands_volatility_scaled = cal.scaled;
  FillBands(p, q, cal.levels, req.last_close);
  return p;
}

boost::json::object Prediction::ToJson() const {
  using internal::NumberOrNull;
  boost::json::object w, g, fr;
  for (const auto& [f, v] : weights) w[f] = v;
  for (const auto& [f, why] : gated_out) g[f] = why;
  for (const auto& [f, v] : family_returns) fr[f] = NumberOrNull(v);
  boost::json::array b;
  for (const BandOut& band : bands) {
    b.push_back(boost::json::object{{"level", band.level},
                                    {"lower", NumberOrNull(band.lower)},
                                    {"upper", NumberOrNull(band.upper)},
                                    {"lower_return", NumberOrNull(band.lower_return)},
                                    {"upper_return", NumberOrNull(band.upper_return)}});
  }
  boost::json::object o{{"regime", regime::ToString(regime)},
                        {"regime_confidence", regime_confidence},
                        {"weights", w},
                        {"weights_source", weights_source},
                        {"gated_out", g},
                        {"family_returns", fr},
                        {"expected_return", NumberOrNull(expected_return)},
                        {"expected_price", NumberOrNull(expected_price)},
                        {"bands", b},
                        {"band_source", band_source},
                        {"bands_volatility_scaled", bands_volatility_scaled},
                        {"bands_adaptive", bands_adaptive},
                        {"champion", champion},
                        {"challenger", challenger},
                        {"experiment_id", experiment_id},
                        {"curated_experiment_id", curated_experiment_id},
                        {"model_age_seconds", model_age_seconds},
                        {"data_last_ts", data_last_ts ? FormatIsoUtc(data_last_ts) : ""},
                        {"data_age_seconds", data_age_seconds},
                        {"stale", stale},
                        {"degraded", degraded},
                        {"horizon_bars", horizon_bars}};
  if (model_trained_at) o["model_trained_at"] = FormatIsoUtc(model_trained_at);
  if (degraded) o["degraded_reason"] = degraded_reason;
  if (pooled_in_experiment) {
    auto w_it = weights.find(kPooledFamily);
    o["pooled"] = boost::json::object{{"model_id", pooled_model_id},
                                      {"forecast", NumberOrNull(pooled_forecast)},
                                      {"weight", w_it == weights.end() ? 0.0 : w_it->second},
                                      {"used", w_it != weights.end() && w_it->second > 0},
                                      {"reason", pooled_reason}};
  }
  return o;
}

}  // namespace rc::ml
