// File: data/sim/market_simulator.h
//
// A regime-switching market simulator. A Markov chain over the six regimes of
// the glossary (trending_up, trending_down, range_bound, volatile, neutral,
// unknown) drives a log-price process with per-regime drift, volatility and
// mean reversion; volume follows an intraday U shape; bars follow the symbol's
// exchange calendar (regular session, holidays; optionally NSE pre-open and
// closing-session bars). `unknown` models a feed gap: no bars are emitted
// while the chain is in it (the price keeps moving, so the feed resumes with
// a jump). Every emitted bar carries the regime that generated it.
//
// Deterministic: the history of (seed, symbol, timeframe) is generated from a
// fixed origin, so any requested range returns the same bars for the same
// seed, whatever the range. The random numbers are produced by an in-house
// generator (not <random> distributions) so histories match across platforms.
//
//   rc::data::SimConfig config;  config.seed = 7;
//   RC_ASSIGN_OR_RETURN(rc::data::SimSeries s, rc::data::Simulate(config, symbol, tf, from, to));
//   // s.bars[i] was generated in regime s.regimes[i]
//
// Live: MarketSimulator::Next() yields bars forever in time order; RunLive()
// emits each at its close time in real or accelerated time.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include "core/bar.h"
#include "core/calendar.h"
#include "core/error.h"
#include "core/symbol.h"
#include "core/timeframe.h"
#include "regime/regime.h"

namespace rc::data {

// The glossary's regimes, the same type the detector reports, so a bar's
// truth and its detected state compare directly.
using regime::kRegimeCount;
using regime::Regime;

// Parameters per 5-minute bar; other timeframes scale drift by the bar's
// length and volatility by its square root.
struct RegimeParams {
  double drift = 0;              // mean log return per 5 minutes
  double volatility = 0;         // stdev of the log return per 5 minutes
  double mean_reversion = 0;     // fraction of the gap to the regime's anchor closed per 5 minutes
  double volume_multiplier = 1;  // scales volume
  double mean_duration = 100;    // expected stay, in 5-minute units
};

struct SimConfig {
  uint64_t seed = 42;
  double start_price = 100.0;
  // First day of every history. Default: 2020-01-01T00:00:00Z. Fetching before it returns no bars.
  TimestampUs origin = 18262 * int64_t{86'400'000'000};
  std::array<RegimeParams, kRegimeCount> regimes = DefaultRegimes();
  // transitions[from][to]: relative weights of the next regime when leaving
  // `from` (the diagonal is ignored; the stay is governed by mean_duration).
  std::array<std::array<double, kRegimeCount>, kRegimeCount> transitions = DefaultTransitions();
  double base_volume = 50'000;  // mean volume per 5 minutes at mid-session
  bool extended_hours = false;  // NSE only, 1m/5m/15m: also emit pre-open and closing-session bars

  static std::array<RegimeParams, kRegimeCount> DefaultRegimes();
  static std::array<std::array<double, kRegimeCount>, kRegimeCount> DefaultTransitions();
};

struct SimBar {
  Bar bar;
  Regime regime = Regime::kNeutral;
  TimestampUs close_time = 0;  // when the bar is complete (calendar bar close)
};

struct SimSeries {
  BarSeries bars;
  std::vector<Regime> regimes;  // parallel to bars
};

// Walks the history of one (config, symbol, timeframe) forward from the origin.
// Not thread-safe (one instance per consumer).
class MarketSimulator {
 public:
  MarketSimulator(const SimConfig& config, const Symbol& symbol, Timeframe timeframe);

  // The next emitted bar in time order. Never ends.
  SimBar Next();

  // True between trading days (no generated bar is pending). A copy taken
  // here is small and continues the history exactly (SimProvider caches such
  // copies as checkpoints).
  bool AtDayBoundary() const { return pending_.empty(); }

 private:
  void GenerateDay();
  double Uniform();  // [0, 1)
  double Normal();
  void MaybeSwitchRegime(double scale);

  SimConfig config_;
  Timeframe timeframe_;
  const ExchangeCalendar* calendar_;
  uint64_t rng_state_;
  bool has_spare_normal_ = false;
  double spare_normal_ = 0;
  Regime regime_ = Regime::kNeutral;
  double log_price_ = 0;
  double anchor_ = 0;
  int64_t day_ = 0;  // next local day to generate
  bool first_day_ = true;
  std::deque<SimBar> pending_;
};

// Bars with open time in [from, to), with their regimes.
// Errors: kInvalidArgument naming "from" when from >= to.
Result<SimSeries> Simulate(const SimConfig& config, const Symbol& symbol, Timeframe timeframe, TimestampUs from,
                           TimestampUs to);

// The `days` trading days of the symbol's calendar that end before `end`
// (exclusive), simulated. Errors: kInvalidArgument naming "days" unless 1..10000.
Result<SimSeries> SimulateTradingDays(const SimConfig& config, const Symbol& symbol, Timeframe timeframe, int days,
                                      TimestampUs end);

// Live emission. Bars whose close is after `start` are passed to `on_bar` at
// their close time: sim time runs `speed` times faster than the wall clock
// (1 = real time), starting from `start` at the moment RunLive is called.
// Returns when `on_bar` returns false, after `max_bars` bars (0 = no limit),
// or when `stop` is requested. `sleeper` waits the given wall-clock
// microseconds and returns early (false) on a stop request; tests inject one.
struct LiveOptions {
  TimestampUs start = 0;
  double speed = 1.0;
  int64_t max_bars = 0;
  std::function<bool(int64_t wall_micros, std::stop_token stop)> sleeper;  // default: real sleep, stop-aware
};
void RunLive(MarketSimulator& simulator, const LiveOptions& options, const std::function<bool(const SimBar&)>& on_bar,
             std::stop_token stop = {});

}  // namespace rc::data
