#include "ml/session_profile.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <map>

#include "core/json_fields.h"
#include "core/time.h"
#include "ml/internal/json_io.h"

namespace rc::ml {
namespace {

// A minute is a slot when at least this share of the busiest minute's bars
// opened at it (and kMinSlotBars): a special session or a stray bar is not.
constexpr double kMinSlotShare = 0.2;
constexpr int kMinSlotBars = 3;
// Pseudo-bars at the overall mean behind every slot's mean absolute return.
constexpr double kSlotShrinkage = 5;

// Mean of variance[slot] over `count` consecutive slots from `first` (cyclic).
double CyclicMean(const std::vector<double>& variance, std::ptrdiff_t first, int count) {
  const auto n = static_cast<std::ptrdiff_t>(variance.size());
  double sum = 0;
  for (int k = 0; k < count; ++k) sum += variance[static_cast<size_t>(((first + k) % n + n) % n)];
  return sum / count;
}

}  // namespace

SessionProfile::Factors SessionProfile::FactorsAt(int64_t bar_ts, int horizon_bars, int window) const {
  if (minutes.size() < 2 || horizon_bars < 1 || window < 1) return {};
  const int32_t minute = MinuteOfUtcDay(bar_ts);
  auto it = std::lower_bound(minutes.begin(), minutes.end(), minute);
  if (it == minutes.end() || *it != minute) return {};
  const std::ptrdiff_t slot = it - minutes.begin();
  return {std::sqrt(CyclicMean(variance, slot - window + 1, window)),
          std::sqrt(CyclicMean(variance, slot + 1, horizon_bars))};
}

SessionProfile LearnSessionProfile(const std::vector<int64_t>& ts, const std::vector<double>& close, size_t end) {
  end = std::min({end, ts.size(), close.size()});
  struct Tally {
    int bars = 0;         // bars opening at the minute
    int returns = 0;      // of them, with a finite return from the bar before
    double abs_sum = 0;   // sum of those returns' absolute values
  };
  std::map<int32_t, Tally> by_minute;
  for (size_t row = 0; row < end; ++row) {
    Tally& t = by_minute[MinuteOfUtcDay(ts[row])];
    ++t.bars;
    const double r = row > 0 ? std::log(close[row] / close[row - 1]) : NAN;
    if (std::isfinite(r)) {
      ++t.returns;
      t.abs_sum += std::abs(r);
    }
  }
  int busiest = 0;
  for (const auto& [minute, t] : by_minute) busiest = std::max(busiest, t.bars);
  const double min_bars = std::max<double>(kMinSlotBars, kMinSlotShare * busiest);
  std::erase_if(by_minute, [&](const auto& entry) { return entry.second.bars < min_bars; });  // the slots remain
  const std::map<int32_t, Tally>& slots = by_minute;
  double abs_sum = 0;
  int returns = 0;
  for (const auto& [minute, t] : slots) {
    abs_sum += t.abs_sum;
    returns += t.returns;
  }
  if (slots.size() < 2 || returns == 0 || !(abs_sum > 0)) return {};
  const double overall = abs_sum / returns;
  SessionProfile profile;
  double weighted = 0;
  for (const auto& [minute, t] : slots) {
    const double mean_abs = (t.abs_sum + kSlotShrinkage * overall) / (t.returns + kSlotShrinkage);
    profile.minutes.push_back(minute);
    profile.variance.push_back(mean_abs * mean_abs);
    weighted += t.returns * mean_abs * mean_abs;
  }
  const double norm = weighted / returns;
  for (double& v : profile.variance) v /= norm;
  return profile;
}

boost::json::object SessionProfile::ToJson() const {
  boost::json::array mins, vars;
  for (int32_t m : minutes) mins.push_back(m);
  for (double v : variance) vars.push_back(internal::ExactNumber(v));
  return {{"minutes", std::move(mins)}, {"variance", std::move(vars)}};
}

Result<SessionProfile> SessionProfile::FromJson(const boost::json::object& obj, const std::string& where) {
  const JsonFields fields = JsonFields::Stored(obj, where);
  RC_ASSIGN_OR_RETURN(const boost::json::array* mins, fields.RequiredArray("minutes"));
  RC_ASSIGN_OR_RETURN(const boost::json::array* vars, fields.RequiredArray("variance"));
  SessionProfile p;
  for (const auto& v : *mins) {
    const bool minute = v.is_int64() && v.as_int64() >= 0 && v.as_int64() < 1440;
    if (!minute || (!p.minutes.empty() && v.as_int64() <= p.minutes.back())) {
      return fields.Bad("minutes", "must be ascending minutes of the day (0..1439)");
    }
    p.minutes.push_back(static_cast<int32_t>(v.as_int64()));
  }
  for (const auto& v : *vars) {
    const double x = JsonNumberOrNaN(v);
    if (!(x > 0) || !std::isfinite(x)) return fields.Bad("variance", "must hold positive numbers");
    p.variance.push_back(x);
  }
  if (p.variance.size() != p.minutes.size()) return fields.Bad("variance", "must hold one value per minute");
  return p;
}

}  // namespace rc::ml
