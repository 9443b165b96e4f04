#include "regime/internal/expanding_percentile.h"

#include <algorithm>
#include <cmath>

#include "core/numeric.h"

namespace rc::regime::internal {

double ExpandingPercentile::AddAndRank(double value) {
  if (!std::isfinite(value)) return kNaN;
  auto it = std::upper_bound(sorted_.begin(), sorted_.end(), value);
  sorted_.insert(it, value);
  auto lo = std::lower_bound(sorted_.begin(), sorted_.end(), value);
  auto hi = std::upper_bound(lo, sorted_.end(), value);
  double less = static_cast<double>(lo - sorted_.begin());
  double equal = static_cast<double>(hi - lo);
  return (less + 0.5 * equal) / static_cast<double>(sorted_.size());
}

double ExpandingPercentile::Quantile(double q) const {
  if (sorted_.empty()) return kNaN;
  double pos = std::clamp(q, 0.0, 1.0) * static_cast<double>(sorted_.size() - 1);
  return sorted_[static_cast<size_t>(pos)];
}

}  // namespace rc::regime::internal
