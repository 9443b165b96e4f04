#include "serving/adaptive_bands.h"

#include <spdlog/spdlog.h>

namespace rc::serving {

AdaptiveBands::AdaptiveBands(std::vector<double> levels, ml::AdaptiveConformalOptions options)
    : levels_(std::move(levels)), options_(options) {}

AdaptiveBands::Key AdaptiveBands::MakeKey(const ml::ExperimentKey& key, regime::Regime regime) {
  return {key.symbol, key.timeframe, key.horizon_minutes, regime::RegimeIndex(regime)};
}

void AdaptiveBands::Observe(const ml::ExperimentKey& key, regime::Regime regime, double realized_return,
                            const std::vector<ml::BandOut>& bands) {
  MutexLock lock(mutex_);
  auto it = states_.find(MakeKey(key, regime));
  if (it == states_.end()) {
    auto created = ml::AdaptiveConformal::Create(levels_, options_);
    if (!created) {  // the levels are ours and valid: this would be a programming error
      spdlog::error("adaptive bands: {}", created.error().ToString());
      return;
    }
    it = states_.emplace(MakeKey(key, regime), std::move(*created)).first;
  }
  it->second.Observe(realized_return, bands);
}

std::vector<double> AdaptiveBands::Levels(const ml::ExperimentKey& key, regime::Regime regime) const {
  MutexLock lock(mutex_);
  auto it = states_.find(MakeKey(key, regime));
  if (it == states_.end() || it->second.observed(0) == 0) return {};
  return it->second.EffectiveLevels();
}

int64_t AdaptiveBands::observed(const ml::ExperimentKey& key, regime::Regime regime) const {
  MutexLock lock(mutex_);
  auto it = states_.find(MakeKey(key, regime));
  return it == states_.end() ? 0 : it->second.observed(0);
}

}  // namespace rc::serving
