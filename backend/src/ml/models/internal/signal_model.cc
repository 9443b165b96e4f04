#include "ml/models/internal/signal_model.h"

#include <algorithm>
#include <boost/json.hpp>
#include <limits>

#include "core/json_fields.h"
#include "ml/internal/json_io.h"

namespace rc::ml::internal {

Status SignalModel::Fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const FitContext& ctx) {
  if (X.rows() < 10) return InvalidArgument("rows", family_ + " needs at least 10 training rows");
  double best_sse = std::numeric_limits<double>::infinity();
  bool found = false;
  for (const SignalCandidate& cand : Candidates(ctx)) {
    auto it = std::find(ctx.feature_names.begin(), ctx.feature_names.end(), cand.column);
    if (it == ctx.feature_names.end()) continue;
    auto col = static_cast<Eigen::Index>(it - ctx.feature_names.begin());
    Eigen::VectorXd s = X.col(col) * cand.scale;
    double ss = s.squaredNorm();
    double coef = ss > 0 ? s.dot(y) / ss : 0.0;
    coef = std::clamp(coef, lo_, hi_);
    double sse = (y - coef * s).squaredNorm();
    if (sse < best_sse) {
      best_sse = sse;
      found = true;
      column_ = cand.column;
      column_index_ = static_cast<int>(col);
      scale_ = cand.scale;
      coef_ = coef;
    }
  }
  if (!found) {
    std::string names;
    for (const SignalCandidate& c : Candidates(ctx)) names += " " + c.column;
    return InvalidArgument("feature_names", family_ + " needs one of the features:" + names + MissingFeatureHint());
  }
  return Ok();
}

double SignalModel::PredictRow(const Eigen::RowVectorXd& x) const {
  if (column_index_ < 0 || column_index_ >= x.size()) return 0.0;
  return coef_ * scale_ * x[column_index_];
}

Status SignalModel::Save(const std::filesystem::path& dir) const {
  boost::json::object o{{"family", family_}, {"column", column_},  {"column_index", column_index_},
                        {"scale", ExactNumber(scale_)},   {"coef", ExactNumber(coef_)}};
  return WriteJsonFile(dir / "params.json", o);
}

Status SignalModel::Load(const std::filesystem::path& dir) {
  RC_ASSIGN_OR_RETURN(auto v, ReadJsonFile(dir / "params.json"));
  if (!v.is_object()) return DataCorrupt(family_ + " params.json is not an object", "params.json");
  const auto& o = v.as_object();
  const JsonFields params = JsonFields::Stored(o, "params");
  RC_ASSIGN_OR_RETURN(column_, params.RequiredString("column"));
  RC_ASSIGN_OR_RETURN(int64_t idx, params.RequiredInt("column_index"));
  column_index_ = static_cast<int>(idx);
  RC_ASSIGN_OR_RETURN(scale_, params.RequiredNumber("scale"));
  RC_ASSIGN_OR_RETURN(coef_, params.RequiredNumber("coef"));
  return Ok();
}

boost::json::object SignalModel::Describe() const {
  return {{"family", family_}, {"signal", column_}, {"scale", scale_}, {"coef", coef_}};
}

}  // namespace rc::ml::internal
