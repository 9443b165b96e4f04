// File: lake/delta/table.h
//
// A Delta Lake table (reader 1 / writer 2) on a FileSystem: create, append,
// replace partitions, read any version (time travel, as-of), history,
// compaction and vacuum. Commits are atomic and exclusive (temp file + fsync +
// link to the numbered log entry); a writer that loses the race re-reads the
// winner's commit, checks for a conflict and retries as the next version.
//
//   RC_ASSIGN_OR_RETURN(auto table, rc::lake::delta::Table::OpenOrCreate(dir, {.schema = s, .partition_columns = {"symbol"}}));
//   RC_ASSIGN_OR_RETURN(auto commit, table.Append(batch, {.lineage = {.source_versions = {{"bronze", 7}}}}));
//   RC_ASSIGN_OR_RETURN(auto snap, table.AtVersion(commit.version));
//   RC_ASSIGN_OR_RETURN(rc::lake::ColumnBatch rows, table.Scan(*snap, {.columns = {"ts", "close"}}));
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "lake/column_batch.h"
#include "lake/delta/actions.h"
#include "lake/delta/snapshot.h"
#include "lake/fs.h"
#include "lake/parquet/parquet.h"

namespace rc::lake::delta {

struct TableOptions {
  // File system for every read and write. Default: DefaultFileSystem() (lake/fs.h). Not
  // owned; must outlive the Table.
  FileSystem* fs = nullptr;
  // Codec of new data files. Default: snappy.
  parquet::Codec codec = parquet::Codec::kSnappy;
  // A partition's rows of one append are split into files of at most this
  // many rows. Default: 1 Mi. Must be >= 1.
  int64_t max_rows_per_file = 1 << 20;
  // Attempts to commit (the first included) before giving up with kConflict
  // when other writers keep winning. Default: 50. Must be >= 1.
  int max_commit_attempts = 50;
  // Wall clock in ms since the epoch: commit timestamps, add.modificationTime,
  // remove.deletionTimestamp, vacuum ages. Default: the system clock.
  std::function<int64_t()> clock_ms;
  // Share replayed snapshots through the process-wide cache so that a refresh
  // replays only new commits. Default: true.
  bool snapshot_cache = true;
};

struct CreateOptions {
  Schema schema;                                     // non-empty; names unique (case-insensitive)
  std::vector<std::string> partition_columns;        // in directory order; not all columns
  std::map<std::string, std::string> configuration;  // metaData.configuration (e.g. delta.appendOnly)
  std::optional<std::string> name;
  std::optional<std::string> description;
};

// What produced a commit, recorded in commitInfo.lineage so that any row can
// be traced back to its sources.
struct Lineage {
  std::map<std::string, int64_t> source_versions;   // table -> version read (e.g. "bronze/bars" -> 12)
  std::map<std::string, std::string> attributes;    // free-form (batch_id, feature_set_version, ...)
};

struct WriteOptions {
  Lineage lineage;
  // Delta txn actions committed with the data (appId -> application version,
  // e.g. a consumer's watermark): the protocol's place for a writer's
  // progress, kept in checkpoints (Snapshot::txn_versions) when the commits
  // holding them are cleaned up. appIds non-empty UTF-8, versions >= 0.
  std::map<std::string, int64_t> txns;
};

struct CommitResult {
  int64_t version = -1;       // version committed (or the unchanged latest when nothing was written)
  bool committed = false;     // false when there was nothing to commit
  int64_t files_added = 0;
  int64_t files_removed = 0;
  int64_t rows_added = 0;
  int attempts = 0;           // commit attempts used (1 = no race lost)
};

struct ScanOptions {
  // Columns to return, in this order. Default (empty): all, in schema order.
  std::vector<std::string> columns;
  // Only files whose partition value of each named partition column equals
  // the given serialized value (nullopt = null partition).
  std::map<std::string, std::optional<std::string>> partition_filter;
  // Only rows with time_min <= time_column <= time_max (timestamp or long
  // column); files whose stats exclude the range are not read.
  std::optional<std::string> time_column;
  int64_t time_min = INT64_MIN;
  int64_t time_max = INT64_MAX;
  // Stop after this many rows (in file order).
  std::optional<int64_t> limit;
};

// One partition's new content written to data files (each fsynced, and its
// directories; a new partition's entry in the table root is left to the
// commit, which syncs the root once for the batch: 500 new partitions, one
// fsync of the root) but not yet visible: Table::CommitStagedPartitions makes
// a batch of them visible in one commit. Until then the files are orphans no
// version references (Vacuum removes them; DiscardStaged at once).
struct StagedPartition {
  PartitionValueMap partition;  // a full map of the partition columns
  std::vector<AddFile> adds;    // empty when the new content has no rows (the partition is emptied)
  int64_t rows = 0;
  int64_t bytes = 0;            // sum of the files' sizes
};

// One partition's append, staged (Table::StageAppend): the files of new rows,
// and the live files of the partition's tail they replace (the rows a new bar
// changes, e.g. silver's forward-return targets). Committed with other
// partitions' appends by Table::CommitAppends.
struct StagedAppend {
  PartitionValueMap partition;          // a full map of the partition columns
  std::vector<AddFile> adds;            // the written files (none when nothing was written)
  std::vector<LiveFile> replaced;       // the tail files read and replaced (none for a pure append)
  int64_t rows = 0;                     // rows written
};

// Which files Table::StageAppend reads as the partition's tail: the live
// files whose stats say `time_column` may hold a value >= time_min (INT64_MAX:
// none, a pure append).
struct TailOptions {
  std::string time_column = "ts";  // a timestamp or long data column
  int64_t time_min = INT64_MAX;
};

struct HistoryEntry {
  int64_t version = 0;
  int64_t timestamp_ms = 0;       // adjusted commit timestamp (as used by AsOf)
  std::string operation;          // commitInfo.operation, "" when absent
  std::string commit_info_json;   // the whole commitInfo object, "{}" when absent
};

struct CompactOptions {
  // Files smaller than this are compaction candidates. Default: 32 MiB.
  int64_t small_file_bytes = 32 << 20;
  // A partition is compacted when it has at least this many candidates. Default: 2.
  int min_files = 2;
  // Only this partition (a full map of the partition columns). Default: all.
  std::optional<PartitionValueMap> partition;
  // Leave each partition's newest file out: the tail a live appender
  // (StageAppend) may be replacing right now, so the two never conflict.
  bool keep_newest_file = false;
  WriteOptions write;
};

struct CompactResult {
  std::optional<int64_t> version;  // the OPTIMIZE commit, nullopt when nothing needed compaction
  int64_t files_removed = 0;
  int64_t files_added = 0;
  int64_t partitions = 0;
};

// Which files Table::UpdateFiles reads: those of one partition whose stats
// say `time_column` may hold a value in [time_min, time_max].
struct UpdateOptions {
  PartitionValueMap partition;  // a full map of the partition columns
  std::string time_column;      // a timestamp or long data column
  int64_t time_min = INT64_MIN;
  int64_t time_max = INT64_MAX;
  WriteOptions write;
};

struct UpdateResult {
  std::optional<int64_t> version;  // the UPDATE commit, nullopt when no file changed
  int64_t files_read = 0;          // files the stats could not rule out
  int64_t files_rewritten = 0;
};

struct VacuumOptions {
  // Files unreferenced by the current version and older than this (by mtime
  // and, for removed files, by deletionTimestamp) are deleted. Default: 7 days.
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;
  bool dry_run = false;  // list what would be deleted, delete nothing
};

struct LogCleanupOptions {
  // Log entries (commits, checkpoints, .crc files) older than this are
  // removed when a checkpoint at least this old covers them. Default
  // (nullopt): the table's delta.logRetentionDuration, else 30 days.
  std::optional<int64_t> retention_ms;
  bool dry_run = false;  // list what would be deleted, delete nothing
};

struct LogCleanupResult {
  std::vector<std::string> files;             // _delta_log file names deleted (or to delete)
  std::optional<int64_t> oldest_readable;     // the checkpoint version the log now starts at
};

struct VacuumResult {
  std::vector<std::string> files;  // table-relative paths deleted (or to delete, in a dry run)
  int64_t bytes = 0;
  int64_t cutoff_ms = 0;           // the table's clock minus the retention: files removed before it are gone
};

class Table {
 public:
  // Creates version 0 (protocol 1/2, metaData with a new id). Errors:
  // kInvalidArgument (field "schema" / "partition_columns") for a bad schema;
  // kConflict when the table already exists; kIo.
  static Result<Table> Create(std::string_view dir, const CreateOptions& create, TableOptions options = {});
  // Opens an existing table and reads its latest snapshot. Errors: kNotFound
  // when `dir` holds no Delta log; kDataCorrupt / kUnsupported from the log.
  static Result<Table> Open(std::string_view dir, TableOptions options = {});
  // Opens, or creates when absent. An existing table must have exactly this
  // schema and these partition columns, else kConflict (field "schema").
  static Result<Table> OpenOrCreate(std::string_view dir, const CreateOptions& create, TableOptions options = {});

