// File: features/internal/rolling_extreme.h
//
// Highest / lowest value of the last `period` inputs in amortised O(1) (a monotonic
// deque stored in a fixed ring: no allocation after construction).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace rc::features::internal {

// `Greater` true: rolling maximum; false: rolling minimum.
template <bool kMax>
class RollingExtreme {
 public:
  explicit RollingExtreme(size_t period) : period_(period), values_(period), seq_(period) {}

  void Push(double value) {
    const uint64_t seq = next_seq_++;
    // Drop the entries the new value dominates (ties too: the newer one lives longer).
    while (count_ > 0 && Dominated(values_[Back()], value)) --count_;
    if (count_ > 0 && seq_[head_] + period_ <= seq) Pop();  // the front left the window
    const size_t slot = Wrap(head_ + count_);
    values_[slot] = value;
    seq_[slot] = seq;
    ++count_;
  }

  // The extreme of the last min(period, pushed) values. REQUIRES: at least one Push.
  double Value() const { return values_[head_]; }

  void Clear() {
    head_ = count_ = 0;
    next_seq_ = 0;
  }

 private:
  static bool Dominated(double held, double incoming) { return kMax ? held <= incoming : held >= incoming; }
  size_t Back() const { return Wrap(head_ + count_ - 1); }
  size_t Wrap(size_t i) const { return i >= period_ ? i - period_ : i; }
  void Pop() {
    head_ = Wrap(head_ + 1);
    --count_;
  }

  size_t period_;
  std::vector<double> values_;
  std::vector<uint64_t> seq_;
  size_t head_ = 0;
  size_t count_ = 0;
  uint64_t next_seq_ = 0;
};

using RollingMax = RollingExtreme<true>;
using RollingMin = RollingExtreme<false>;

}  // namespace rc::features::internal
