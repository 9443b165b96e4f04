#include "ml/models/family_registry.h"

#include "ml/models/internal/factories.h"

namespace rc::ml {
namespace {

struct FamilyEntry {
  const char* name;
  std::unique_ptr<Model> (*make)();
  bool per_series = true;  // false: needs a column only a pooled run adds (not in FamilyNames())
};

// One line per family.
const FamilyEntry kFamilies[] = {
    {"naive", &internal::MakeNaiveModel},
    {"trend", &internal::MakeTrendModel},
    {"mean_reversion", &internal::MakeMeanReversionModel},
    {"ridge", &internal::MakeRidgeModel},
    {"gbdt", &internal::MakeGbdtModel},
    {"pooled", &internal::MakePooledModel, false},  // reads the pooled_forecast column (ml/pooled/)
};

}  // namespace

const std::vector<std::string>& FamilyNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const FamilyEntry& e : kFamilies)
      if (e.per_series) out.emplace_back(e.name);
    return out;
  }();
  return names;
}

bool IsKnownFamily(std::string_view name) {
  for (const FamilyEntry& e : kFamilies)
    if (name == e.name) return true;
  return false;
}

Result<std::unique_ptr<Model>> CreateModel(std::string_view family, std::string_view field) {
  for (const FamilyEntry& e : kFamilies) {
    if (family == e.name) return e.make();
  }
  std::string known;
  for (const FamilyEntry& e : kFamilies) known += std::string(known.empty() ? "" : " ") + e.name;
  return InvalidArgument(std::string(field), "unknown model family '" + std::string(family) + "' (known: " + known + ")");
}

Eigen::VectorXd Model::Predict(const Eigen::MatrixXd& X) const {
  Eigen::VectorXd out(X.rows());
  for (Eigen::Index row = 0; row < X.rows(); ++row) out[row] = PredictRow(X.row(row));
  return out;
}

}  // namespace rc::ml
