// File: features/internal/ring_buffer.h
//
// Fixed-capacity ring of doubles: the window behind every rolling indicator. Memory is
// allocated once, at construction; Push never allocates.
//
// The storage is rounded up to a power of two and indexed by a running push count
// masked to it, so a push is a store, a load and an increment: no wrap-around compare
// on the per-bar path of SMA/WMA/ROC/... (at ~1 ns/bar those compares showed up
// against TA-Lib, which indexes its input array directly).
#pragma once

#include <cassert>
#include <bit>
#include <cstddef>
#include <vector>

namespace rc::features::internal {

class RingBuffer {
 public:
  explicit RingBuffer(size_t capacity)
      : capacity_(capacity == 0 ? 1 : capacity), data_(std::bit_ceil(capacity_)), mask_(data_.size() - 1) {}

  size_t capacity() const { return capacity_; }
  size_t size() const { return pushed_ < capacity_ ? pushed_ : capacity_; }
  bool full() const { return pushed_ >= capacity_; }

  // Appends `value`; when full, the oldest value is overwritten and returned through
  // `evicted` (which is left untouched otherwise). Returns true when a value was evicted.
  bool Push(double value, double* evicted) {
    // Read before the write: with a power-of-two capacity both are the same slot.
    const double oldest = data_[(pushed_ - capacity_) & mask_];
    const bool was_full = full();
    data_[pushed_ & mask_] = value;
    ++pushed_;
    if (was_full) *evicted = oldest;
    return was_full;
  }
  void Push(double value) {
    data_[pushed_ & mask_] = value;
    ++pushed_;
  }

  // age 0 = newest, age size()-1 = oldest. REQUIRES: age < size().
  double FromNewest(size_t age) const {
    assert(age < size());
    return data_[(pushed_ - 1 - age) & mask_];
  }
  // index 0 = oldest. REQUIRES: index < size().
  double FromOldest(size_t index) const {
    assert(index < size());
    return data_[(pushed_ - size() + index) & mask_];
  }

  void Clear() { pushed_ = 0; }

 private:
  size_t capacity_;
  std::vector<double> data_;
  size_t mask_;
  size_t pushed_ = 0;  // values pushed since construction/Clear; the newest is at (pushed_ - 1) & mask_
};

}  // namespace rc::features::internal
