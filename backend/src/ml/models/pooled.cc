// pooled: the per-series face of the pooled (global) model
// (ml/pooled/pooled_forecast.h). Its input is the column "pooled_forecast",
// the out-of-sample forecast of a model trained across every series on
// time-cut folds; this family fits, in-window, the share coef in [0, 1] of
// that forecast to keep (0 = the pooled model has nothing for this series).
// Without the column (a Dataset built without --pooled) it cannot fit; in
// serving the column comes from the stored pooled model (ml/pooled/pooled_live.h).
#include "ml/models/internal/factories.h"
#include "ml/models/internal/signal_model.h"
#include "ml/pooled/pooled_forecast.h"

namespace rc::ml::internal {
namespace {

class PooledModel final : public SignalModel {
 public:
  PooledModel() : SignalModel(kPooledFamily, 0.0, 1.0) {}

 protected:
  std::vector<SignalCandidate> Candidates(const FitContext&) const override {
    return {{kPooledForecastFeature, 1.0}};
  }
  std::string MissingFeatureHint() const override {
    return " (only a pooled run builds it: `regimecast train --pooled` or `backtest --pooled`)";
  }
};

}  // namespace

std::unique_ptr<Model> MakePooledModel() { return std::make_unique<PooledModel>(); }

}  // namespace rc::ml::internal
