// Time-ordered validation split inside a training window: the head trains,
// the tail validates, with a purge gap of one horizon between them so no
// training label overlaps a validation label.
#pragma once

#include <cstddef>

namespace rc::ml::internal {

struct ValidationSplit {
  bool ok = false;          // false: window too small to split; fit on everything with defaults
  size_t train_end = 0;     // head = [0, train_end)
  size_t valid_begin = 0;   // tail = [valid_begin, n); valid_begin = train_end + horizon
};

inline ValidationSplit SplitTail(size_t n, size_t horizon, double tail_fraction = 0.2, size_t min_rows = 30) {
  ValidationSplit s;
  size_t tail = static_cast<size_t>(static_cast<double>(n) * tail_fraction);
  if (tail < min_rows || n < tail + horizon + 2 * min_rows) return s;
  s.ok = true;
  s.valid_begin = n - tail;
  s.train_end = s.valid_begin - horizon;
  return s;
}

}  // namespace rc::ml::internal
