// File: ml/session_profile.h
//
// How a bar's return variance depends on its time of day. Intraday volatility
// is U-shaped (busy open, quiet lunch, busy close) and the first bar of a
// session carries the overnight gap, so a band scaled by "the last 20 bars'
// volatility" alone is too narrow for a forecast made in the last minutes of
// the day (its horizon runs across the close and the gap) and too wide for one
// made at lunch. The profile holds, per minute of the UTC day at which bars
// open (the market's slots), the relative size of a bar's return there; the
// bands (ml/bands.h) divide the trailing volatility by the profile of the
// bars it was measured on and multiply by the profile of the bars the
// horizon spans.
//
// Learned from the bars' times and closes, not from an exchange calendar, so
// training, the backtest and the live service see the same slots; a minute at
// which bars rarely open (a special session, a feed glitch) is not a slot.
// The slots are cyclic: after the day's last slot comes the first (the next
// session's open), which is how a horizon crosses the close.
//
//   SessionProfile p = LearnSessionProfile(ts, close, train_end);
//   auto [trailing, ahead] = p.Factors(bar_ts, /*horizon_bars=*/36, kDefaultVolWindow);
#pragma once

#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"

namespace rc::ml {

struct SessionProfile {
  // Ascending minutes of the UTC day (0..1439) at which the market's bars open.
  std::vector<int32_t> minutes;
  // Per slot: relative variance of a bar's one-bar log return there, 1 on
  // average over the bars it was learned from. Same length as `minutes`.
  std::vector<double> variance;

  bool empty() const { return minutes.empty(); }

  // Root mean profile over the `window` slots ending with the one of the bar
  // opening at `bar_ts` (what a trailing volatility at that bar was measured
  // on) and over the `horizon_bars` slots after it (what a forecast made there
  // spans). Both 1 when the profile is empty or the bar's minute is no slot.
  struct Factors {
    double trailing = 1.0;
    double ahead = 1.0;
  };
  Factors FactorsAt(int64_t bar_ts, int horizon_bars, int window) const;

  boost::json::object ToJson() const;
  // Errors: kDataCorrupt naming `where` when minutes are not ascending minutes
  // of the day, lengths differ, or a variance is not a positive number.
  static Result<SessionProfile> FromJson(const boost::json::object& obj, const std::string& where);
};

// The profile of the bars [0, end): a slot is a minute of the day at which at
// least a fifth as many bars opened as at the busiest minute (and at least
// three); a slot's value is the mean absolute one-bar log return of its bars
// (the first bar of a session: close to the previous close, gap included),
// shrunk toward the overall mean by five pseudo-bars, then squared and
// normalised to a bar-weighted mean of 1. Mean absolute rather than squared
// returns, so a single crash bar does not make its minute look wild forever.
// Empty when fewer than two slots remain or no return moved.
SessionProfile LearnSessionProfile(const std::vector<int64_t>& ts, const std::vector<double>& close, size_t end);

}  // namespace rc::ml
