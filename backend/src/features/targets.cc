#include "features/targets.h"

#include <cmath>

#include "core/numeric.h"

namespace rc::features {

std::string TargetColumnName(int horizon_minutes) { return "target_ret_" + std::to_string(horizon_minutes) + "m"; }

Result<int> HorizonBars(Timeframe tf, int horizon_minutes) {
  const int64_t step = tf.Minutes();
  if (horizon_minutes <= 0 || horizon_minutes % step != 0) {
    return InvalidArgument("horizon_minutes", "horizon must be a positive multiple of the timeframe's " + std::to_string(step) +
                                          " minutes (" + std::string(tf.ToString()) + "), got " +
                                          std::to_string(horizon_minutes) + " minutes");
  }
  return static_cast<int>(horizon_minutes / step);
}

Result<std::vector<double>> ForwardLogReturns(std::span<const Bar> bars, Timeframe tf, int horizon_minutes) {
  RC_ASSIGN_OR_RETURN(const int ahead, HorizonBars(tf, horizon_minutes));
  const size_t k = static_cast<size_t>(ahead);
  std::vector<double> target(bars.size(), kNaN);
  for (size_t bar_idx = 0; bar_idx + k < bars.size(); ++bar_idx) {
    const double now = bars[bar_idx].close;
    const double later = bars[bar_idx + k].close;
    if (std::isfinite(now) && std::isfinite(later) && now > 0 && later > 0) target[bar_idx] = std::log(later / now);
  }
  return target;
}

}  // namespace rc::features
