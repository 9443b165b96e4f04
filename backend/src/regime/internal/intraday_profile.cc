#include "regime/internal/intraday_profile.h"

#include <cmath>

#include "core/time.h"

namespace rc::regime::internal {
namespace {

constexpr int64_t kDayUs = kMicrosPerDay;

int64_t DayOf(int64_t ts) { return ts >= 0 ? ts / kDayUs : -((-ts + kDayUs - 1) / kDayUs); }

}  // namespace

int64_t SlotOfDay(int64_t ts) { return MinuteOfUtcDay(ts); }

void IntradayProfile::StartBar(int64_t ts) {
  const int64_t day = DayOf(ts);
  if (day == day_) return;
  CloseSession();
  day_ = day;
}

void IntradayProfile::Add(int64_t ts, double value) {
  if (!std::isfinite(value) || (kind_ == Kind::kRatio && value < 0)) return;
  session_.emplace_back(SlotOfDay(ts), value);
}

void IntradayProfile::CloseSession() {
  // One bar says nothing about the day's shape (its deviation is 0 by construction).
  if (session_.size() >= 2) {
    double mean = 0;
    for (const auto& [slot, x] : session_) mean += x;
    mean /= static_cast<double>(session_.size());
    // A ratio needs a positive level (a session of unchanged prices has none).
    if (kind_ == Kind::kAdditive || mean > 0) {
      for (const auto& [slot, x] : session_) {
        SlotSums& sums = slots_[slot];
        sums.sum += kind_ == Kind::kAdditive ? x - mean : x / mean;
        ++sums.sessions;
      }
    }
  }
  session_.clear();
}

double IntradayProfile::Shape(int64_t ts, bool* known) const {
  auto it = slots_.find(SlotOfDay(ts));
  const bool enough = it != slots_.end() && it->second.sessions >= min_sessions_;
  if (known != nullptr) *known = enough;
  if (!enough) return kind_ == Kind::kAdditive ? 0.0 : 1.0;
  return it->second.sum / it->second.sessions;
}

}  // namespace rc::regime::internal
