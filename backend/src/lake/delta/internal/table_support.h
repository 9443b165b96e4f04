// File: lake/delta/internal/table_support.h
// What the files of Table's implementation share, and nothing outside
// lake/delta includes: the commit's conflict rules, the data-file writer, and
// the helpers more than one of them needs. The files: table.cc (create, open,
// snapshots, history, the commit itself, checkpoints, log cleanup),
// table_write.cc (appends, partition replacement, staged writes),
// table_read.cc (reading data files, scans) and table_maintenance.cc
// (compaction, file updates, vacuum).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "lake/column_batch.h"
#include "lake/delta/actions.h"
#include "lake/delta/snapshot.h"
#include "lake/delta/table.h"
#include "lake/fs.h"

namespace rc::lake::delta {

// What a commit must not overlap with in the commits that won the race before it.
struct Table::ConflictRules {
  bool is_create = false;
  std::set<std::string> removed;                     // rel paths this commit removes
  std::optional<std::vector<PartitionValueMap>> replaced;  // partitions this commit overwrites
};

// Writes data-file rows of one partition as files of at most
// max_rows_per_file rows, each chunk of rows one Parquet row group (a chunk
// that straddles a file's end is split): the rows of one batch
// (StagePartition, appends: one chunk) or of a ChunkSource
// (StagePartitionChunks). Data files are fsynced, then their directory.
// Defined in table_write.cc.
struct Table::DataFile {
  // The next chunk of rows (`schema` columns), or nullptr after the last.
  using NextChunk = std::function<Result<const ColumnBatch*>()>;

  // `staging` (for CommitStagedPartitions): a new partition directory's entry
  // in the table root is left for the commit to sync.
  static Result<std::vector<AddFile>> Write(const Table& table, const Snapshot& snap, const PartitionValueMap& values,
                                            const ColumnBatch& data, bool data_change, bool staging = false);
  // `next` fills one reused batch of the data-file schema (ChunkSource).
  static Result<std::vector<AddFile>> Write(const Table& table, const Snapshot& snap, const PartitionValueMap& values,
                                            const ChunkSource& next, int64_t& rows_written, bool staging);

 private:
  static Result<std::vector<AddFile>> WriteChunks(const Table& table, const Snapshot& snap,
                                                  const PartitionValueMap& values, const Schema& schema,
                                                  const NextChunk& next, bool data_change, int64_t& rows_written,
                                                  bool staging);
};

namespace internal {

// OK when regimecast may write `snap`'s table (its protocol, no column
// invariants) and, with `removes_data`, remove data from it (not append-only).
Status CheckWritable(const Snapshot& snap, bool removes_data);

// The value of partition column `column` in `values` (nullopt: null or absent).
std::optional<std::string> PartitionValueOf(const PartitionValueMap& values, const std::string& column);

// Whether `a` and `b` agree on every one of `columns`.
bool SamePartition(const PartitionValueMap& a, const PartitionValueMap& b, const std::vector<std::string>& columns);

// The data columns of `snap`'s files (its schema without the partition columns), in file order.
std::vector<std::string> DataColumnNames(const Snapshot& snap);

// The remove action of live file `f` at `now_ms` (extended metadata, as the protocol recommends).
RemoveFile RemovalOf(const LiveFile& f, int64_t now_ms, bool data_change);

// The partition as its directory path ("symbol=TCS.NS/tf=5m"): for messages and grouping.
std::string DescribePartition(const PartitionValueMap& values, const std::vector<std::string>& columns);

// Creates `dir` and makes every newly created directory entry durable, except
// entries of `unsynced_parent` (the table root while staging partitions:
// CommitStagedPartitions syncs it once for the whole batch).
Status EnsureDir(FileSystem& fs, const std::string& dir, const std::string* unsynced_parent = nullptr);

// OK when a commit's lineage is well formed.
Status ValidateLineage(const Lineage& lineage);

// The txn actions (application id -> version) of a commit at `now_ms`.
std::vector<Txn> TxnActions(const std::map<std::string, int64_t>& txns, int64_t now_ms);

// Removes data files written for a commit that did not happen (best effort).
void RemoveUncommittedFiles(FileSystem& fs, const std::string& table_dir, const std::vector<AddFile>& adds);

// OK when every partition is a full map of the partition columns `pcols` (and nothing else).
Status ValidatePartitionMaps(const std::vector<PartitionValueMap>& partitions, const std::vector<std::string>& pcols,
                             const std::string& table_dir);

// The type of `column`, which must be a timestamp or long DATA column of
// `base` (the time column whose stats select a partition's files).
Result<ColumnType> DataTimeColumnType(const Snapshot& base, const std::string& column, const std::string& table_dir);

}  // namespace internal
}  // namespace rc::lake::delta
