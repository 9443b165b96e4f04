#include "ml/training/walk_forward.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <set>

#include "core/numeric.h"
#include "core/parallel.h"
#include "ml/models/family_registry.h"
#include "ml/pooled/pooled_forecast.h"
#include "ml/volatility.h"
#include "monitoring/standard_metrics.h"

namespace rc::ml {
namespace {

using RowList = std::vector<size_t>;

std::string GatingLossMetric(const std::string& primary) {
  // Gating needs a point-forecast loss; band-based primaries fall back to MAPE.
  return (primary == "rmse" || primary == "mae" || primary == "mape") ? primary : "mape";
}

// Fits one family on every fold and (optionally) on all rows. Never throws.
FamilyResult TrainFamily(const std::string& family, const Dataset& ds, const std::vector<FoldPlan>& folds,
                         const std::vector<RowList>& test_rows, const WalkForwardOptions& o) {
  FamilyResult fr;
  fr.family = family;
  fr.oof.assign(ds.rows(), kNaN);
  FitContext ctx{ds.feature_names, ds.horizon_bars, o.seed, o.nthread_per_family};
  // The pooled forecast column belongs to the pooled family: every other family
  // sees it as a constant 0, so ridge gets a zero coefficient for it and gbdt
  // never splits on it, and their forecasts stay their own (the ensemble's
  // gain from pooling is then the pooled family's, visible in its weight).
  const auto pooled_col = std::find(ds.feature_names.begin(), ds.feature_names.end(), kPooledForecastFeature);
  const bool hide_pooled = family != kPooledFamily && pooled_col != ds.feature_names.end();
  auto fit_on = [&](size_t end) -> Result<std::unique_ptr<Model>> {
    RowList rows;
    for (size_t row = 0; row < end; ++row)
      if (ds.Trainable(row)) rows.push_back(row);
    Eigen::MatrixXd X(static_cast<Eigen::Index>(rows.size()), ds.X.cols());
    Eigen::VectorXd y(static_cast<Eigen::Index>(rows.size()));
    for (size_t idx = 0; idx < rows.size(); ++idx) {
      X.row(static_cast<Eigen::Index>(idx)) = ds.X.row(static_cast<Eigen::Index>(rows[idx]));
      y[static_cast<Eigen::Index>(idx)] = ds.y[static_cast<Eigen::Index>(rows[idx])];
    }
    if (hide_pooled) X.col(pooled_col - ds.feature_names.begin()).setZero();
    RC_ASSIGN_OR_RETURN(std::unique_ptr<Model> model, CreateModel(family));
    RC_RETURN_IF_ERROR(model->Fit(X, y, ctx));
    return model;
  };
  try {
    for (size_t k = 0; k < folds.size(); ++k) {
      auto model = fit_on(folds[k].train_end);
      if (!model) {
        fr.ok = false;
        fr.error = "fold " + std::to_string(k) + ": " + model.error().ToString();
        return fr;
      }
      const RowList& rows = test_rows[k];
      Eigen::MatrixXd Xt(static_cast<Eigen::Index>(rows.size()), ds.X.cols());
      for (size_t idx = 0; idx < rows.size(); ++idx)
        Xt.row(static_cast<Eigen::Index>(idx)) = ds.X.row(static_cast<Eigen::Index>(rows[idx]));
      Eigen::VectorXd p = (*model)->Predict(Xt);
      for (size_t idx = 0; idx < rows.size(); ++idx) {
        double v = p[static_cast<Eigen::Index>(idx)];
        if (!std::isfinite(v)) {
          fr.ok = false;
          fr.error = "fold " + std::to_string(k) + ": non-finite prediction";
          return fr;
        }
        fr.oof[rows[idx]] = v;
      }
    }
    if (o.refit_final) {
      auto model = fit_on(ds.rows());
      if (!model) {
        fr.ok = false;
        fr.error = "final refit: " + model.error().ToString();
        return fr;
      }
      fr.description = (*model)->Describe();
      fr.final_model = std::shared_ptr<Model>(std::move(*model));
    }
  } catch (const std::exception& e) {
    fr.ok = false;
    fr.error = std::string("exception: ") + e.what();
  } catch (...) {
    fr.ok = false;
    fr.error = "unknown exception";
  }
  return fr;
}

// Loss of one forecast under a point metric (mape, rmse -> squared error, mae).
double RowLoss(double pred, double actual, const std::string& metric) {
  if (metric == "rmse") return (pred - actual) * (pred - actual);
  if (metric == "mae") return std::abs(pred - actual);
  return std::abs(std::exp(pred - actual) - 1.0);  // |predicted price / realized price - 1|
}

// Out-of-sample loss of a prediction vector over `rows`, pooled and per
// regime, with the evidence of skill against the baseline's predictions.
FamilyLoss LossOver(const std::string& family, const std::vector<double>& pred, const std::vector<double>& baseline,
                    const RowList& rows, const Dataset& ds, const std::string& metric) {
  FamilyLoss fl;
  fl.family = family;
  std::vector<ForecastPoint> all;
  std::map<regime::Regime, std::vector<ForecastPoint>> by;
  struct Paired {
    std::vector<double> base_loss, fam_loss, base_pred, fam_pred;
    void Add(double bl, double fl_, double bp, double fp) {
      base_loss.push_back(bl);
      fam_loss.push_back(fl_);
      base_pred.push_back(bp);
      fam_pred.push_back(fp);
    }
  };
  Paired pooled;
  std::map<regime::Regime, Paired> paired_by;
  for (size_t row : rows) {
    if (!std::isfinite(pred[row])) continue;
    const double actual = ds.y[static_cast<Eigen::Index>(row)];
    ForecastPoint p{pred[row], actual, ds.last_close[row], {}, {}};
    all.push_back(p);
    by[ds.regime[row]].push_back(p);
    if (std::isfinite(baseline[row])) {
      const double bl = RowLoss(baseline[row], actual, metric), fl_ = RowLoss(pred[row], actual, metric);
      pooled.Add(bl, fl_, baseline[row], pred[row]);
      paired_by[ds.regime[row]].Add(bl, fl_, baseline[row], pred[row]);
    }
  }
  Metrics m = ComputeMetrics(all, {});
  fl.pooled_loss = LossOf(m, metric);
  fl.pooled_n = m.n;
  for (auto& [r, pts] : by) {
    Metrics mr = ComputeMetrics(pts, {});
    fl.regime_loss[r] = {LossOf(mr, metric), mr.n};
  }
  fl.pooled_skill = DieboldMariano(pooled.base_loss, pooled.fam_loss, ds.horizon_bars, pooled.fam_pred, pooled.base_pred);
  for (auto& [r, pr] : paired_by) {
    fl.regime_skill[r] = DieboldMariano(pr.base_loss, pr.fam_loss, ds.horizon_bars, pr.fam_pred, pr.base_pred);
  }
  return fl;
}

// What CalibrateBands takes, row by row: each forecast's residual with its
// bar's regime, volatility and time; the session profile from rows before
// `end`.
struct CalibrationSample {
  CalibrationSample(const Dataset& ds, const std::vector<double>& vol, size_t end)
      : ds(ds),
        vol(vol),
        times{{}, LearnSessionProfile(ds.ts, ds.last_close, end), ds.horizon_bars} {}
  void Add(size_t row, double residual) {
    residuals.push_back(residual);
    regimes.push_back(ds.regime[row]);
    vols.push_back(vol[row]);
    times.ts.push_back(ds.ts[row]);
  }
  // Every row of `rows` with a finite forecast in `pred`.
  void AddForecasts(const std::vector<double>& pred, const RowList& rows) {
    for (size_t row : rows) {
      if (std::isfinite(pred[row])) Add(row, ds.y[static_cast<Eigen::Index>(row)] - pred[row]);
    }
  }