  const std::string& dir() const { return dir_; }
  FileSystem& fs() const { return *options_.fs; }

  // The newest snapshot (replaying only commits newer than the cached one).
  Result<std::shared_ptr<const Snapshot>> Latest() const;
  // Snapshot at `version`. Errors: kInvalidArgument (< 0), kNotFound (> latest,
  // or older than the log retained after CleanupLog).
  Result<std::shared_ptr<const Snapshot>> AtVersion(int64_t version) const;
  // Newest snapshot whose commit timestamp <= `timestamp_us` (UTC micros).
  // Errors: kNotFound when it precedes the oldest retained version.
  Result<std::shared_ptr<const Snapshot>> AsOf(int64_t timestamp_us) const;
  // commitInfo of every retained version, oldest first.
  Result<std::vector<HistoryEntry>> History() const;

  // Rows of `snapshot` (of this table). Partition columns are re-attached
  // from add.partitionValues. Errors: kNotFound (unknown column),
  // kInvalidArgument (bad filter), kDataCorrupt (file does not match the
  // schema, partition value unparsable), kIo, and Parquet reader errors.
  Result<ColumnBatch> Scan(const Snapshot& snapshot, const ScanOptions& options = {}) const;

  // Writes `rows` (all table columns, any order) as new files, one set per
  // partition, and commits them in one version. An empty batch commits
  // nothing. Appends never conflict with other writers. Errors:
  // kInvalidArgument (schema mismatch, nulls in non-nullable columns, empty
  // string partition values), kUnsupported (protocol/invariants), kConflict
  // (retries exhausted), kIo.
  Result<CommitResult> Append(const ColumnBatch& rows, const WriteOptions& options = {});
  // The same from a batch about to go away (`table.Append(std::move(rows))`):
  // one partition's data columns move into the written batch instead of being
  // copied (an import of 250k rows copies every string of every row otherwise).
  Result<CommitResult> Append(ColumnBatch&& rows, const WriteOptions& options = {});

