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
  std::vector<int64_t> versions;            // commit versions present, ascending and contiguous
  std::optional<int64_t> latest_checkpoint;  // newest checkpoint version, if any
};

// Lists the log. Errors: kNotFound when there is no _delta_log or it holds no
// commit; kUnsupported when the JSON commits do not start at version 0 but a
// checkpoint exists (reading checkpoints is not supported); kDataCorrupt when
// versions have gaps or version 0 is missing without a checkpoint.
Result<LogListing> ListLog(FileSystem& fs, const std::string& table_dir);

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

// Builds the snapshot at `target` from `base` (may be null = empty table) by
// replaying versions base->version+1 .. target. Checks the protocol for reading.
Result<std::shared_ptr<Snapshot>> Replay(FileSystem& fs, const std::string& table_dir, const Snapshot* base,
                                         int64_t target);

}  // namespace rc::lake::delta::internal
