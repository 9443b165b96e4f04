// File: serving/storage_health.h
//
// Which of the live loop's writes to DATA_DIR are failing (disk full, I/O
// error), for GET /health ("storage": degraded, the write path, its last
// error and since when) and /metrics (storage_write_failures_total{path},
// storage_degraded{path}). Each write path reports the outcome of every
// write it attempts; a path turns ok again on its first successful write, so
// recovery needs nobody: the paths retry on their own (the gold log keeps its
// rows queued, the bar cycle re-runs what did not land).
//
// Write paths: "raw" (the bar cycle's raw commit), "pipeline" (bronze and
// silver), "gold_log" (group commits), "gold_compaction", "training" (experiment registry), "backtest" (saving a backtest summary),
// "lake_maintenance" (the scheduler's vacuum and log cleanup, lake/maintenance.h).
//
//   StorageHealth health;
//   if (!committed) health.RecordFailure("gold_log", committed.error());
//   else health.RecordSuccess("gold_log");
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/mutex.h"
#include "core/thread_annotations.h"
#include "core/time.h"

namespace rc::serving {

// True for errors that mean the disk refused a write (kIo: ENOSPC, EIO, ...),
// as opposed to bad input or a conflict, which are not storage health.
bool IsStorageFailure(const Error& error);

class StorageHealth {
 public:
  struct PathState {
    bool failing = false;
    std::string last_error;       // of the newest failure ("" if never failed)
    TimestampUs failing_since = 0;  // first failure of the current failing run
    TimestampUs last_failure = 0;
    int64_t failures = 0;         // in total, since start
  };

  // Logs the first failure of a run as an error naming the path; later ones
  // of the same run are counted only (their callers log them).
  void RecordFailure(std::string_view path, const Error& error, TimestampUs now = NowMicros());
  // Logs the recovery when the path was failing.
  void RecordSuccess(std::string_view path);
  // Records `status` as a success, a storage failure, or nothing (other errors).
  void Record(std::string_view path, const Status& status);

  std::map<std::string, PathState> Snapshot() const;
  // True while any path's last write failed.
  bool Degraded() const;

 private:
  mutable Mutex mutex_;
  std::map<std::string, PathState, std::less<>> paths_ RC_GUARDED_BY(mutex_);
};

}  // namespace rc::serving
