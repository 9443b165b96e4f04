// File: scheduler/bar_cycle.h
//
// One bar-close cycle of one watched series, the live loop's unit of work:
//
//   fetch the bars since the newest stored one (provider chain, with failover)
//   -> data/raw (closed bars only, each once) -> bronze -> silver (this
//   partition) -> advance the series in memory one bar at a time
//   -> publish each new bar on bars:SYMBOL:TF (and the forming bar, when the
//   provider gives it) -> predict every horizon (which logs to gold and
//   publishes predictions: and regime:).
//
// The first cycle after a start is the backfill: it fetches from the newest
// bar in raw (or BACKFILL_DAYS back on an empty lake). A closed bar the
// calendar expects but no provider has is a feed gap: it is counted in
// cache_misses_total{cache="bars"} each time it is looked for (the runbook's
// Data Feed Gap signal) and the series' regime turns stale/unknown by itself.
//
// Series whose bars close at the same time run as ONE bar close (RunBarClose):
// one raw commit for every series' new bars, one catch-up of bronze and
// silver (one bronze and one silver commit) for every series with new bars,
// then each series' memory, publishing and predictions. The catch-up appends
// the new bars (data/pipeline/append.h: a new file per close, not a rewrite
// of the series' partitions); the first close after a start, or one after a
// failed write or a late bar, rebuilds the series' partitions instead. The lake tables' snapshots stay in the
// process-wide snapshot cache between closes, so each close replays only the
// commits since the last one (lake/delta/table.h).
//
//   BarCycle cycle({symbol, tf}, context);
//   RC_ASSIGN_OR_RETURN(CycleReport report, cycle.Run(clock.Now()));
//   auto reports = RunBarClose({&tcs, &infy, ...}, clock.Now());  // one report per cycle
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/settings.h"
#include "core/symbol.h"
#include "core/timeframe.h"
#include "data/providers/provider.h"

namespace rc::data {
class ProviderChain;
}
namespace rc::data::pipeline {
class LiveAppender;
}
namespace rc::serving {
class Runtime;
}

namespace rc::scheduler {

// What every cycle needs; owned by the Scheduler, outlives the cycles.
struct CycleContext {
  std::string data_dir;
  data::ProviderChain* providers = nullptr;
  serving::Runtime* runtime = nullptr;
  std::vector<int> horizons_minutes = {180};
  int backfill_days = 30;  // look-back of the first fetch on an empty lake
  // raw -> bronze -> silver of every close: appends each series' new bars
  // (data/pipeline/append.h). Created by the first close when absent.
  std::shared_ptr<data::pipeline::LiveAppender> appender;
};

struct CycleReport {
  int64_t now = 0;                 // market time the cycle ran at
  std::string provider;            // the provider that answered ("" when none did)
  std::string fetch_error;         // when every provider failed
  int64_t fetched = 0;             // bars the provider returned
  int64_t stored = 0;              // new closed bars committed to raw
  int64_t expected = 0;            // closed regular bars the calendar expected since the last stored one
  int64_t missing = 0;             // of those, how many no provider had (feed gap)
  int64_t advanced = 0;            // silver bars the series in memory advanced by
  int64_t published_bars = 0;      // messages on bars: (closed and forming)
  int predictions = 0;             // predictions served (one per horizon after a new bar)
  std::optional<int64_t> newest_bar;  // open time of the newest stored bar
};

class BarCycle {
 public:
  BarCycle(WatchedSeries series, CycleContext* context);

  // Runs one cycle at market time `now` (RunBarClose of this series alone).
  // Errors: lake errors (the cycle can be
  // retried; nothing half-written is visible). Every raw and pipeline write's
  // outcome goes to the runtime's StorageHealth ("raw", "pipeline"); a
  // pipeline that failed after raw was committed runs again on the next
  // cycle, so a disk that frees up catches bronze, silver and the series up
  // without new bars. A provider outage is not an
  // error: it is reported (fetch_error, missing) and retried by the scheduler.
  Result<CycleReport> Run(int64_t now);

  const WatchedSeries& series() const { return series_; }
  // Open time of the newest closed bar in raw (none before the first cycle).
  std::optional<int64_t> newest_stored() const { return newest_stored_; }

 private:
  friend std::vector<Result<CycleReport>> RunBarClose(const std::vector<BarCycle*>& cycles, int64_t now);
  // What a series' fetch leaves for the close's shared raw commit.
  struct Fetched {
    data::FetchResult closed;             // new closed bars for raw (maybe none)
    std::optional<data::RawBar> forming;  // the still-forming bar, published as is
    bool filled_gap = false;              // a late bar landed before the newest stored one
  };
  // Steps 1-2: fetch since the newest stored bar, keep the closed bars not
  // stored yet, count the feed gap. Fills `report`.
  Fetched FetchNew(int64_t now, CycleReport& report);
  // After the shared writes: the series in memory, bars:, the forming bar,
  // predictions (or the regime on the clock when no bar came). `seen_before`:
  // the bars the series in memory had consumed before the pipeline ran
  // (nullopt when it was not in memory).
  Status Finish(int64_t now, const Fetched& fetched, bool caught_up, std::optional<size_t> seen_before,
                CycleReport& report);

  // Newest raw bar open time, read once from the lake.
  Status LoadNewestStored();
  // Publishes the bronze bars after the last published one; returns how many.
  Result<int64_t> PublishNewBars();

  WatchedSeries series_;
  CycleContext* context_;
  bool loaded_ = false;
  std::optional<int64_t> newest_stored_;
  std::optional<int64_t> newest_published_;
  bool catch_up_pending_ = false;  // raw holds bars bronze/silver/memory may not have yet
  bool rebuild_series_ = false;    // a late bar filled a gap: rebuild the series in memory
  std::set<int64_t> gaps_;  // closed bars expected in the last day that no provider had yet
};

// Runs one bar close of several series (distinct ones, all of the same
// CycleContext) at market time `now`: every series' fetch, then ONE raw
// commit for all their new bars, ONE pipeline run for every series with bars
// to catch up (one bronze and one silver commit per batch of partitions),
// then each series' memory, publishing and predictions. Returns one report
// per cycle, in order. A failed raw commit fails every series that had bars
// to store (nothing stored: the next close fetches them again); a failed
// pipeline fails every series that needed it (the next close runs it again).
std::vector<Result<CycleReport>> RunBarClose(const std::vector<BarCycle*>& cycles, int64_t now);

}  // namespace rc::scheduler
