#include "data/pipeline/silver.h"

#include "features/targets.h"

namespace rc::data::pipeline {

std::vector<Bar> RegularBars(const std::vector<BronzeBar>& bronze) {
  std::vector<Bar> bars;
  bars.reserve(bronze.size());
  for (const BronzeBar& b : bronze) {
    if (b.session == MarketSession::kRegular) bars.push_back(b.bar);
  }
  return bars;
}

Result<SilverResult> BuildSilver(const Symbol& symbol, Timeframe tf, const std::vector<BronzeBar>& bronze,
                                 const features::FeatureSet& set, const std::vector<int>& horizons_minutes) {
  RC_ASSIGN_OR_RETURN(SilverResult result, BuildSilverWithoutFeatures(tf, RegularBars(bronze), set, horizons_minutes));
  result.features = set.Compute(result.bars, ExchangeCalendar::ForSymbol(symbol));
  return result;
}

Result<SilverResult> BuildSilverWithoutFeatures(Timeframe tf, std::vector<Bar> regular_bars,
                                                const features::FeatureSet& set,
                                                const std::vector<int>& horizons_minutes) {
  SilverResult result;
  result.feature_set_version = set.name();
  result.bars = std::move(regular_bars);
  // Validate every horizon before any target is computed.
  for (int horizon : horizons_minutes) RC_RETURN_IF_ERROR(features::HorizonBars(tf, horizon));
  for (int horizon : horizons_minutes) {
    RC_ASSIGN_OR_RETURN(std::vector<double> target, features::ForwardLogReturns(result.bars, tf, horizon));
    result.targets.emplace_back(features::TargetColumnName(horizon), std::move(target));
  }
  return result;
}

}  // namespace rc::data::pipeline
