// A one-signal linear model shared by trend and mean_reversion: prediction =
// coef * scale * x[column], with the column and coef chosen in-window by least
// squares through the origin, and coef clipped to the family's sign.
#pragma once

#include <string>
#include <vector>

#include "ml/models/model.h"

namespace rc::ml::internal {

struct SignalCandidate {
  std::string column;
  double scale = 1.0;  // e.g. horizon / lookback, to extrapolate a k-bar return
};

class SignalModel : public Model {
 public:
  // coef_lo <= coef <= coef_hi after fitting.
  SignalModel(std::string family, double coef_lo, double coef_hi) : family_(std::move(family)), lo_(coef_lo), hi_(coef_hi) {}
  std::string family() const override { return family_; }
  Status Fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const FitContext& ctx) override;
  double PredictRow(const Eigen::RowVectorXd& x) const override;
  Status Save(const std::filesystem::path& dir) const override;
  Status Load(const std::filesystem::path& dir) override;
  boost::json::object Describe() const override;

 protected:
  // The columns this family may use, best-first preference is decided by fit.
  virtual std::vector<SignalCandidate> Candidates(const FitContext& ctx) const = 0;
  // Appended to the error when none of the candidates is a feature: where to get one.
  virtual std::string MissingFeatureHint() const { return ""; }

 private:
  std::string family_;
  double lo_, hi_;
  std::string column_;
  int column_index_ = -1;
  double scale_ = 1.0;
  double coef_ = 0.0;
};

}  // namespace rc::ml::internal
