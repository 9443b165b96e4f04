// File: serving/gold_log.h
//
// The gold prediction log (data/gold/predictions) written by group commit:
// served predictions are queued in memory and committed together, one Delta
// commit per `max_rows` predictions or per `max_delay`, whichever comes first,
// by a background thread. A request never waits for the lake, and the table
// grows by one file per partition per commit instead of one per prediction.
//
// Durability: Close() (the server calls it on SIGTERM/SIGINT after the last
// request was answered) commits everything queued, so nothing acknowledged to
// a client is lost on a clean shutdown. A crash (SIGKILL, power loss) loses at
// most what was queued and not yet committed: at most `max_delay` of
// predictions (default 250 ms). A failed commit (disk full, I/O error) keeps
// the rows queued and retries on the next round; past `max_pending` rows the
// oldest are dropped, logged and counted in
// gold_log_dropped_rows_total. Each commit's outcome goes to the StorageHealth
// given (write path "gold_log", compaction "gold_compaction"): /health says
// degraded while commits fail and ok after the first that succeeds. A failed
// commit leaves nothing visible (the Delta commit is atomic), so the retry
// adds each row exactly once.
// Small files are compacted on their own: after every `compact_every` commits,
// partitions holding at least `compact_min_files` files smaller than
// `compact_small_file_bytes` are rewritten into one. Files at that size are
// settled and never read again by a compaction, so its cost stays bounded by
// the threshold however long the session runs (with Delta's 32 MiB default the
// whole partition was re-read and rewritten every ~8 s: the soak's RSS grew
// with the predictions logged, docs/benchmarks.md "### Soak").
//
//   rc::serving::GoldLog gold(settings.data_dir);
//   gold.Append(outcome);                       // from any thread; returns at once
//   gold.Exclusive([&] { return RunDriftCheck(options); });  // no commit meanwhile
//   gold.Close();                               // final commit
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/mutex.h"
#include "lake/column_batch.h"
#include "serving/prediction_service.h"
#include "serving/storage_health.h"

namespace rc::serving {

struct GoldLogOptions {
  size_t max_rows = 512;                              // commit when this many are queued
  std::chrono::milliseconds max_delay{250};           // ... or when the oldest queued is this old
  size_t max_pending = 200'000;                       // queued rows kept while commits fail
  int compact_every = 16;                             // commits between compaction checks (0: never)
  int compact_min_files = 32;                         // small files in a partition that trigger compaction
  int64_t compact_small_file_bytes = 1 << 20;         // files this large are settled (never compacted again)
  // Called with the rows and the gold table version of each successful commit,
  // on the committing thread with the write lock held (no other commit, no
  // Exclusive meanwhile): the incremental drift check learns of new
  // predictions here (serving/drift_tracker.h); the version tells it which
  // commits a read of gold at some version already holds.
  std::function<void(const lake::ColumnBatch&, int64_t version)> on_committed;
};

// The gold rows of `outcomes` (GoldPredictionsSchema). Errors: kInvalidArgument
// when a row does not fit the schema.
Result<lake::ColumnBatch> GoldRows(const std::vector<PredictionOutcome>& outcomes);

class GoldLog {
 public:
  // `health` may be null; otherwise it must outlive the log.
  explicit GoldLog(std::string data_dir, GoldLogOptions options = {}, StorageHealth* health = nullptr);
  ~GoldLog();  // Close()
  GoldLog(const GoldLog&) = delete;
  GoldLog& operator=(const GoldLog&) = delete;

  // Queues one served prediction. Never blocks on I/O. After Close() the row
  // is committed synchronously instead (late callers lose nothing either).
  void Append(PredictionOutcome outcome);

  // Commits everything queued now, on the caller's thread. Errors: lake errors
  // (the rows stay queued).
  Status Flush();

  // Stops the background thread and commits what is queued. Idempotent.
  Status Close();

  // Runs `fn` while no commit can happen (the drift check rewrites gold partitions).
  template <typename F>
  auto Exclusive(F&& fn) RC_EXCLUDES(write_mutex_) {
    MutexLock lock(write_mutex_);
    return fn();
  }

  struct Stats {
    int64_t commits = 0;        // group commits made
    int64_t rows_committed = 0;
    int64_t pending = 0;        // queued now
    int64_t failed_commits = 0;
    int64_t dropped = 0;        // rows dropped past max_pending
    std::string last_error;     // "" after a successful commit
  };
  Stats stats() const;

 private:
  void Loop();
  // Takes the queue and commits it; on failure puts the rows back in front.
  Status CommitQueued() RC_EXCLUDES(queue_mutex_);

  const std::string data_dir_;
  const GoldLogOptions options_;
  StorageHealth* const health_;

  mutable Mutex queue_mutex_;  // a leaf: taken after write_mutex_, never before
  CondVar wake_;
  std::vector<PredictionOutcome> queue_ RC_GUARDED_BY(queue_mutex_);
  std::chrono::steady_clock::time_point oldest_ RC_GUARDED_BY(queue_mutex_);
  bool closing_ RC_GUARDED_BY(queue_mutex_) = false;
  bool closed_ RC_GUARDED_BY(queue_mutex_) = false;
  Stats stats_ RC_GUARDED_BY(queue_mutex_);

  Mutex write_mutex_ RC_ACQUIRED_BEFORE(queue_mutex_);  // one writer of gold at a time (commits, Exclusive)
  int commits_since_compaction_ RC_GUARDED_BY(write_mutex_) = 0;

  std::thread thread_;  // last: started after the members it uses
};

}  // namespace rc::serving
