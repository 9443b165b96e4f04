// File: ml/models/model.h
//
// The one interface every model family ("bot") implements. Each predicts the
// forward log return over the dataset's horizon from one feature row; the
// implied price is last_close * exp(return). Families are created by name
// through ml/models/family_registry.h; adding a family is one new file in
// ml/models/ and one line in ml/models/family_registry.cc.
//
//   RC_ASSIGN_OR_RETURN(auto model, rc::ml::CreateModel("ridge"));
//   RC_RETURN_IF_ERROR(model->Fit(X, y, ctx));
//   double r = model->PredictRow(X.row(0));
#pragma once

#include <Eigen/Dense>
#include <boost/json/object.hpp>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"

namespace rc::ml {

struct FitContext {
  std::vector<std::string> feature_names;  // names of X's columns (families pick their signals by name)
  int horizon_bars = 1;                    // purge gap for any validation split inside the window
  uint64_t seed = 42;                      // deterministic randomness (gbdt subsampling)
  int nthread = 1;                         // threads a family may use (gbdt). Default 1
};

class Model {
 public:
  virtual ~Model() = default;

  // The family name ("ridge").
  virtual std::string family() const = 0;

  // Fits on rows in time order. Every row of X is finite and y is finite (the
  // caller filters). Anything a family tunes (lambda, rounds, coefficients) is
  // chosen from these rows only. Errors: kInvalidArgument when the rows cannot
  // support the family (too few, a required feature missing from ctx).
  // Not thread-safe against concurrent use of the same object.
  virtual Status Fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const FitContext& ctx) = 0;

  // Predicted forward log return for one row of features (same columns as Fit).
  // Thread-safe for concurrent calls once fitted or loaded.
  virtual double PredictRow(const Eigen::RowVectorXd& x) const = 0;

  // One prediction per row (default: PredictRow per row).
  virtual Eigen::VectorXd Predict(const Eigen::MatrixXd& X) const;

  // Writes the fitted state to `dir` (created if needed); Load restores it so
  // that predictions are identical. Errors: kIo, kDataCorrupt naming the file.
  virtual Status Save(const std::filesystem::path& dir) const = 0;
  virtual Status Load(const std::filesystem::path& dir) = 0;

  // What was fitted (coefficients, chosen hyper-parameters), for records and the API.
  virtual boost::json::object Describe() const = 0;
};

}  // namespace rc::ml
