#include "regime/internal/hmm_filter.h"

#include <algorithm>
#include <cmath>

#include "core/numeric.h"

namespace rc::regime::internal {
namespace {

// Completed sessions a time-of-day slot needs before its shape is known. Until
// then the bar carries no evidence: taken unshaped (the open's volume is 2-3x
// midday's), the first sessions mislead the first fits, whose history every
// later fit still holds (simulator tuning seeds 1-8, 21-28: mean agreement
// 0.841 with such bars, 0.848 without; docs/ml_audit.md).
constexpr int kMinProfileSessions = 3;
// Median |x| of a standard normal: turns a median absolute return into a scale.
constexpr double kMedianAbsNormal = 0.6745;
// A return spanning more than this many bar spacings (the overnight gap, a feed
// gap) is not a 1-bar return: it carries no evidence.
constexpr double kMaxReturnSpacings = 1.5;
// A ratio shape this small would blow a return up (a slot that never moved).
constexpr double kMinReturnShape = 1e-3;

// The activity gauge's observation: a time-of-day slot needs this many earlier
// bars before its own median is used; until then the all-day median stands in.
constexpr size_t kMinSlotObs = 3;

// The slot's median when it has enough history, else the all-day median (NaN if none).
double SlotMedian(const std::unordered_map<int64_t, ExpandingPercentile>& by_slot, int64_t slot,
                  const ExpandingPercentile& all) {
  auto it = by_slot.find(slot);
  if (it != by_slot.end() && it->second.size() >= kMinSlotObs) return it->second.Quantile(0.5);
  return all.Quantile(0.5);
}

}  // namespace

HmmFilter::HmmFilter(HmmFilterOptions options)
    : options_(options),
      hmm_(GaussianHmm::Prior()),
      next_fit_(static_cast<size_t>(std::max(options.first_fit, 2))),
      abs_return_shape_(IntradayProfile::Kind::kRatio, kMinProfileSessions),
      log_volume_shape_(IntradayProfile::Kind::kAdditive, kMinProfileSessions) {}

HmmObservation HmmFilter::Observe(int64_t ts, double close, double volume) {
  HmmObservation obs{kNaN, kNaN};
  slot_median_observation_ = obs;
  last_deshaped_log_volume_ = kNaN;
  const int64_t slot = SlotOfDay(ts);
  abs_return_shape_.StartBar(ts);
  log_volume_shape_.StartBar(ts);
  const bool close_ok = std::isfinite(close) && close > 0;
  if (has_last_ && close_ok && last_close_ > 0) {
    const int64_t spacing = ts - last_ts_;
    if (min_spacing_ == 0 || spacing < min_spacing_) min_spacing_ = spacing;
    if (static_cast<double>(spacing) <= kMaxReturnSpacings * static_cast<double>(min_spacing_)) {
      const double log_return = std::log(close / last_close_);
      bool shape_known = false;
      const double shaped = log_return / std::max(abs_return_shape_.Shape(ts, &shape_known), kMinReturnShape);
      const double typical = abs_return_level_.Quantile(0.5);
      if (shape_known && typical > 0) obs.z = shaped * kMedianAbsNormal / typical;
      const double slot_typical = SlotMedian(abs_return_slot_, slot, abs_return_all_);
      if (slot_typical > 0) slot_median_observation_.z = log_return * kMedianAbsNormal / slot_typical;
      // Added after use: every reference holds earlier bars only.
      abs_return_level_.AddAndRank(std::abs(shaped));
      abs_return_shape_.Add(ts, std::abs(log_return));
      abs_return_slot_[slot].AddAndRank(std::abs(log_return));
      abs_return_all_.AddAndRank(std::abs(log_return));
    }
  }
  if (std::isfinite(volume) && volume > 0) {
    const double log_volume = std::log(volume);
    bool shape_known = false;
    const double shaped = log_volume - log_volume_shape_.Shape(ts, &shape_known);
    if (shape_known && log_volume_count_ > 0) {
      obs.u = shaped - volume_reference();
      last_deshaped_log_volume_ = shaped;
    }
    const double slot_typical = SlotMedian(log_volume_slot_, slot, log_volume_all_);
    if (std::isfinite(slot_typical)) slot_median_observation_.u = log_volume - slot_typical;
    log_volume_sum_ += shaped;
    ++log_volume_count_;
    log_volume_shape_.Add(ts, log_volume);
    log_volume_slot_[slot].AddAndRank(log_volume);
    log_volume_all_.AddAndRank(log_volume);
  }
  if (close_ok) {
    last_close_ = close;
    has_last_ = true;
  }
  last_ts_ = ts;
  return obs;
}

double HmmFilter::volume_reference() const {
  return log_volume_count_ > 0 ? log_volume_sum_ / static_cast<double>(log_volume_count_)
                               : kNaN;
}

GaussianHmm HmmFilter::FitFromStarts(const std::vector<HmmObservation>& window) const {
  const GaussianHmm prior = GaussianHmm::Prior();
  const double shift = options_.volume_start_shift;
  const std::vector<double> volume_shifts = shift > 0 ? std::vector<double>{0.0, -shift, shift} : std::vector<double>{0.0};
  GaussianHmm best;
  double best_log_likelihood = 0;
  for (size_t i = 0; i < volume_shifts.size(); ++i) {
    GaussianHmm start = prior.WithVolumeOffset(volume_shifts[i]);
    // Every start is regularised towards the same prior, so their mean
    // log-likelihoods compare like for like. The unshifted start wins ties and
    // stays when its score is NaN (a window too short to score).
    const double log_likelihood = start.Fit(window, options_.iterations, prior, options_.prior_weight);
    if (i == 0 || log_likelihood > best_log_likelihood) {
      best = start;
      best_log_likelihood = log_likelihood;
    }
  }
  return best;
}

void HmmFilter::MaybeRefit() {
  if (observed_ < next_fit_) return;
  // The window's recent bars against today's volume reference (history_), which
  // includes the newest bar: bars <= t only. Older bars give their return only,
  // so the fitted volume level is a recent one (HmmFilterOptions::volume_window).
  std::vector<HmmObservation> window(history_.begin(), history_.end());
  const double reference = volume_reference();
  const size_t volume_from = window.size() - std::min(window.size(), static_cast<size_t>(options_.volume_window));
  for (size_t i = 0; i < window.size(); ++i) {
    window[i].u = i >= volume_from ? window[i].u - reference : kNaN;
  }
  // Every fit starts from the prior, not from the previous fit: EM re-purposes a
  // state the early data lacks (no up-trend in the first weeks) to explain
  // another state's bars, and a warm start would carry that mislabelling into
  // every later fit (docs/ml_audit.md, simulator seeds 21-28).
  hmm_ = FitFromStarts(window);
  ++fits_;
  // Frequent refits matter most while the window still grows (a state the
  // first weeks lacked appears); once it is full, half as often loses nothing
  // measurable and halves the fold's cost on long histories (docs/benchmarks.md).
  const int every = observed_ >= static_cast<size_t>(options_.window) ? options_.refit_every_full : options_.refit_every;
  next_fit_ = std::min(2 * observed_, observed_ + static_cast<size_t>(every));
}

std::array<double, kHmmStates> HmmFilter::Update(int64_t ts, double close, double volume) {
  const HmmObservation obs = Observe(ts, close, volume);
  last_observation_ = obs;
  if (std::isfinite(obs.z) || std::isfinite(obs.u)) {
    history_.push_back({obs.z, last_deshaped_log_volume_});
    if (history_.size() > static_cast<size_t>(options_.window)) history_.pop_front();
    ++observed_;
    // The fit sees this bar too, then this bar is filtered with the new model:
    // still nothing after t.
    MaybeRefit();
  }
  alpha_ = hmm_.Filter(alpha_, obs);
  return alpha_;
}

}  // namespace rc::regime::internal