  const Dataset& ds;
  const std::vector<double>& vol;
  std::vector<double> residuals, vols;
  std::vector<regime::Regime> regimes;
  ForecastTimes times;
};

// Bands for fold k from residuals of earlier folds; with none yet (fold 0),
// from the training labels themselves (the naive family's residuals), which
// are out-of-sample for the test block.
BandCalibration FoldBands(const std::vector<double>& pred, const RowList& prior_rows, const Dataset& ds,
                          const std::vector<double>& vol, size_t train_end, const BandOptions& bo) {
  // The session profile from the bars before the fold's test block only.
  CalibrationSample sample(ds, vol, train_end);
  sample.AddForecasts(pred, prior_rows);
  if (sample.residuals.empty()) {
    for (size_t row = 0; row < train_end; ++row) {
      const double y = ds.y[static_cast<Eigen::Index>(row)];
      if (std::isfinite(y)) sample.Add(row, y);
    }
  }
  auto cal = CalibrateBands(sample.residuals, sample.regimes, bo, sample.vols, sample.times);
  if (cal) return *cal;
  BandCalibration empty;
  empty.levels = bo.levels;
  empty.pooled.half_width.assign(bo.levels.size(), 0.0);
  empty.pooled.source = "none";
  return empty;
}

ForecastPoint PointFor(size_t row, double pred, const Dataset& ds, const std::vector<double>& vol,
                       const BandCalibration& cal) {
  ForecastPoint p{pred, ds.y[static_cast<Eigen::Index>(row)], ds.last_close[row], {}, {}};
  const BandQuantiles q = cal.HalfWidths(ds.regime[row], vol[row], ds.ts[row]);
  for (double hw : q.half_width) {
    p.lower.push_back(pred - hw);
    p.upper.push_back(pred + hw);
  }
  return p;
}

// Fold and pooled metrics of one prediction vector, with fold-k bands from folds < k.
void Evaluate(FamilyResult& fr, const Dataset& ds, const std::vector<double>& vol, const std::vector<FoldPlan>& folds,
              const std::vector<RowList>& test_rows, const WalkForwardOptions& o) {
  std::vector<ForecastPoint> all;
  std::map<regime::Regime, std::vector<ForecastPoint>> all_by;
  RowList prior;
  fr.fold_metrics.clear();
  fr.fold_regime_metrics.clear();
  for (size_t k = 0; k < folds.size(); ++k) {
    BandCalibration cal = FoldBands(fr.oof, prior, ds, vol, folds[k].train_end, o.bands);
    std::vector<ForecastPoint> pts;
    std::map<regime::Regime, std::vector<ForecastPoint>> by;
    for (size_t row : test_rows[k]) {
      if (!std::isfinite(fr.oof[row])) continue;
      ForecastPoint p = PointFor(row, fr.oof[row], ds, vol, cal);
      pts.push_back(p);
      by[ds.regime[row]].push_back(p);
      all_by[ds.regime[row]].push_back(p);
    }
    all.insert(all.end(), pts.begin(), pts.end());
    fr.fold_metrics.push_back(ComputeMetrics(pts, o.bands.levels));
    std::map<regime::Regime, Metrics> fm;
    for (auto& [r, v] : by) fm[r] = ComputeMetrics(v, o.bands.levels);
    fr.fold_regime_metrics.push_back(std::move(fm));
    prior.insert(prior.end(), test_rows[k].begin(), test_rows[k].end());
  }
  fr.overall = ComputeMetrics(all, o.bands.levels);
  for (auto& [r, v] : all_by) fr.regime_metrics[r] = ComputeMetrics(v, o.bands.levels);
  double sum = 0;
  int count = 0;
  for (const Metrics& m : fr.fold_metrics) {
    double l = LossOf(m, o.primary_metric);
    if (std::isfinite(l)) {
      sum += l;
      ++count;
    }
  }
  fr.primary_mean = count ? sum / count : kNaN;
}

// Families whose out-of-sample forecasts equal the baseline's on every paired
// bar of `losses` ("no signal"; the baseline itself is not one).
std::set<std::string> NoSignalFamilies(const std::vector<FamilyLoss>& losses, const std::string& baseline) {
  std::set<std::string> out;
  for (const FamilyLoss& fl : losses)
    if (fl.family != baseline && fl.pooled_skill.equals_naive) out.insert(fl.family);
  return out;
}

// Best and second-best families by mean primary loss over folds [0, upto).
// A family with no signal is a copy of the random walk, not an alternative to
// it: it is never ranked, so the challenger is the best model that forecasts
// differently from the champion (ties go to the earlier family, naive first).
std::pair<std::string, std::string> RankFamilies(const std::vector<FamilyResult>& fams, size_t upto,
                                                 const std::string& metric, const std::set<std::string>& no_signal) {
  std::vector<std::pair<double, std::string>> ranked;
  for (const FamilyResult& fr : fams) {
    if (!fr.ok || no_signal.count(fr.family)) continue;
    double sum = 0;
    int count = 0;
    for (size_t k = 0; k < upto && k < fr.fold_metrics.size(); ++k) {
      double l = LossOf(fr.fold_metrics[k], metric);
      if (std::isfinite(l)) {
        sum += l;
        ++count;
      }
    }
    if (count) ranked.emplace_back(sum / count, fr.family);
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return {ranked.size() > 0 ? ranked[0].second : "", ranked.size() > 1 ? ranked[1].second : ""};
}

}  // namespace

Status ValidateWalkForwardOptions(const WalkForwardOptions& o) {
  if (o.folds < 1) return InvalidArgument("folds", "must be >= 1");
  if (o.min_train_rows < 50) return InvalidArgument("min_train_rows", "must be >= 50");
  if (o.max_parallel < 1) return InvalidArgument("max_parallel", "must be >= 1");
  if (o.nthread_per_family < 1) return InvalidArgument("nthread_per_family", "must be >= 1");
  for (size_t idx = 0; idx < o.families.size(); ++idx) {
    if (!IsKnownFamily(o.families[idx])) {
      return InvalidArgument("families[" + std::to_string(idx) + "]", "unknown model family '" + o.families[idx] + "'");
    }
  }
  RC_RETURN_IF_ERROR(ValidateMetricName(o.primary_metric));
  RC_RETURN_IF_ERROR(ValidateGatingOptions(o.gating));
  RC_RETURN_IF_ERROR(ValidateBandOptions(o.bands));
  return Ok();
}

Result<std::vector<FoldPlan>> PlanFolds(const Dataset& ds, const WalkForwardOptions& o) {
  RC_RETURN_IF_ERROR(ValidateWalkForwardOptions(o));
  size_t labelled = 0;
  for (size_t row = ds.rows(); row > 0; --row) {
    if (std::isfinite(ds.y[static_cast<Eigen::Index>(row - 1)])) {
      labelled = row;
      break;
    }
  }
  const size_t h = static_cast<size_t>(ds.horizon_bars);
  const size_t start = static_cast<size_t>(o.min_train_rows) + h;
  const size_t min_block = 20;
  if (labelled < start + static_cast<size_t>(o.folds) * min_block) {
    return InvalidArgument("rows", "need at least " + std::to_string(start + o.folds * min_block) +
                                       " labelled rows (min_train_rows + horizon + " + std::to_string(min_block) +
                                       " per fold), have " + std::to_string(labelled));
  }
  size_t block = (labelled - start) / static_cast<size_t>(o.folds);
  std::vector<FoldPlan> plans;
  for (int k = 0; k < o.folds; ++k) {
    FoldPlan p;
    p.index = k;
    p.test_begin = start + static_cast<size_t>(k) * block;
    p.test_end = k == o.folds - 1 ? labelled : p.test_begin + block;
    p.train_begin = 0;
    p.train_end = p.test_begin - h;  // purge: last training label ends before the test block
    p.train_last_ts = ds.ts[p.train_end - 1];
    p.test_first_ts = ds.ts[p.test_begin];
    p.test_last_ts = ds.ts[p.test_end - 1];
    plans.push_back(p);
  }
  return plans;
}

const FamilyResult* TrainingResult::Family(const std::string& name) const {
  for (const FamilyResult& fr : families)
    if (fr.family == name) return &fr;
  return nullptr;
}

double EnsemblePrediction(const FamilyWeights& weights, const std::map<std::string, double>& predictions) {
  double sum = 0, wsum = 0;
  for (const auto& [f, w] : weights.weights) {
    auto it = predictions.find(f);
    if (it == predictions.end() || !std::isfinite(it->second) || w <= 0) continue;
    sum += w * it->second;
    wsum += w;
  }
  return wsum > 0 ? sum / wsum : kNaN;
}

Result<TrainingResult> RunWalkForward(const Dataset& ds, const WalkForwardOptions& o) {
  RC_RETURN_IF_ERROR(ds.Validate());
  RC_ASSIGN_OR_RETURN(std::vector<FoldPlan> folds, PlanFolds(ds, o));
  std::vector<std::string> families = o.families.empty() ? FamilyNames() : o.families;
  const bool has_pooled_column = std::find(ds.feature_names.begin(), ds.feature_names.end(),
                                           kPooledForecastFeature) != ds.feature_names.end();
  if (o.families.empty() && has_pooled_column) families.push_back(kPooledFamily);
  families.erase(std::remove(families.begin(), families.end(), "naive"), families.end());
  families.insert(families.begin(), "naive");  // the baseline is always present

  std::vector<RowList> test_rows(folds.size());
  for (size_t k = 0; k < folds.size(); ++k) {
    for (size_t row = folds[k].test_begin; row < folds[k].test_end; ++row)
      if (ds.Trainable(row)) test_rows[k].push_back(row);
  }

  // Families are independent until gating, so each is one task: all its folds
  // plus the final refit. A small pool bounds the threads (two cores).
  TrainingResult result;
  result.families.resize(families.size());
  ParallelFor(families.size(), static_cast<size_t>(std::max(1, o.max_parallel)), [&](size_t idx, size_t) {
    result.families[idx] = TrainFamily(families[idx], ds, folds, test_rows, o);
  });

  // Volatility current at each bar (closes up to it only): what bands scale by.
  const std::vector<double> vol = TrailingVolPerBar(ds.last_close);
  std::map<std::string, std::string> failed;
  for (FamilyResult& fr : result.families) {
    monitoring::TrainingRunsTotal().WithLabels({fr.family, fr.ok ? "ok" : "failed"}).Inc();
    if (!fr.ok) {
      failed[fr.family] = fr.error;
      fr.oof.assign(ds.rows(), kNaN);
      continue;
    }
    Evaluate(fr, ds, vol, folds, test_rows, o);
  }

  const std::string gating_metric = GatingLossMetric(o.primary_metric);
  // The baseline every family must beat to earn weight (naive is always trained first).
  const FamilyResult* naive = result.Family(o.gating.baseline);
  const std::vector<double> baseline = naive && naive->ok ? naive->oof : std::vector<double>(ds.rows(), kNaN);
  FamilyResult& ens = result.ensemble;
  ens.family = "ensemble";
  ens.oof.assign(ds.rows(), kNaN);
  RowList prior;
  for (size_t k = 0; k < folds.size(); ++k) {
    // Weights for fold k from folds < k only.
    std::vector<FamilyLoss> losses;
    for (const FamilyResult& fr : result.families) {
      if (fr.ok) losses.push_back(LossOver(fr.family, fr.oof, baseline, prior, ds, gating_metric));
    }
    std::string champ =
        RankFamilies(result.families, k, o.primary_metric, NoSignalFamilies(losses, o.gating.baseline)).first;
    GatingTable g = ComputeGating(losses, champ, failed, o.gating);
    for (size_t row : test_rows[k]) {
      std::map<std::string, double> preds;
      for (const FamilyResult& fr : result.families)
        if (fr.ok) preds[fr.family] = fr.oof[row];
      ens.oof[row] = EnsemblePrediction(g.For(ds.regime[row]), preds);
    }
    result.fold_gating.push_back(std::move(g));
    result.fold_champion.push_back(champ);
    prior.insert(prior.end(), test_rows[k].begin(), test_rows[k].end());
  }
  Evaluate(ens, ds, vol, folds, test_rows, o);

  std::vector<FamilyLoss> losses;
  for (const FamilyResult& fr : result.families) {
    if (fr.ok) losses.push_back(LossOver(fr.family, fr.oof, baseline, prior, ds, gating_metric));
  }
  auto [champion, challenger] =
      RankFamilies(result.families, folds.size(), o.primary_metric, NoSignalFamilies(losses, o.gating.baseline));
  result.champion = champion;
  result.challenger = challenger;
  result.skill = losses;
  result.gating = ComputeGating(losses, champion, failed, o.gating);

  CalibrationSample sample(ds, vol, ds.rows());
  sample.AddForecasts(ens.oof, prior);
  // The served bands follow the time of day (BandOptions::session_profile);
  // the unscaled and reference methods never do.
  RC_ASSIGN_OR_RETURN(result.calibration,
                      CalibrateBands(sample.residuals, sample.regimes, o.bands, sample.vols, sample.times));
  BandOptions unscaled = o.bands;
  unscaled.volatility_scaled = false;
  RC_ASSIGN_OR_RETURN(result.calibration_unscaled, CalibrateBands(sample.residuals, sample.regimes, unscaled));
  BandOptions reference = o.bands;
  reference.regime_method = RegimeBandMethod::kThreshold;
  RC_ASSIGN_OR_RETURN(result.calibration_reference,
                      CalibrateBands(sample.residuals, sample.regimes, reference, sample.vols));

  result.folds = std::move(folds);
  result.feature_names = ds.feature_names;
  result.horizon_bars = ds.horizon_bars;
  result.primary_metric = o.primary_metric;
  result.levels = o.bands.levels;
  result.rows = static_cast<int64_t>(ds.rows());
  result.first_ts = ds.ts.empty() ? 0 : ds.ts.front();
  result.last_ts = ds.ts.empty() ? 0 : ds.ts.back();
  return result;
}

}  // namespace rc::ml
