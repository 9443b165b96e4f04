// mean_reversion: fades the z-score (or the distance to the SMA): prediction =
// coef * z with coef <= 0 fitted in-window (0 when the window shows no reversion).
#include "ml/models/internal/factories.h"
#include "ml/models/internal/signal_model.h"

namespace rc::ml::internal {
namespace {

class MeanReversionModel final : public SignalModel {
 public:
  MeanReversionModel() : SignalModel("mean_reversion", -1e6, 0.0) {}

 protected:
  std::vector<SignalCandidate> Candidates(const FitContext& ctx) const override {
    std::vector<SignalCandidate> out;
    for (const std::string& name : ctx.feature_names) {
      if (name.rfind("z_", 0) == 0 || name.rfind("dist_sma_", 0) == 0 || name == "bb_pctb") out.push_back({name, 1.0});
    }
    if (out.empty()) out.push_back({"z_20", 1.0});
    return out;
  }
};

}  // namespace

std::unique_ptr<Model> MakeMeanReversionModel() { return std::make_unique<MeanReversionModel>(); }

}  // namespace rc::ml::internal