  // Atomically replaces the content of `partitions` (each a full map of the
  // partition columns to serialized values) with `rows`: one commit removing
  // every live file of those partitions and adding the new files. Every row
  // must belong to one of `partitions`. Errors as Append, plus kConflict when
  // another writer changed one of the partitions after our snapshot, and
  // kUnsupported on a delta.appendOnly table.
  Result<CommitResult> ReplacePartitions(const std::vector<PartitionValueMap>& partitions, const ColumnBatch& rows,
                                         const WriteOptions& options = {});

  // Many partitions replaced in one commit, their files written in parallel:
  //   auto base = table.Latest();                          // what the batch is checked against
  //   staged[i] = table.StagePartition(**base, p_i, rows_i);  // any thread, no commit
  //   table.CommitStagedPartitions(**base, std::move(staged), {.txns = ...});
  //
  // StagePartition writes `rows` (all of partition `partition`, the table's
  // columns in any order) as data files of `base`'s table, fsynced, without
  // committing them. Thread-safe (const): workers stage partitions at once.
  // Errors as ReplacePartitions (kInvalidArgument "rows" when a row is of
  // another partition, "partitions" for an incomplete partition map).
  // `rows` is taken by value: its data columns move into the written batch
  // (silver is ~400 MB per 1M rows; callers std::move it in).
  Result<StagedPartition> StagePartition(const Snapshot& base, const PartitionValueMap& partition,
                                         ColumnBatch rows) const;
  // StagePartition for rows produced in bounded chunks (a partition of a
  // million rows without a million-row batch in memory): `next` fills `chunk`
  // (a batch of the table's data-file schema, Snapshot::DataFileSchema(): the
  // partition columns are not in it) with the partition's next rows, in
  // order, and returns false when there are none left. `chunk` is the same
  // batch on every call (resize its columns, reuse their buffers); each
  // non-empty chunk becomes one Parquet row group (at most row_group_rows
  // rows) of the current data file, and files still hold at most
  // max_rows_per_file rows. The rows, files and add.stats are what
  // StagePartition of all the rows at once would give; only the row groups
  // differ. Errors: as StagePartition ("rows" for a chunk whose schema was
  // changed, nulls in a non-nullable column), and the first error of `next`
  // (the files written are removed).
  using ChunkSource = std::function<Result<bool>(ColumnBatch& chunk)>;
  Result<StagedPartition> StagePartitionChunks(const Snapshot& base, const PartitionValueMap& partition,
                                               const ChunkSource& next) const;
  // Replaces the content of every staged partition in ONE commit: one log
  // entry (one temp file, one link, one fsync of each), removing every file
  // those partitions had at `base` and adding the staged files; readers see
  // all the partitions' new content or none of it. A concurrent commit after
  // `base` that changed one of the partitions is a kConflict (as
  // ReplacePartitions); commits to other partitions make it retry as the next
  // version. The checkpoint is written as after any commit. An empty batch
  // commits nothing. On any error the staged files are removed. Errors:
  // kInvalidArgument ("partitions": a partition staged twice or not a full
  // map), kUnsupported (append-only table), kConflict, kIo.
  Result<CommitResult> CommitStagedPartitions(const Snapshot& base, std::vector<StagedPartition> staged,
                                              const WriteOptions& options = {});
  // Removes the files of partitions staged but not to be committed (best effort).
  void DiscardStaged(const std::vector<StagedPartition>& staged) const;

