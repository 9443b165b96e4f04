// File: serving/drift_tracker.h
//
// The server's drift check, incremental: what RunDriftCheck (serving/quality.h)
// computes by reading and rewriting every gold partition, kept in memory and
// advanced by what is new since the last check, so that a check costs
// O(new predictions + new bars), not O(session):
//
//   - predictions enter as the gold log commits them (GoldLogOptions::on_committed
//     -> OnLogged), pending until their target bar is in silver;
//   - a check reads silver only from the oldest pending target on, realizes what
//     it can, and measures the `window` most recent matured predictions, kept
//     in a bounded window per series (not the whole history);
//   - realized closes are written back to gold (realized_close) by PersistIfDue,
//     at most every `persist_every`, and by Persist on shutdown: a Delta UPDATE of
//     only the files whose target_ts stats overlap the realized targets
//     (lake::delta::Table::UpdateFiles), so its cost stays that of the recent
//     files however long the session; a whole-partition rewrite here was most
//     of the server's heap peak in the soak. A crash loses nothing: a restarted
//     server realizes the unwritten rows again from silver.
//
// The first check seeds the state from gold (one full read per process); rows
// logged before it are in that read, so OnLogged ignores them until then.
// A pending prediction whose target bar is missing although silver has newer
// bars (a gap in the data) would never mature in RunDriftCheck either: it is
// dropped from the pending set so that later checks do not read silver back to it.
//
//   DriftTracker drift;                                   // before the gold log
//   options.gold.on_committed = [&](const auto& rows) { drift.OnLogged(rows); };
//   gold.Exclusive([&] { return drift.Check(options); });  // every drift check
//   gold.Exclusive([&] { return drift.PersistIfDue(data_dir); });
//
// Thread-safe: OnLogged from the gold log's writer, the rest from the scheduler.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/mutex.h"
#include "lake/column_batch.h"
#include "serving/quality.h"

namespace rc::serving {

struct DriftTrackerOptions {
  std::chrono::seconds persist_every{60};  // realized closes written to gold at most this often
};

class DriftTracker {
 public:
  explicit DriftTracker(DriftTrackerOptions options = {}) : options_(options) {}

  // Rows just committed to gold (GoldPredictionsSchema, any series).
  void OnLogged(const lake::ColumnBatch& rows) RC_EXCLUDES(mutex_);

  // One drift check (options.data_dir, thresholds, window, on_realized; the
  // symbol/timeframe filters select the series reported). Call it where no
  // gold commit runs meanwhile (GoldLog::Exclusive): the first call reads gold.
  // Errors: lake errors reading gold or silver (the state is unchanged for the
  // series that failed; the next check retries).
  Result<std::vector<SeriesQuality>> Check(const DriftOptions& options) RC_EXCLUDES(mutex_);

  // Writes the realized closes found since the last write to gold, when
  // persist_every has passed since then (Persist: now). Returns the number of
  // gold rows filled. Errors: lake errors (the closes stay to be written).
  Result<int64_t> PersistIfDue(const std::string& data_dir) RC_EXCLUDES(mutex_);
  Result<int64_t> Persist(const std::string& data_dir) RC_EXCLUDES(mutex_);

  struct Stats {
    int64_t series = 0;
    int64_t pending = 0;       // logged, not yet realized
    int64_t windowed = 0;      // matured predictions held for measuring (<= window per series)
    int64_t unpersisted = 0;   // realized target closes not yet written to gold
    int64_t dropped_gaps = 0;  // pending predictions whose target bar is missing from silver
    int64_t silver_bars_read = 0;  // by the last check
  };
  Stats stats() const RC_EXCLUDES(mutex_);

 private:
  struct Pending {
    uint64_t arrival = 0;  // order logged: ties of ts keep it, as gold's row order does
    LoggedPrediction prediction;
  };
  struct Series {
    int64_t predictions = 0, matured = 0;
    std::multimap<int64_t, Pending> pending;           // by target_ts
    std::multimap<int64_t, LoggedPrediction> window;   // matured, by ts (then arrival)
    std::map<int64_t, double> unpersisted;             // target_ts -> close, not yet in gold
    int64_t silver_version = -1;                       // silver read by the last realization
  };
  using Key = std::pair<Symbol, Timeframe>;

  Status Seed(const std::string& data_dir) RC_REQUIRES(mutex_);
  void AddLogged(Series& series, std::vector<LoggedPrediction> logged, size_t window) RC_REQUIRES(mutex_);
  Status Realize(const Key& key, Series& series, const DriftOptions& options, SeriesQuality& quality)
      RC_REQUIRES(mutex_);
  static void Trim(Series& series, size_t window);
  Result<int64_t> PersistLocked(const std::string& data_dir) RC_REQUIRES(mutex_);

  const DriftTrackerOptions options_;
  mutable Mutex mutex_;
  bool seeded_ RC_GUARDED_BY(mutex_) = false;
  size_t window_ RC_GUARDED_BY(mutex_) = 200;  // the last check's options.window
  std::map<Key, Series> series_ RC_GUARDED_BY(mutex_);
  std::chrono::steady_clock::time_point last_persist_ RC_GUARDED_BY(mutex_) = std::chrono::steady_clock::now();
  int64_t dropped_gaps_ RC_GUARDED_BY(mutex_) = 0;
  int64_t silver_bars_read_ RC_GUARDED_BY(mutex_) = 0;
  uint64_t arrivals_ RC_GUARDED_BY(mutex_) = 0;
};

}  // namespace rc::serving
