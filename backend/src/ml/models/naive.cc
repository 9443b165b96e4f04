// naive: the random walk. Predicts a zero log return (price = last close); the
// baseline every other family must beat, and the degraded fallback.
#include <boost/json.hpp>

#include "ml/internal/json_io.h"
#include "ml/models/internal/factories.h"

namespace rc::ml::internal {
namespace {

class NaiveModel final : public Model {
 public:
  std::string family() const override { return "naive"; }
  Status Fit(const Eigen::MatrixXd&, const Eigen::VectorXd&, const FitContext&) override { return Ok(); }
  double PredictRow(const Eigen::RowVectorXd&) const override { return 0.0; }
  Eigen::VectorXd Predict(const Eigen::MatrixXd& X) const override { return Eigen::VectorXd::Zero(X.rows()); }
  Status Save(const std::filesystem::path& dir) const override {
    return WriteJsonFile(dir / "params.json", boost::json::object{{"family", "naive"}});
  }
  Status Load(const std::filesystem::path& dir) override {
    RC_ASSIGN_OR_RETURN(auto v, ReadJsonFile(dir / "params.json"));
    if (!v.is_object()) return DataCorrupt("naive params.json is not an object", "params.json");
    return Ok();
  }
  boost::json::object Describe() const override { return {{"family", "naive"}, {"prediction", 0.0}}; }
};

}  // namespace

std::unique_ptr<Model> MakeNaiveModel() { return std::make_unique<NaiveModel>(); }

}  // namespace rc::ml::internal
