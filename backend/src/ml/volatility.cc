#include "ml/volatility.h"

#include <cmath>

namespace rc::ml {

double RecentVolPerBarAt(const std::vector<double>& close, size_t end, size_t window) {
  if (end > close.size()) end = close.size();
  double sum = 0, sum_sq = 0;
  size_t n = 0;
  for (size_t row = end; row-- > 1 && n < window;) {
    const double r = std::log(close[row] / close[row - 1]);
    if (!std::isfinite(r)) continue;
    sum += r;
    sum_sq += r * r;
    ++n;
  }
  if (n < 2) return 0;
  const double mean = sum / static_cast<double>(n);
  const double var = (sum_sq - static_cast<double>(n) * mean * mean) / static_cast<double>(n - 1);
  return var > 0 ? std::sqrt(var) : 0;
}

double RecentVolPerBar(const std::vector<double>& close, size_t window) {
  return RecentVolPerBarAt(close, close.size(), window);
}

std::vector<double> TrailingVolPerBar(const std::vector<double>& close, size_t window) {
  std::vector<double> out(close.size());
  for (size_t row = 0; row < close.size(); ++row) out[row] = RecentVolPerBarAt(close, row + 1, window);
  return out;
}

}  // namespace rc::ml
