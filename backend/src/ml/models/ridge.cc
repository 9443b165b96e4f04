// ridge: linear regression on standardized features with an L2 penalty. The
// penalty is chosen from a grid by a time-ordered validation split inside the
// training window (head fits, purged tail validates); the model is then refit
// on the whole window with the chosen penalty.
#include <boost/json.hpp>
#include <cmath>
#include <limits>

#include "core/numeric.h"
#include "ml/internal/json_io.h"
#include "core/json_fields.h"
#include "ml/models/internal/factories.h"
#include "ml/models/internal/validation_split.h"

namespace rc::ml::internal {
namespace {

// Penalties relative to the number of rows (lambda * n on standardized X).
constexpr double kLambdaGrid[] = {1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0};

struct LinearFit {
  Eigen::VectorXd mean, scale, beta;
  double intercept = 0;
};

LinearFit FitRidge(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, double lambda) {
  LinearFit f;
  const auto n = static_cast<double>(X.rows());
  f.mean = X.colwise().mean().transpose();
  Eigen::MatrixXd Z = X.rowwise() - f.mean.transpose();
  f.scale = (Z.colwise().squaredNorm() / std::max(1.0, n - 1)).cwiseSqrt().transpose();
  for (Eigen::Index col = 0; col < f.scale.size(); ++col) {
    if (!(f.scale[col] > 1e-12)) f.scale[col] = 1.0;  // constant column: contributes nothing
  }
  Z = Z.array().rowwise() / f.scale.transpose().array();
  f.intercept = y.mean();
  Eigen::VectorXd yc = y.array() - f.intercept;
  Eigen::MatrixXd A = Z.transpose() * Z;
  A.diagonal().array() += lambda * n;
  f.beta = A.ldlt().solve(Z.transpose() * yc);
  return f;
}

double PredictLinear(const LinearFit& f, const Eigen::RowVectorXd& x) {
  double out = f.intercept;
  for (Eigen::Index col = 0; col < x.size(); ++col) out += f.beta[col] * (x[col] - f.mean[col]) / f.scale[col];
  return out;
}

class RidgeModel final : public Model {
 public:
  std::string family() const override { return "ridge"; }

  Status Fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const FitContext& ctx) override {
    if (X.rows() < 20) return InvalidArgument("rows", "ridge needs at least 20 training rows");
    ValidationSplit split = SplitTail(static_cast<size_t>(X.rows()), static_cast<size_t>(ctx.horizon_bars));
    lambda_ = 1.0;
    validation_mse_ = kNaN;
    if (split.ok) {
      auto head = static_cast<Eigen::Index>(split.train_end);
      auto vb = static_cast<Eigen::Index>(split.valid_begin);
      Eigen::MatrixXd Xv = X.bottomRows(X.rows() - vb);
      Eigen::VectorXd yv = y.tail(X.rows() - vb);
      double best = std::numeric_limits<double>::infinity();
      for (double lambda : kLambdaGrid) {
        LinearFit f = FitRidge(X.topRows(head), y.head(head), lambda);
        double sse = 0;
        for (Eigen::Index row = 0; row < Xv.rows(); ++row) {
          double e = PredictLinear(f, Xv.row(row)) - yv[row];
          sse += e * e;
        }
        double mse = sse / static_cast<double>(Xv.rows());
        if (mse < best) {
          best = mse;
          lambda_ = lambda;
        }
      }
      validation_mse_ = best;
    }
    fit_ = FitRidge(X, y, lambda_);
    return Ok();
  }

  double PredictRow(const Eigen::RowVectorXd& x) const override { return PredictLinear(fit_, x); }

  Status Save(const std::filesystem::path& dir) const override {
    boost::json::object o{{"family", "ridge"},
                          {"lambda", ExactNumber(lambda_)},
                          {"intercept", ExactNumber(fit_.intercept)},
                          {"mean", ExactArray(fit_.mean)},
                          {"scale", ExactArray(fit_.scale)},
                          {"beta", ExactArray(fit_.beta)}};
    return WriteJsonFile(dir / "params.json", o);
  }

  Status Load(const std::filesystem::path& dir) override {
    RC_ASSIGN_OR_RETURN(auto v, ReadJsonFile(dir / "params.json"));
    if (!v.is_object()) return DataCorrupt("ridge params.json is not an object", "params.json");
    const auto& o = v.as_object();
    const JsonFields params = JsonFields::Stored(o, "params");
    RC_ASSIGN_OR_RETURN(lambda_, params.RequiredNumber("lambda"));
    RC_ASSIGN_OR_RETURN(fit_.intercept, params.RequiredNumber("intercept"));
    for (auto [key, target] : {std::pair{"mean", &fit_.mean}, {"scale", &fit_.scale}, {"beta", &fit_.beta}}) {
      auto* a = o.if_contains(key);
      if (!a) return DataCorrupt(std::string("ridge params: missing '") + key + "'", std::string("params.") + key);
      RC_ASSIGN_OR_RETURN(*target, VectorFromJson(*a, std::string("params.") + key));
    }
    if (fit_.mean.size() != fit_.beta.size() || fit_.scale.size() != fit_.beta.size()) {
      return DataCorrupt("ridge params: mean/scale/beta lengths differ", "params.beta");
    }
    return Ok();
  }

  boost::json::object Describe() const override {
    return {{"family", "ridge"},
            {"lambda", lambda_},
            {"validation_mse", NumberOrNull(validation_mse_)},
            {"intercept", fit_.intercept},
            {"beta_standardized", ToJsonArray(fit_.beta)}};
  }

 private:
  LinearFit fit_;
  double lambda_ = 1.0;
  double validation_mse_ = kNaN;
};

}  // namespace

std::unique_ptr<Model> MakeRidgeModel() { return std::make_unique<RidgeModel>(); }

}  // namespace rc::ml::internal
