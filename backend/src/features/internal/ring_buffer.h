// File: features/internal/ring_buffer.h
//
// Fixed-capacity ring of doubles: the window behind every rolling indicator. Memory is
// allocated once, at construction; Push never allocates.
#pragma once

#include <cassert>
#include <cstddef>
#include <vector>

namespace rc::features::internal {

class RingBuffer {
 public:
  explicit RingBuffer(size_t capacity) : data_(capacity == 0 ? 1 : capacity) {}

  size_t capacity() const { return data_.size(); }
  size_t size() const { return size_; }
  bool full() const { return size_ == data_.size(); }

  // Appends `value`; when full, the oldest value is overwritten and returned through
  // `evicted` (which is left untouched otherwise). Returns true when a value was evicted.
  bool Push(double value, double* evicted) {
    if (size_ == data_.size()) {
      *evicted = data_[head_];
      data_[head_] = value;
      head_ = Next(head_);
      return true;
    }
    data_[Wrap(head_ + size_)] = value;
    ++size_;
    return false;
  }
  void Push(double value) {
    double ignored;
    Push(value, &ignored);
  }

  // age 0 = newest, age size()-1 = oldest. REQUIRES: age < size().
  double FromNewest(size_t age) const {
    assert(age < size_);
    return data_[Wrap(head_ + size_ - 1 - age)];
  }
  // index 0 = oldest. REQUIRES: index < size().
  double FromOldest(size_t index) const {
    assert(index < size_);
    return data_[Wrap(head_ + index)];
  }

  void Clear() {
    head_ = 0;
    size_ = 0;
  }

 private:
  size_t Next(size_t i) const { return i + 1 == data_.size() ? 0 : i + 1; }
  size_t Wrap(size_t i) const { return i >= data_.size() ? i - data_.size() : i; }

  std::vector<double> data_;
  size_t head_ = 0;  // index of the oldest element
  size_t size_ = 0;
};

}  // namespace rc::features::internal
