#include "ml/dataset.h"

#include <cmath>

#include "core/numeric.h"

namespace rc::ml {

bool Dataset::FeaturesFinite(size_t row) const {
  return X.row(static_cast<Eigen::Index>(row)).allFinite();
}

bool Dataset::Trainable(size_t row) const {
  return std::isfinite(y[static_cast<Eigen::Index>(row)]) && FeaturesFinite(row);
}

Dataset Dataset::Slice(size_t begin, size_t end) const {
  Dataset out;
  auto b = static_cast<Eigen::Index>(begin);
  auto n = static_cast<Eigen::Index>(end - begin);
  out.ts.assign(ts.begin() + b, ts.begin() + b + n);
  out.X = X.middleRows(b, n);
  out.feature_names = feature_names;
  out.y = y.segment(b, n);
  out.last_close.assign(last_close.begin() + b, last_close.begin() + b + n);
  out.regime.assign(regime.begin() + b, regime.begin() + b + n);
  out.regime_confidence.assign(regime_confidence.begin() + b, regime_confidence.begin() + b + n);
  out.horizon_bars = horizon_bars;
  return out;
}

Status Dataset::Validate() const {
  const size_t n = ts.size();
  if (horizon_bars < 1) return InvalidArgument("horizon_bars", "must be >= 1");
  if (static_cast<size_t>(X.rows()) != n) return InvalidArgument("X", "must have one row per timestamp");
  if (static_cast<size_t>(X.cols()) != feature_names.size()) {
    return InvalidArgument("feature_names", "must name every column of X");
  }
  if (static_cast<size_t>(y.size()) != n) return InvalidArgument("y", "must have one value per timestamp");
  if (last_close.size() != n) return InvalidArgument("last_close", "must have one value per timestamp");
  if (regime.size() != n) return InvalidArgument("regime", "must have one value per timestamp");
  if (regime_confidence.size() != n) return InvalidArgument("regime_confidence", "must have one value per timestamp");
  for (size_t row = 1; row < n; ++row) {
    if (ts[row] <= ts[row - 1]) {
      return InvalidArgument("ts", "timestamps must be strictly increasing (row " + std::to_string(row) + ")");
    }
  }
  for (size_t row = 0; row < n; ++row) {
    if (!(std::isfinite(last_close[row]) && last_close[row] > 0)) {
      return InvalidArgument("last_close", "must be positive and finite (row " + std::to_string(row) + ")");
    }
  }
  return Ok();
}

Result<Dataset> BuildDataset(const regime::ColumnTable& table, const DatasetSpec& spec,
                             const std::vector<regime::Regime>& regimes) {
  RC_RETURN_IF_ERROR(table.Validate());
  if (spec.feature_names.empty()) return InvalidArgument("feature_names", "must name at least one feature");
  if (spec.horizon_bars < 1) return InvalidArgument("horizon_bars", "must be >= 1");
  const size_t n = table.rows();
  Dataset ds;
  ds.ts = table.ts;
  ds.feature_names = spec.feature_names;
  ds.horizon_bars = spec.horizon_bars;
  ds.X.resize(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(spec.feature_names.size()));
  for (size_t col = 0; col < spec.feature_names.size(); ++col) {
    RC_ASSIGN_OR_RETURN(const std::vector<double>* values, table.Column(spec.feature_names[col]));
    for (size_t row = 0; row < n; ++row) {
      ds.X(static_cast<Eigen::Index>(row), static_cast<Eigen::Index>(col)) = (*values)[row];
    }
  }
  RC_ASSIGN_OR_RETURN(const std::vector<double>* close, table.Column(spec.close_column));
  ds.last_close = *close;
  for (size_t row = 0; row < n; ++row) {
    if (!(std::isfinite(ds.last_close[row]) && ds.last_close[row] > 0)) {
      return InvalidArgument(spec.close_column, "must be positive and finite (row " + std::to_string(row) + ")");
    }
  }
  ds.y = Eigen::VectorXd::Constant(static_cast<Eigen::Index>(n), kNaN);
  if (!spec.target_column.empty()) {
    RC_ASSIGN_OR_RETURN(const std::vector<double>* target, table.Column(spec.target_column));
    for (size_t row = 0; row < n; ++row) ds.y[static_cast<Eigen::Index>(row)] = (*target)[row];
  }
  if (spec.detect_regimes) {
    RC_ASSIGN_OR_RETURN(auto inputs, regime::RegimeInputsFromColumns(table, spec.regime_columns));
    RC_RETURN_IF_ERROR(regime::ValidateDetectorOptions(spec.detector));
    for (const regime::RegimeState& s : regime::DetectRegimes(inputs, spec.detector)) {
      ds.regime.push_back(s.regime);
      ds.regime_confidence.push_back(s.confidence);
    }
  } else if (regimes.empty()) {
    ds.regime.assign(n, regime::Regime::kUnknown);
    ds.regime_confidence.assign(n, 1.0);
  } else {
    if (regimes.size() != n) return InvalidArgument("regimes", "must have one regime per row");
    ds.regime = regimes;
    ds.regime_confidence.assign(n, 1.0);
  }
  return ds;
}



}  // namespace rc::ml
