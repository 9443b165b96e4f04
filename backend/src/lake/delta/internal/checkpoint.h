// File: lake/delta/internal/checkpoint.h
//
// Delta's classic single-file checkpoint (docs/formats.md §2.7, the bytes we
// write: docs/lake_format.md "Checkpoints"): NNNN.checkpoint.parquet holds the
// reconciled state of a version — one row per action in the columns protocol, metaData, txn, add,
// remove — and _delta_log/_last_checkpoint names the newest one. Readers start
// from it and replay only later commits, so opening a table costs the same
// however long its history is.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "core/error.h"
#include "lake/delta/snapshot.h"
#include "lake/fs.h"

namespace rc::lake::delta::internal {

// add.tags key under which our checkpoints keep the version that added a
// file (a checkpoint otherwise forgets it; incremental consumers such as the
// pipeline's partition watermarks need it). Files without it count as added
// at the checkpoint's version.
inline constexpr char kAddedInVersionTag[] = "regimecast.addedInVersion";

// Table properties (metaData.configuration) and their defaults.
inline constexpr char kCheckpointIntervalKey[] = "delta.checkpointInterval";
inline constexpr int64_t kDefaultCheckpointInterval = 10;
inline constexpr char kLogRetentionKey[] = "delta.logRetentionDuration";
inline constexpr int64_t kDefaultLogRetentionMs = 30LL * 24 * 3600 * 1000;
inline constexpr char kDeletedFileRetentionKey[] = "delta.deletedFileRetentionDuration";
inline constexpr int64_t kDefaultDeletedFileRetentionMs = 7LL * 24 * 3600 * 1000;

// "interval 30 days" / "interval 1 week" / "interval 12 hours" ... as ms.
// Errors: kInvalidArgument naming `property`.
Result<int64_t> ParseIntervalMs(const std::string& text, const std::string& property);
// The table's delta.checkpointInterval (>= 1). Errors: kInvalidArgument.
Result<int64_t> CheckpointInterval(const Snapshot& snapshot);
// The table's retention for `key` (an interval), or `fallback` when unset.
Result<int64_t> RetentionMs(const Snapshot& snapshot, const char* key, int64_t fallback);

struct LastCheckpoint {
  int64_t version = -1;
  int64_t size = 0;  // actions (rows) in the checkpoint
};

// _last_checkpoint, or nullopt when it is absent or unreadable (it is only a
// hint: readers fall back to listing the log). Errors: kIo.
Result<std::optional<LastCheckpoint>> ReadLastCheckpoint(FileSystem& fs, const std::string& table_dir);

// Writes the checkpoint of `snapshot` and then _last_checkpoint, each to a
// temporary file that is synced and renamed into place, so that a crash at
// any point leaves either the old or the new file (and the JSON commits, which
// stay authoritative). Tombstones younger than the table's
// delta.deletedFileRetentionDuration are kept. Errors: kIo.
Status WriteCheckpoint(FileSystem& fs, const Snapshot& snapshot, int64_t now_ms);

// The snapshot stored in the checkpoint of `version` (commit timestamps: the
// checkpoint version's, from its commit file when retained, else the
// checkpoint file's mtime). Errors: kNotFound, kIo, kDataCorrupt (not a
// checkpoint, missing protocol/metaData, bad actions), kUnsupported (nested
// shapes or actions we do not read, e.g. deletion vectors).
Result<std::shared_ptr<Snapshot>> ReadCheckpoint(FileSystem& fs, const std::string& table_dir, int64_t version);

}  // namespace rc::lake::delta::internal