  // Appending to a partition's end, many partitions in one commit (the live
  // loop's bar close: a new file per close instead of a partition rewrite):
  //   auto base = table.Latest();
  //   staged[i] = table.StageAppend(**base, p_i, {.time_min = tail_start}, build_i);  // any thread
  //   table.CommitAppends(**base, std::move(staged), {.txns = ...});
  //
  // StageAppend reads the whole live files of `partition` selected by `tail`
  // (data columns only, in scan order; none for a pure append) and hands their
  // rows to `build`, which returns the batches to write in their place (data
  // columns, in any order; each batch becomes its own file(s), in order, so the
  // newest rows are in the partition's newest file). Nothing is visible until
  // CommitAppends. Errors: kInvalidArgument ("partitions", "time_column",
  // "rows": a batch without a data column of the table), kNotFound (time
  // column), errors of `build`, and as Append (the files written are removed).
  using AppendBuilder = std::function<Result<std::vector<ColumnBatch>>(ColumnBatch)>;
  Result<StagedAppend> StageAppend(const Snapshot& base, const PartitionValueMap& partition, const TailOptions& tail,
                                   const AppendBuilder& build) const;
  // Commits every staged append in ONE version: each one's tail files removed
  // and its new files added (dataChange=true), with options.txns. A concurrent
  // commit after `base` that changed the data of one of the partitions (a
  // data-changing add or remove: another writer's append or rebuild) is a
  // kConflict, as is one that removed a tail file being replaced (a
  // compaction); on any error the staged files are removed. A batch without
  // files to add or remove commits only options.txns (nothing without them).
  // Errors: kInvalidArgument ("partitions": staged twice), kUnsupported
  // (append-only table with a tail to replace), kConflict, kIo.
  Result<CommitResult> CommitAppends(const Snapshot& base, std::vector<StagedAppend> staged,
                                     const WriteOptions& options = {});
  void DiscardStaged(const std::vector<StagedAppend>& staged) const;

  // Rewrites each partition's small files into one (dataChange=false). The
  // data is unchanged at every version; the new file carries the newest data
  // version of the files it merged (kDataVersionTag, LiveFile::data_version). Errors: as Append; kConflict when a
  // file being compacted was removed concurrently.
  Result<CompactResult> Compact(const CompactOptions& options = {});

  // Delta's UPDATE, file by file: reads every live file of `base` selected by
  // `options` (stats pruning; the whole file, data columns only), lets
  // `update` change its rows in place (same schema, same row count; returns
  // whether it changed anything) and commits, in one version, the changed
  // files' removal and their rewritten content (dataChange=true). Files it
  // did not change stay as they are: the cost is that of the selected files,
  // not of the partition. Errors: kInvalidArgument (partition map, time
  // column, a row count or schema changed by `update`), kNotFound (column),
  // kConflict when a concurrent commit removed a rewritten file, errors of
  // `update`, and as Append.
  Result<UpdateResult> UpdateFiles(const Snapshot& base, const UpdateOptions& options,
                                   const std::function<Result<bool>(ColumnBatch&)>& update);

