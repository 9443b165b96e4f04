// File: lake/delta/snapshot.h
//
// The state of a Delta table at one version: protocol, metadata and the live
// data files, reconstructed by replaying the log (docs/formats.md §2.5). Snapshots
// are immutable once built and shared between threads (std::shared_ptr<const
// Snapshot>); get them from lake/delta/table.h.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/mutex.h"
#include "lake/column_batch.h"
#include "lake/delta/actions.h"

namespace rc::lake::delta {

// add.tags key under which a compaction's file keeps the newest version that
// changed the data it merged: a rewrite with dataChange=false does not change
// the partition's data, so its watermark (LiveFile::data_version) must not move.
inline constexpr char kDataVersionTag[] = "regimecast.dataVersion";

struct LiveFile {
  AddFile add;           // the newest add action of this file
  std::string rel_path;  // percent-decoded path relative to the table directory
  int64_t version = 0;   // version whose commit added it
  int64_t seq = 0;       // position in the order files were added (scan order)

  // The newest version that changed this file's rows: `version`, or for a
  // compaction's file the kDataVersionTag it carries.
  int64_t data_version() const;
};

struct Tombstone {
  RemoveFile remove;
  std::string rel_path;
  int64_t version = 0;  // version whose commit removed it
};

// A partition's values in the order of the table's partition columns (a
// missing column counts as null, as SamePartition compares them).
using PartitionKey = std::vector<std::optional<std::string>>;
PartitionKey PartitionKeyFor(const PartitionValueMap& values, const std::vector<std::string>& partition_columns);

struct Snapshot;

// The live files of a snapshot grouped by partition, built on first use and
// then shared by every thread reading the snapshot: a caller that visits
// hundreds of partitions (a bar close of 500 series, the series refresher)
// looks each one up instead of scanning every file of the table for each.
// A copied snapshot (the base of the next version) starts without one: its
// files are about to change.
class PartitionIndex {
 public:
  PartitionIndex() = default;
  PartitionIndex(const PartitionIndex&) {}
  PartitionIndex& operator=(const PartitionIndex&) = delete;

  // Files of `key` in the order they were added (oldest first); empty when
  // the partition has none. The snapshot must not change after the first call.
  const std::vector<const LiveFile*>& Files(const Snapshot& snapshot, const PartitionKey& key) const
      RC_EXCLUDES(mutex_);

 private:
  using Groups = std::map<PartitionKey, std::vector<const LiveFile*>>;
  mutable Mutex mutex_;
  mutable std::unique_ptr<const Groups> groups_ RC_GUARDED_BY(mutex_);  // set once, never changed after
};

struct Snapshot {
  std::string table_dir;
  int64_t version = -1;
  Protocol protocol;
  Metadata metadata;
  std::map<std::string, LiveFile> files;        // by rel_path
  std::map<std::string, Tombstone> tombstones;  // removed files (for vacuum)
  std::map<std::string, int64_t> txn_versions;  // appId -> latest txn version
  std::map<std::string, Txn> txns;               // appId -> latest txn action
  // Commit timestamp (ms) of every version first_timestamp_version..version:
  // commitInfo.timestamp when present, else the commit file's mtime; made
  // strictly increasing as Spark does (a timestamp not after its predecessor
  // becomes predecessor + 1). A snapshot read from a checkpoint starts at the
  // checkpoint's version: older timestamps are only in the retained commits.
  std::vector<int64_t> commit_timestamps;
  int64_t first_timestamp_version = 0;
  int64_t next_seq = 0;

  const Schema& schema() const { return metadata.schema; }
  const std::vector<std::string>& partition_columns() const { return metadata.partition_columns; }
  bool IsPartitionColumn(std::string_view name) const;
  // The table schema without the partition columns: what data files hold.
  Schema DataFileSchema() const;
  // Live files in the order they were added (oldest first).
  std::vector<const LiveFile*> FilesInOrder() const;
  // The live files of one partition, in the order they were added (an index
  // lookup after the first call; see PartitionIndex).
  const std::vector<const LiveFile*>& PartitionFiles(const PartitionKey& key) const {
    return partition_index.Files(*this, key);
  }
  const std::vector<const LiveFile*>& PartitionFiles(const PartitionValueMap& values) const {
    return PartitionFiles(PartitionKeyFor(values, partition_columns()));
  }

  PartitionIndex partition_index;
  int64_t timestamp_ms() const { return commit_timestamps.empty() ? 0 : commit_timestamps.back(); }
};

}  // namespace rc::lake::delta
