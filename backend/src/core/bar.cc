#include "core/bar.h"

#include <cmath>

namespace rc {

bool IsValidBar(const Bar& bar) {
  for (double price : {bar.open, bar.high, bar.low, bar.close}) {
    if (!std::isfinite(price) || price <= 0) return false;
  }
  if (!std::isfinite(bar.volume) || bar.volume < 0) return false;
  if (bar.high < bar.low) return false;
  if (bar.open < bar.low || bar.open > bar.high) return false;
  if (bar.close < bar.low || bar.close > bar.high) return false;
  return true;
}

}  // namespace rc