  // Deletes data files no longer referenced (never files of the latest
  // version) and stale temporary commit files. Errors: kInvalidArgument
  // (negative retention), kIo.
  Result<VacuumResult> Vacuum(const VacuumOptions& options = {});

  // Writes the classic checkpoint of the latest version and _last_checkpoint
  // (commits do this by themselves every delta.checkpointInterval versions,
  // default 10). Returns the version checkpointed. Errors: kIo.
  Result<int64_t> Checkpoint();

  // Removes expired log entries behind the newest checkpoint older than the
  // retention (Delta's delta.logRetentionDuration semantics): versions
  // before it can no longer be read by time travel; every version after it
  // still can. Deletes oldest first, so a crash leaves a readable log.
  // Errors: kInvalidArgument (negative retention, bad table property), kIo.
  Result<LogCleanupResult> CleanupLog(const LogCleanupOptions& options = {});

  // After a Vacuum (`deleted_before_ms` = its VacuumResult::cutoff_ms): the
  // cached latest snapshot of this table forgets the tombstones of files
  // removed before `deleted_before_ms`
  // (their files are gone, so neither vacuum nor a checkpoint needs them).
  // Without it a server's cached snapshots keep one tombstone per replaced
  // file for the whole session, and every commit copies them all. Returns
  // how many were forgotten (0 when nothing is cached).
  int64_t ForgetCachedTombstones(int64_t deleted_before_ms) const;

  // Drops every cached snapshot of every table (tests; after deleting tables).
  static void ClearSnapshotCache();

 private:
  Table(std::string dir, TableOptions options) : dir_(std::move(dir)), options_(std::move(options)) {}
  int64_t NowMs() const { return options_.clock_ms(); }

  struct ConflictRules;
  struct DataFile;
  struct DataFileRead {
    ColumnBatch batch;  // the requested columns, cast to the table's types
    size_t rows = 0;
  };
  // `given_up`: `&rows` when the caller is done with them, so that one
  // partition's columns are moved into the written batch instead of copied.
  Result<std::vector<AddFile>> WriteDataFiles(const Snapshot& snap, const ColumnBatch& rows, bool data_change,
                                              ColumnBatch* given_up = nullptr) const;
  // Both Appends; `given_up` is `&rows` when the caller gave them up (or nullptr).
  Result<CommitResult> AppendRows(const ColumnBatch& rows, ColumnBatch* given_up, const WriteOptions& options);
  // The commit of ReplacePartitions and CommitStagedPartitions: removes every
  // live file of `partitions` at `snap`, adds `adds`.
  Result<CommitResult> CommitReplacement(const Snapshot& snap, const std::vector<PartitionValueMap>& partitions,
                                         std::vector<AddFile> adds, int64_t rows_written, const WriteOptions& options);
  Result<DataFileRead> ReadDataFile(const Snapshot& snap, const LiveFile& file, const std::vector<std::string>& columns,
                                   const std::optional<parquet::ReadOptions::Range>& range) const;
  Result<CommitResult> Commit(const Snapshot& base, CommitActions actions, const ConflictRules& rules);
  // After committing `version` on top of `base`: writes the checkpoint when
  // the version is a multiple of the table's checkpoint interval. A failure
  // is logged, not returned: the commit is already durable and readers fall
  // back to the previous checkpoint and the commits.
  void MaybeCheckpoint(const Snapshot& base, int64_t version) const;
  std::string CommitInfoJson(std::string_view operation, const std::map<std::string, std::string>& params,
                             const std::map<std::string, std::string>& metrics, bool blind_append,
                             const Lineage& lineage) const;

  std::string dir_;
  TableOptions options_;
};

// Serialized partition value of row `row` of column `col` (docs/formats.md §2.8):
// strings as is, numbers in decimal, dates YYYY-MM-DD, timestamps
// "YYYY-MM-DDTHH:MM:SS.ffffffZ", booleans true/false; nullopt for null.
std::optional<std::string> SerializePartitionValue(const ColumnBatch& batch, size_t col, size_t row);

}  // namespace rc::lake::delta
