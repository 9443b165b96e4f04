#include "ml/pooled/pooled_forecast.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "core/numeric.h"
#include "ml/models/family_registry.h"

namespace rc::ml {
namespace {

constexpr size_t kMinFitRows = 50;

bool RowFinite(const Eigen::MatrixXd& X, size_t row) {
  return X.row(static_cast<Eigen::Index>(row)).array().isFinite().all();
}

}  // namespace

Status ValidatePooledOptions(const PooledOptions& o) {
  if (o.learner != "ridge" && o.learner != "gbdt") {
    return InvalidArgument("learner", "must be ridge or gbdt, got '" + o.learner + "'");
  }
  if (o.nthread < 1) return InvalidArgument("nthread", "must be >= 1");
  return ValidateTimeCutOptions(o.time_cut);
}

Result<PooledFit> FitPooledLearner(const std::vector<PooledSeries>& series, const std::vector<PooledFeatures>& features,
                                   const std::vector<std::vector<size_t>>& train_rows, const PooledOptions& o) {
  if (features.size() != series.size() || train_rows.size() != series.size()) {
    return InvalidArgument("features", "one entry per series");
  }
  // Training rows of every series in time order, so the learner's own
  // purged validation tail (ridge lambda, gbdt rounds) is the newest period.
  std::vector<std::tuple<int64_t, size_t, size_t>> rows;  // (ts, series, row)
  for (size_t s = 0; s < series.size(); ++s) {
    for (size_t row : train_rows[s]) {
      if (row < series[s].ts.size() && std::isfinite(features[s].z[row]) && RowFinite(features[s].X, row)) {
        rows.emplace_back(series[s].ts[row], s, row);
      }
    }
  }
  PooledFit fit;
  if (rows.size() < kMinFitRows) return fit;
  std::sort(rows.begin(), rows.end());
  const auto cols = static_cast<Eigen::Index>(PooledFeatureNames().size());
  Eigen::MatrixXd X(static_cast<Eigen::Index>(rows.size()), cols);
  Eigen::VectorXd z(static_cast<Eigen::Index>(rows.size()));
  for (size_t idx = 0; idx < rows.size(); ++idx) {
    const auto& [ts, s, row] = rows[idx];
    X.row(static_cast<Eigen::Index>(idx)) = features[s].X.row(static_cast<Eigen::Index>(row));
    z[static_cast<Eigen::Index>(idx)] = features[s].z[row];
  }
  // The learner's validation purge is in rows: one horizon of every series.
  FitContext ctx{PooledFeatureNames(), series[0].horizon_bars * static_cast<int>(series.size()), o.seed, o.nthread};
  RC_ASSIGN_OR_RETURN(std::unique_ptr<Model> model, CreateModel(o.learner, "learner"));
  RC_RETURN_IF_ERROR(model->Fit(X, z, ctx));
  fit.model = std::move(model);
  fit.rows = static_cast<int64_t>(rows.size());
  fit.first_ts = std::get<0>(rows.front());
  fit.last_ts = std::get<0>(rows.back());
  return fit;
}

Result<PooledFit> FitFinalPooledModel(const std::vector<PooledSeries>& series, const PooledOptions& o) {
  RC_RETURN_IF_ERROR(ValidatePooledOptions(o));
  RC_ASSIGN_OR_RETURN(std::vector<PooledFeatures> features, BuildPooledFeatures(series));
  // Every row whose label realized inside the data (y finite): the newest
  // bars, whose horizon has not closed, are not in it, so the model never
  // saw the return it will be asked about at the newest bar.
  std::vector<std::vector<size_t>> rows(series.size());
  for (size_t s = 0; s < series.size(); ++s) {
    for (size_t row = 0; row < series[s].ts.size(); ++row) {
      if (std::isfinite(series[s].y[row])) rows[s].push_back(row);
    }
  }
  RC_ASSIGN_OR_RETURN(PooledFit fit, FitPooledLearner(series, features, rows, o));
  if (!fit.model) {
    return InvalidArgument("rows", "the series have fewer than " + std::to_string(kMinFitRows) +
                                       " complete pooled rows (labels realized after the feature warm-up)");
  }
  return fit;
}

Result<PooledForecasts> RunPooledForecasts(const std::vector<PooledSeries>& series, const PooledOptions& o) {
  RC_RETURN_IF_ERROR(ValidatePooledOptions(o));
  RC_ASSIGN_OR_RETURN(std::vector<PooledFeatures> features, BuildPooledFeatures(series));
  RC_ASSIGN_OR_RETURN(std::vector<PooledBlock> blocks, PlanTimeCutBlocks(series, o.time_cut));
  return RunPooledBlocks(series, features, std::move(blocks), o);
}

Result<PooledForecasts> RunPooledBlocks(const std::vector<PooledSeries>& series,
                                        const std::vector<PooledFeatures>& features, std::vector<PooledBlock> blocks,
                                        const PooledOptions& o) {
  RC_RETURN_IF_ERROR(ValidatePooledOptions(o));
  if (features.size() != series.size()) return InvalidArgument("features", "one entry per series");
  PooledForecasts out;
  for (const PooledSeries& s : series) out.forecast.emplace_back(s.ts.size(), kNaN);
  for (size_t k = 0; k < blocks.size(); ++k) {
    const PooledBlock& b = blocks[k];
    if (b.train_rows.size() != series.size() || b.test_rows.size() != series.size()) {
      return InvalidArgument("blocks[" + std::to_string(k) + "]", "train_rows/test_rows need one list per series");
    }
    auto fit = FitPooledLearner(series, features, b.train_rows, o);
    if (!fit) {
      return tl::unexpected(Error{fit.error().code, "pooled block " + std::to_string(k) + ": " + fit.error().message,
                                  fit.error().field});
    }
    if (!fit->model) continue;
    const Model* model = fit->model.get();
    ++out.fitted_blocks;
    out.last_train_rows = fit->rows;
    out.last_model = model->Describe();
    for (size_t s = 0; s < series.size(); ++s) {
      for (size_t row : b.test_rows[s]) {
        if (row >= series[s].ts.size() || !RowFinite(features[s].X, row) || !std::isfinite(features[s].scale[row])) continue;
        const double normalised = model->PredictRow(features[s].X.row(static_cast<Eigen::Index>(row)));
        if (std::isfinite(normalised)) out.forecast[s][row] = normalised * features[s].scale[row];
      }
    }
  }
  out.blocks = std::move(blocks);
  return out;
}

Status AddPooledForecastColumn(Dataset& ds, const std::vector<int64_t>& ts, const std::vector<double>& forecast) {
  if (forecast.size() != ts.size()) {
    return InvalidArgument("forecast", "has " + std::to_string(forecast.size()) + " values for " +
                                           std::to_string(ts.size()) + " timestamps");
  }
  if (std::find(ds.feature_names.begin(), ds.feature_names.end(), kPooledForecastFeature) != ds.feature_names.end()) {
    return InvalidArgument("feature_names", std::string("already has '") + kPooledForecastFeature + "'");
  }
  const Eigen::Index col = ds.X.cols();
  ds.X.conservativeResize(ds.X.rows(), col + 1);
  for (size_t row = 0; row < ds.rows(); ++row) {
    auto it = std::lower_bound(ts.begin(), ts.end(), ds.ts[row]);
    const double f = it != ts.end() && *it == ds.ts[row] ? forecast[static_cast<size_t>(it - ts.begin())] : kNaN;
    ds.X(static_cast<Eigen::Index>(row), col) = std::isfinite(f) ? f : 0.0;
  }
  ds.feature_names.push_back(kPooledForecastFeature);
  return Ok();
}

}  // namespace rc::ml
