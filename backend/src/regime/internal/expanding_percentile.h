// Percentile rank of a value against every value seen so far (an expanding
// window), so a bar is compared only with its own past: no look-ahead.
#pragma once

#include <cstddef>
#include <vector>

namespace rc::regime::internal {

class ExpandingPercentile {
 public:
  // Adds `value` (non-finite values are ignored) and returns its mid-rank among
  // the values seen so far, including this one: (#less + #equal/2) / n, in (0,1).
  // Ties share a rank, so a constant series ranks 0.5. NaN for a non-finite value.
  double AddAndRank(double value);
  // The q-quantile (0..1, lower order statistic) of the values seen so far; NaN if none.
  double Quantile(double q) const;
  size_t size() const { return sorted_.size(); }
  void Reset() { sorted_.clear(); }

 private:
  std::vector<double> sorted_;  // ascending; insertion is O(n) memmove, fine for 10^5 bars
};

}  // namespace rc::regime::internal
