#include "data/sim/sim_provider.h"

#include <algorithm>
#include <optional>

namespace rc::data {
namespace {

constexpr int64_t kCheckpointEvery = 7 * kMicrosPerDay;

}  // namespace

SimProvider::SimProvider(uint64_t seed, Clock clock) : clock_(clock ? std::move(clock) : Clock(NowMicros)) {
  config_.seed = seed;
}

SimProvider::SimProvider(SimConfig config, Clock clock)
    : config_(std::move(config)), clock_(clock ? std::move(clock) : Clock(NowMicros)) {}

Coverage SimProvider::CoverageFor(Timeframe /*timeframe*/, TimestampUs /*now*/) const { return {config_.origin, 0}; }

std::vector<RawBar> ToRawBars(const BarSeries& bars) {
  std::vector<RawBar> out;
  out.reserve(bars.size());
  for (const Bar& b : bars) out.push_back({b.open_time, b.open, b.high, b.low, b.close, b.volume});
  return out;
}

Result<FetchResult> SimProvider::Fetch(const FetchRequest& request) {
  RC_RETURN_IF_ERROR(ValidateRequest(request));
  const TimestampUs now = clock_();
  const TimestampUs to = std::min(request.to, now);
  if (to <= request.from) return MakeFetchResult("sim", {}, request, now);
  const std::string key = request.symbol.str() + "|" + std::string(request.timeframe.ToString());
  std::optional<MarketSimulator> sim;
  TimestampUs last_emitted = config_.origin - 1;
  {
    std::lock_guard lock(mutex_);
    auto& points = checkpoints_[key];
    // The newest checkpoint whose next bar is still before `from`.
    auto it = points.lower_bound(request.from);
    if (it != points.begin()) {
      --it;
      last_emitted = it->first;
      sim.emplace(it->second);
    }
  }
  if (!sim) sim.emplace(config_, request.symbol, request.timeframe);
  std::map<TimestampUs, MarketSimulator> new_points;
  TimestampUs last_checkpoint = last_emitted;
  std::vector<RawBar> bars;
  while (true) {
    if (sim->AtDayBoundary() && last_emitted - last_checkpoint >= kCheckpointEvery) {
      new_points.emplace(last_emitted, *sim);
      last_checkpoint = last_emitted;
    }
    SimBar bar = sim->Next();
    if (bar.bar.open_time >= to) break;
    last_emitted = bar.bar.open_time;
    if (bar.bar.open_time >= request.from) bars.push_back(ToRawBars({bar.bar}).front());
  }
  if (!new_points.empty()) {
    std::lock_guard lock(mutex_);
    checkpoints_[key].merge(new_points);
  }
  return MakeFetchResult("sim", std::move(bars), request, now);
}

}  // namespace rc::data
