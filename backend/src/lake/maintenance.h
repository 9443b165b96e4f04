// File: lake/maintenance.h
//
// Session-time upkeep of the lake tables (raw, bronze, silver, gold): the
// live loop commits every bar close and every gold group commit, and each
// partition rewrite leaves the replaced files on disk for time travel. Left
// alone, a 17-minute replay at speed 300 held 494 MB of silver on disk for a
// few MB of live data (docs/benchmarks.md "### Soak"). MaintainLake applies
// Delta's two retention rules to every table:
//
//   - VACUUM: data files no version newer than the retention references, and
//     older than it, are deleted (delta::Table::Vacuum; never a file of the
//     latest version, so readers of the current tables never notice);
//     The process's cached snapshot of the table then forgets those files'
//     tombstones, so a long session's snapshots stop growing with every
//     replaced file;
//   - log cleanup: commits and checkpoints older than the retention behind a
//     checkpoint old enough are deleted (delta::Table::CleanupLog), oldest
//     first, so a crash part-way leaves a readable log.
//
// Before them it compacts raw, bronze and silver: the live loop appends a
// file per bar close to each (data/pipeline/append.h), so a partition's small
// files (below compact_small_file_bytes, at least compact_min_files of them)
// are merged into one (delta::Table::Compact: an OPTIMIZE commit with
// dataChange=false, the data and the partitions' watermarks unchanged). Each
// partition's newest file is left out: it is the silver tail the next close
// replaces, so the close and the compaction never conflict. Gold is compacted
// by its own writer (serving/gold_log.h).
//
// The retention is the time-travel window readers keep: a version younger
// than it stays fully readable (its files and its log). Delta's default for
// removed files is 7 days (delta.deletedFileRetentionDuration), which is the
// server's default too (LAKE_RETENTION_MINUTES).
//
//   MaintenanceOptions options{.retention_ms = 7LL * 24 * 3600 * 1000};
//   RC_ASSIGN_OR_RETURN(auto report, rc::lake::MaintainLake(data_dir, options));
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "lake/fs.h"

namespace rc::lake {

struct MaintenanceOptions {
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;  // >= 0
  FileSystem* fs = nullptr;                       // default: DefaultFileSystem()
  // Compaction of raw, bronze and silver: files below this size (>= 1) ...
  int64_t compact_small_file_bytes = int64_t{1} << 20;
  // ... when a partition has at least this many of them (>= 2).
  int compact_min_files = 8;
};

// What one table's upkeep did.
struct TableMaintenance {
  std::string table;              // "raw", "bronze", "silver", "gold"
  int64_t files_deleted = 0;      // data files (and stale temporary commit files)
  int64_t bytes_deleted = 0;
  int64_t log_entries_deleted = 0;
  int64_t tombstones_forgotten = 0;  // by the process's cached snapshot (delta::Table::ForgetCachedTombstones)
  int64_t files_compacted = 0;       // small files merged (raw, bronze, silver)
  int64_t compacted_into = 0;        // files they were merged into
  std::optional<int64_t> oldest_readable;  // the version the log starts at, when it was cleaned
};

// Vacuums and cleans the log of every layer table under `data_dir` that
// exists (absent tables are skipped). Every table is tried even when one
// fails. A compaction that lost a race with a live writer (kConflict) is
// skipped until the next run. Errors: kInvalidArgument (negative retention,
// compact_small_file_bytes < 1, compact_min_files < 2), else the first
// table's error, naming the table.
Result<std::vector<TableMaintenance>> MaintainLake(const std::string& data_dir, const MaintenanceOptions& options);

}  // namespace rc::lake
