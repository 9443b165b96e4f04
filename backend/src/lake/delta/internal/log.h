// File: lake/delta/internal/log.h
// Listing and replaying the _delta_log directory.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "lake/delta/actions.h"
#include "lake/delta/snapshot.h"
#include "lake/fs.h"

namespace rc::lake::delta::internal {

struct LogListing {
  std::vector<int64_t> versions;     // JSON commit versions present, ascending
  std::vector<int64_t> checkpoints;  // classic single-file checkpoint versions, ascending
  int64_t latest = -1;               // newest version (a commit or a checkpoint)
  bool HasCommit(int64_t version) const;
};

// Lists the log. Errors: kNotFound when there is no _delta_log or it holds no
// commit or checkpoint; kDataCorrupt when the commits after the newest
// checkpoint (or from version 0 without one) have gaps; kUnsupported when the
// log starts at a multi-part or V2 checkpoint, which we do not read.
Result<LogListing> ListLog(FileSystem& fs, const std::string& table_dir);

// The snapshot at `target` (<= listing.latest): the newest checkpoint at or
// before it whose later commits are all retained, plus those commits.
// Errors: kNotFound when the version can no longer be reconstructed (its
// commits were cleaned up behind a newer checkpoint), and replay errors.
Result<std::shared_ptr<Snapshot>> LoadSnapshot(FileSystem& fs, const std::string& table_dir, const LogListing& listing,
                                               int64_t target);

// The newest snapshot without listing the log: from `base` (a cached
// snapshot) or, when null, from the checkpoint _last_checkpoint names, then
// commits base+1, base+2, ... until one is missing. nullptr when neither is
// usable (no _last_checkpoint, or the cached version's commit is gone): the
// caller lists the log instead. Errors: replay errors.
Result<std::shared_ptr<const Snapshot>> LoadNewest(FileSystem& fs, const std::string& table_dir,
                                                   std::shared_ptr<const Snapshot> base);

// Reads and parses one commit file. Errors: kNotFound, kIo, kDataCorrupt.
Result<CommitActions> ReadCommit(FileSystem& fs, const std::string& table_dir, int64_t version);

// Commit timestamp of `version` before monotonic adjustment: commitInfo's
// timestamp, else the file mtime.
Result<int64_t> RawCommitTimestamp(FileSystem& fs, const std::string& table_dir, int64_t version,
                                   const CommitActions& commit);

// Applies the commit of `version` (== snapshot.version + 1) to `snapshot`.
// Errors: kDataCorrupt (first commit without protocol/metaData, bad paths),
// kUnsupported (deletion vectors).
Status ApplyCommit(Snapshot& snapshot, int64_t version, const CommitActions& commit, int64_t raw_timestamp_ms);

// Checks that we can read a replayed snapshot (protocol, data file format).
Status CheckReadable(const Snapshot& snapshot);

// Builds the snapshot at `target` from `base` (may be null = empty table) by
// replaying versions base->version+1 .. target. Checks the protocol for reading.
Result<std::shared_ptr<Snapshot>> Replay(FileSystem& fs, const std::string& table_dir, const Snapshot* base,
                                         int64_t target);

}  // namespace rc::lake::delta::internal
