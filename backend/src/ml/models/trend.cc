// trend: momentum extrapolation. Takes a recent k-bar return (ret_k), scales it
// to the horizon (h/k) and multiplies by a coefficient in [0, 1] fitted in-window
// (0 = no momentum in this window, 1 = the recent pace continues). The lookback k
// is the ret_* feature that fits the window best.
#include <cstdlib>

#include "ml/models/internal/factories.h"
#include "ml/models/internal/signal_model.h"

namespace rc::ml::internal {
namespace {

class TrendModel final : public SignalModel {
 public:
  TrendModel() : SignalModel("trend", 0.0, 1.0) {}

 protected:
  std::vector<SignalCandidate> Candidates(const FitContext& ctx) const override {
    std::vector<SignalCandidate> out;
    for (const std::string& name : ctx.feature_names) {
      if (name.rfind("ret_", 0) != 0) continue;
      int k = std::atoi(name.c_str() + 4);
      if (k <= 0) continue;
      out.push_back({name, static_cast<double>(ctx.horizon_bars) / k});
    }
    if (out.empty()) out.push_back({"ret_12", static_cast<double>(ctx.horizon_bars) / 12});
    return out;
  }
};

}  // namespace

std::unique_ptr<Model> MakeTrendModel() { return std::make_unique<TrendModel>(); }

}  // namespace rc::ml::internal
