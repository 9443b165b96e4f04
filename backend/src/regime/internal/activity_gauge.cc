#include "regime/internal/activity_gauge.h"

#include <algorithm>
#include <cmath>

#include "core/numeric.h"

namespace rc::regime::internal {

ActivityGauge::ActivityGauge(double half_life_bars, size_t min_history, size_t window)
    : decay_(std::exp(-std::log(2.0) / half_life_bars)), min_history_(min_history), window_(std::max(window, min_history)) {}

void ActivityGauge::Reset() {
  mean_z2_ = mean_volume_ = 0;
  has_z_ = has_volume_ = false;
  recent_.clear();
  sorted_.clear();
}

double ActivityGauge::Update(double z, double u) {
  // The first value seeds the average (no zero start that would read as calm).
  auto fold = [this](double& mean, bool& seeded, double x) {
    mean = seeded ? decay_ * mean + (1.0 - decay_) * x : x;
    seeded = true;
  };
  if (std::isfinite(z)) fold(mean_z2_, has_z_, z * z);
  if (std::isfinite(u)) fold(mean_volume_, has_volume_, std::exp(u));
  // A zero return streak (a halted or illiquid stretch) has no log: floor it.
  constexpr double kFloor = 1e-6;
  if (!has_z_) return kNaN;
  double score = std::log(std::max(mean_z2_, kFloor));
  if (has_volume_) score += std::log(std::max(mean_volume_, kFloor));
  // The reference is read before this bar's score joins it: earlier bars only.
  const double activity = sorted_.size() >= min_history_ ? score - sorted_[(sorted_.size() - 1) / 2]
                                                         : kNaN;
  sorted_.insert(std::upper_bound(sorted_.begin(), sorted_.end(), score), score);
  recent_.push_back(score);
  if (recent_.size() > window_) {
    sorted_.erase(std::lower_bound(sorted_.begin(), sorted_.end(), recent_.front()));
    recent_.pop_front();
  }
  return activity;
}

}  // namespace rc::regime::internal
