// The time-of-day shape of a per-bar quantity (log volume, |1-bar return|),
// learned from deviations WITHIN each past session, so that how busy a day was
// does not enter the shape of its slots.
//
// Why not each slot's own median: a slot's median over earlier sessions mixes
// the regimes those sessions happened to be in at that time of day (a regime
// lasts one to two sessions), plus the bar's own noise; after 30 sessions that
// error (~0.1 in log volume) is as large as the volume step between `neutral`
// and a trend (docs/ml_audit.md). A deviation from the session's own mean
// removes the day's level, so only the noise is left to average out.
//
// Sessions are calendar days of the bar's open time (UTC): a day's bars are
// folded into the shape when the first bar of a later day arrives, so the shape
// read at bar t holds completed earlier sessions only (no look-ahead).
#pragma once

#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

namespace rc::regime::internal {

class IntradayProfile {
 public:
  // kAdditive: the shape is the mean of (x - session mean), for logs (0 = usual).
  // kRatio: the mean of x / session mean, for non-negative sizes (1 = usual).
  enum class Kind { kAdditive, kRatio };

  IntradayProfile(Kind kind, int min_sessions) : kind_(kind), min_sessions_(min_sessions) {}

  // Starts a new session when `ts` falls on a later day than the previous call
  // (folding the finished one into the shape). Call once per bar, before Shape.
  void StartBar(int64_t ts);
  // Records this bar's value (finite; a ratio profile needs >= 0) at its slot.
  void Add(int64_t ts, double value);
  // The slot's shape once `min_sessions` completed sessions had a bar there;
  // else the neutral value (0 or 1) and `known` = false.
  double Shape(int64_t ts, bool* known = nullptr) const;

 private:
  void CloseSession();

  struct SlotSums {
    double sum = 0;
    int sessions = 0;
  };
  Kind kind_;
  int min_sessions_;
  int64_t day_ = INT64_MIN;
  std::vector<std::pair<int64_t, double>> session_;  // (slot, value) of the open session
  std::unordered_map<int64_t, SlotSums> slots_;
};

// Minute of the (UTC) day of a bar's open time: the time-of-day slot.
int64_t SlotOfDay(int64_t ts);

}  // namespace rc::regime::internal
