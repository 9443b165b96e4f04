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
// The first check seeds the state from gold (one full read per process) at a
// snapshot it pins, WITHOUT keeping gold commits out: a restarted server's
// first read of a long session's gold took over a second, and the gold log's
// commits waited behind it, so a crash then lost more than the flush window
// (tests/system/test_crash_recovery.py). Rows logged before the seed are in
// that read and OnLogged ignores them; rows committed while it reads are held
// with their gold version and added after it when the read does not have them.
// A pending prediction whose target bar is missing although silver has newer
// bars (a gap in the data) would never mature in RunDriftCheck either: it is
// dropped from the pending set so that later checks do not read silver back to it.
//
//   DriftTracker drift;                                   // before the gold log
//   options.gold.on_committed = [&](const auto& rows, int64_t v) { drift.OnLogged(rows, v); };
//   drift.Check(options);                                 // every drift check
//   gold.Exclusive([&] { return drift.PersistIfDue(data_dir); });  // writes gold
//
// Thread-safe: OnLogged from the gold log's writer, the rest from the scheduler.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/mutex.h"
#include "lake/column_batch.h"
#include "serving/quality.h"

namespace rc::serving {

// Where the seeding read of gold is when DriftTrackerOptions::during_seed is called.
enum class SeedStep {
  kBeforeSnapshot,  // OnLogged already holds commits back; the snapshot is not pinned yet
  kAfterRead,       // the pinned snapshot has been read; its rows are not merged yet
};

struct DriftTrackerOptions {
  std::chrono::seconds persist_every{60};  // realized closes written to gold at most this often
  // Called unlocked at each SeedStep of the first check. A commit then lands on
  // a known side of the pinned version, which no thread timing can promise:
  // tests commit to gold here to check that each row is counted once.
  std::function<void(SeedStep)> during_seed;
};

class DriftTracker {
 public:
  explicit DriftTracker(DriftTrackerOptions options = {}) : options_(options) {}

  // Rows just committed to gold (GoldPredictionsSchema, any series) as table
  // version `version`.
  void OnLogged(const lake::ColumnBatch& rows, int64_t version) RC_EXCLUDES(mutex_);

  // One drift check (options.data_dir, thresholds, window, on_realized; the
  // symbol/timeframe filters select the series reported). Gold commits may run
  // meanwhile: the first call reads gold at a pinned version (see above).
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
    int64_t commits_during_seed = 0;  // gold commits that arrived while the first check read gold
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

  // Reads gold once (outside mutex_) and merges what was logged meanwhile.
  Status SeedOnce(const std::string& data_dir, size_t window) RC_EXCLUDES(mutex_);
  void AddLogged(Series& series, std::vector<LoggedPrediction> logged, size_t window) RC_REQUIRES(mutex_);
  // Gold rows of any series, split by series into AddLogged.
  void AddLoggedRows(const lake::ColumnBatch& rows) RC_REQUIRES(mutex_);
  Status Realize(const Key& key, Series& series, const DriftOptions& options, SeriesQuality& quality)
      RC_REQUIRES(mutex_);
  static void Trim(Series& series, size_t window);
  Result<int64_t> PersistLocked(const std::string& data_dir) RC_REQUIRES(mutex_);

  const DriftTrackerOptions options_;
  mutable Mutex mutex_;
  bool seeded_ RC_GUARDED_BY(mutex_) = false;
  bool seeding_ RC_GUARDED_BY(mutex_) = false;  // a seeding read of gold is under way
  // Commits OnLogged saw while seeding_: (gold version, rows), merged by SeedOnce.
  std::vector<std::pair<int64_t, lake::ColumnBatch>> logged_while_seeding_ RC_GUARDED_BY(mutex_);
  size_t window_ RC_GUARDED_BY(mutex_) = 200;  // the last check's options.window
  std::map<Key, Series> series_ RC_GUARDED_BY(mutex_);
  std::chrono::steady_clock::time_point last_persist_ RC_GUARDED_BY(mutex_) = std::chrono::steady_clock::now();
  int64_t dropped_gaps_ RC_GUARDED_BY(mutex_) = 0;
  int64_t silver_bars_read_ RC_GUARDED_BY(mutex_) = 0;
  int64_t commits_during_seed_ RC_GUARDED_BY(mutex_) = 0;
  uint64_t arrivals_ RC_GUARDED_BY(mutex_) = 0;
};

}  // namespace rc::serving
