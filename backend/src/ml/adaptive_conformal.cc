#include "ml/adaptive_conformal.h"

#include <algorithm>
#include <cmath>

#include "core/numeric.h"

namespace rc::ml {

Result<AdaptiveConformal> AdaptiveConformal::Create(std::vector<double> levels, const AdaptiveConformalOptions& o) {
  if (levels.empty()) return InvalidArgument("levels", "must list at least one level");
  for (size_t idx = 0; idx < levels.size(); ++idx) {
    if (!(levels[idx] > 0 && levels[idx] < 1)) return InvalidArgument("levels", "each level must be in (0,1)");
    if (idx > 0 && !(levels[idx] > levels[idx - 1])) return InvalidArgument("levels", "must be strictly increasing");
  }
  if (!(o.gamma > 0 && o.gamma < 0.5)) return InvalidArgument("gamma", "must be in (0, 0.5)");
  if (!(o.min_level > 0 && o.min_level < 1)) return InvalidArgument("min_level", "must be in (0,1)");
  if (!(o.max_level > o.min_level && o.max_level < 1)) return InvalidArgument("max_level", "must be in (min_level, 1)");
  if (o.coverage_window < 1) return InvalidArgument("coverage_window", "must be >= 1");
  if (!(o.windup >= 0 && o.windup <= 1)) return InvalidArgument("windup", "must be in [0, 1]");
  return AdaptiveConformal(std::move(levels), o);
}

AdaptiveConformal::AdaptiveConformal(std::vector<double> levels, const AdaptiveConformalOptions& o)
    : levels_(std::move(levels)), options_(o) {
  for (double l : levels_) miss_rate_.push_back(1.0 - l);
  recent_.assign(levels_.size(), {});
  next_.assign(levels_.size(), 0);
  seen_.assign(levels_.size(), 0);
}

void AdaptiveConformal::Observe(size_t idx, bool covered) {
  if (idx >= levels_.size()) return;
  const double target_miss = 1.0 - levels_[idx];
  const double miss = covered ? 0.0 : 1.0;
  // Kept within `windup` of what the level clamp can express: far enough to
  // remember a cluster of misses, not so far that a long run of them winds
  // the state up beyond recovery (integral windup).
  miss_rate_[idx] = std::clamp(miss_rate_[idx] + options_.gamma * (target_miss - miss),
                               1.0 - options_.max_level - options_.windup, 1.0 - options_.min_level + options_.windup);
  auto& ring = recent_[idx];
  const auto window = static_cast<size_t>(options_.coverage_window);
  if (ring.size() < window) {
    ring.push_back(covered ? 1 : 0);
  } else {
    ring[next_[idx]] = covered ? 1 : 0;
  }
  next_[idx] = (next_[idx] + 1) % window;
  ++seen_[idx];
}

bool AdaptiveConformal::Observe(double realized, const std::vector<BandOut>& bands) {
  if (!std::isfinite(realized) || bands.size() != levels_.size()) return false;
  for (size_t idx = 0; idx < bands.size(); ++idx) {
    Observe(idx, bands[idx].lower_return <= realized && realized <= bands[idx].upper_return);
  }
  return true;
}

std::vector<double> AdaptiveConformal::EffectiveLevels() const {
  std::vector<double> out;
  for (double a : miss_rate_) out.push_back(std::clamp(1.0 - a, options_.min_level, options_.max_level));
  return out;
}

double AdaptiveConformal::RealizedCoverage(size_t idx) const {
  if (idx >= levels_.size() || recent_[idx].empty()) return kNaN;
  double covered = 0;
  for (uint8_t c : recent_[idx]) covered += c;
  return covered / static_cast<double>(recent_[idx].size());
}

int64_t AdaptiveConformal::observed(size_t idx) const { return idx < seen_.size() ? seen_[idx] : 0; }

}  // namespace rc::ml
