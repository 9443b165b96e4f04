// File: data/sim/sim_provider.h
//
// PRIMARY_DATA_PROVIDER=sim: the regime-switching simulator behind the
// provider interface. Same seed (SIM_SEED) + symbol + timeframe -> the same
// history for any requested range. Bars opening after "now" are not served;
// the last one is flagged as forming when its close is still ahead.
// Generation always runs forward from the origin; the provider keeps weekly
// checkpoints of the generator (per symbol and timeframe) so repeated fetches
// start near their range instead of at the origin. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "data/providers/provider.h"
#include "data/sim/market_simulator.h"

namespace rc::data {

class SimProvider final : public Provider {
 public:
  using Clock = std::function<TimestampUs()>;

  explicit SimProvider(uint64_t seed, Clock clock = nullptr);
  SimProvider(SimConfig config, Clock clock);

  std::string_view name() const override { return "sim"; }
  Result<FetchResult> Fetch(const FetchRequest& request) override;
  // History starts at the config's origin (default 2020-01-01).
  Coverage CoverageFor(Timeframe timeframe, TimestampUs now) const override;

 private:
  SimConfig config_;
  Clock clock_;
  std::mutex mutex_;
  // "<symbol>|<tf>" -> open time of the last bar emitted before the checkpoint -> generator state.
  std::map<std::string, std::map<TimestampUs, MarketSimulator>> checkpoints_;
};

// RawBars (no nulls) from simulated bars.
std::vector<RawBar> ToRawBars(const BarSeries& bars);

}  // namespace rc::data
