#include "lake/delta/internal/log.h"

#include <algorithm>
#include <charconv>

#include "lake/delta/internal/checkpoint.h"
#include "lake/paths.h"

namespace rc::lake::delta {

int64_t LiveFile::data_version() const {
  auto tag = add.tags.find(kDataVersionTag);
  if (tag == add.tags.end()) return version;
  int64_t tagged = 0;
  const auto& text = tag->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), tagged);
  // A tag that is not a version below this file's own is not ours: the file's version is safe (never too old).
  if (ec != std::errc() || end != text.data() + text.size() || tagged < 0 || tagged > version) return version;
  return tagged;
}

bool Snapshot::IsPartitionColumn(std::string_view name) const {
  return std::find(metadata.partition_columns.begin(), metadata.partition_columns.end(), name) !=
         metadata.partition_columns.end();
}

Schema Snapshot::DataFileSchema() const {
  Schema out;
  for (const auto& f : metadata.schema.fields) {
    if (!IsPartitionColumn(f.name)) out.fields.push_back(f);
  }
  return out;
}

PartitionKey PartitionKeyFor(const PartitionValueMap& values, const std::vector<std::string>& partition_columns) {
  PartitionKey key;
  key.reserve(partition_columns.size());
  for (const auto& column : partition_columns) {
    auto it = values.find(column);
    key.push_back(it == values.end() ? std::nullopt : it->second);
  }
  return key;
}

const std::vector<const LiveFile*>& PartitionIndex::Files(const Snapshot& snapshot, const PartitionKey& key) const {
  static const std::vector<const LiveFile*> kNone;
  const Groups* groups;
  {
    MutexLock lock(mutex_);
    if (!groups_) {
      auto built = std::make_unique<Groups>();
      for (const LiveFile* file : snapshot.FilesInOrder()) {
        (*built)[PartitionKeyFor(file->add.partition_values, snapshot.partition_columns())].push_back(file);
      }
      groups_ = std::move(built);
    }
    groups = groups_.get();
  }
  // Read after the lock: the groups are never changed once built.
  auto it = groups->find(key);
  return it == groups->end() ? kNone : it->second;
}

std::vector<const LiveFile*> Snapshot::FilesInOrder() const {
  std::vector<const LiveFile*> out;
  out.reserve(files.size());
  for (const auto& [path, f] : files) out.push_back(&f);
  std::sort(out.begin(), out.end(), [](const LiveFile* a, const LiveFile* b) { return a->seq < b->seq; });
  return out;
}

namespace internal {

bool LogListing::HasCommit(int64_t version) const {
  return std::binary_search(versions.begin(), versions.end(), version);
}

Result<LogListing> ListLog(FileSystem& fs, const std::string& table_dir) {
  std::string log_dir = paths::LogDir(table_dir);
  auto entries = fs.ListDir(log_dir);
  if (!entries) {
    if (entries.error().code == ErrorCode::kNotFound) {
      return NotFound("'" + table_dir + "' is not a Delta table (no _delta_log)");
    }
    return tl::unexpected(entries.error());
  }
  LogListing out;
  std::optional<int64_t> other_checkpoint;  // multi-part / V2 checkpoints: not read
  for (const auto& e : *entries) {
    if (e.is_dir) continue;
    if (auto v = paths::ParseCommitFileName(e.name)) {
      out.versions.push_back(*v);
    } else if (auto c = paths::ParseClassicCheckpointFileName(e.name)) {
      out.checkpoints.push_back(*c);
    } else if (auto m = paths::ParseCheckpointFileName(e.name)) {
      other_checkpoint = std::max(other_checkpoint.value_or(-1), *m);
    }
  }
  std::sort(out.versions.begin(), out.versions.end());
  std::sort(out.checkpoints.begin(), out.checkpoints.end());
  if (out.versions.empty() && out.checkpoints.empty()) {
    if (other_checkpoint) {
      return Unsupported("'" + table_dir + "': the log starts at a multi-part or V2 checkpoint (version " +
                             std::to_string(*other_checkpoint) + "), which is not supported",
                         "checkpoint");
    }
    return NotFound("'" + table_dir + "' is not a Delta table (no commits in _delta_log)");
  }
  out.latest = std::max(out.versions.empty() ? -1 : out.versions.back(),
                        out.checkpoints.empty() ? -1 : out.checkpoints.back());
  if (out.checkpoints.empty() && out.versions.front() != 0) {
    if (other_checkpoint) {
      return Unsupported("'" + table_dir + "': commits before version " + std::to_string(out.versions.front()) +
                             " were cleaned up behind a multi-part or V2 checkpoint, which is not supported",
                         "checkpoint");
    }
    return DataCorrupt("'" + table_dir + "': commit 0 is missing (first commit is " +
                           std::to_string(out.versions.front()) + ")",
                       "_delta_log");
  }
  // Every commit after the newest checkpoint (or from version 0) must be there.
  const int64_t start = out.checkpoints.empty() ? 0 : out.checkpoints.back() + 1;
  for (int64_t v = start; v <= out.latest; ++v) {
    if (!out.HasCommit(v)) {
      return DataCorrupt("'" + table_dir + "': commits are not contiguous (version " + std::to_string(v) +
                             " is missing)",
                         "_delta_log");
    }
  }
  return out;
}

Result<CommitActions> ReadCommit(FileSystem& fs, const std::string& table_dir, int64_t version) {
  std::string path = paths::CommitFilePath(table_dir, version);
  RC_ASSIGN_OR_RETURN(std::string text, fs.ReadFile(path));
  return ParseCommit(text, paths::CommitFileName(version));
}

Result<int64_t> RawCommitTimestamp(FileSystem& fs, const std::string& table_dir, int64_t version,
                                   const CommitActions& commit) {
  if (commit.commit_info && commit.commit_info->timestamp) return *commit.commit_info->timestamp;
  RC_ASSIGN_OR_RETURN(FileStat st, fs.Stat(paths::CommitFilePath(table_dir, version)));
  return st.mtime_ms;
}

namespace {
Result<std::string> RelPath(const std::string& table_dir, const std::string& log_path, const std::string& where) {
  auto abs = paths::ResolveDataPath(table_dir, log_path);
  if (!abs) return tl::unexpected(WithContext(abs.error(), where));
  return abs->substr(table_dir.size() + 1);
}
}  // namespace

Status ApplyCommit(Snapshot& s, int64_t version, const CommitActions& commit, int64_t raw_timestamp_ms) {
  std::string where = paths::CommitFileName(version);
  if (version != s.version + 1) {
    return Internal("applying commit " + std::to_string(version) + " to snapshot " + std::to_string(s.version));
  }
  if (version == 0 && (!commit.protocol || !commit.metadata)) {
    return DataCorrupt("commit 0 must contain protocol and metaData actions", where);
  }
  if (commit.protocol) s.protocol = *commit.protocol;
  if (commit.metadata) s.metadata = *commit.metadata;
  for (const auto& rm : commit.removes) {
    RC_ASSIGN_OR_RETURN(std::string rel, RelPath(s.table_dir, rm.path, where));
    s.files.erase(rel);
    s.tombstones[rel] = Tombstone{rm, rel, version};
  }
  for (const auto& add : commit.adds) {
    if (add.has_deletion_vector) {
      return Unsupported("file '" + add.path + "' has a deletion vector; deletion vectors are not supported", where);
    }
    RC_ASSIGN_OR_RETURN(std::string rel, RelPath(s.table_dir, add.path, where));
    s.tombstones.erase(rel);
    s.files[rel] = LiveFile{add, rel, version, s.next_seq++};
  }
  for (const auto& txn : commit.txns) {
    s.txn_versions[txn.app_id] = txn.version;
    s.txns[txn.app_id] = txn;
  }
  int64_t ts = raw_timestamp_ms;
  if (!s.commit_timestamps.empty() && ts <= s.commit_timestamps.back()) ts = s.commit_timestamps.back() + 1;
  s.commit_timestamps.push_back(ts);
  s.version = version;
  return Ok();
}

Result<std::shared_ptr<Snapshot>> Replay(FileSystem& fs, const std::string& table_dir, const Snapshot* base,
                                         int64_t target) {
  auto snap = base ? std::make_shared<Snapshot>(*base) : std::make_shared<Snapshot>();
  snap->table_dir = table_dir;
  for (int64_t v = snap->version + 1; v <= target; ++v) {
    RC_ASSIGN_OR_RETURN(CommitActions commit, ReadCommit(fs, table_dir, v));
    RC_ASSIGN_OR_RETURN(int64_t ts, RawCommitTimestamp(fs, table_dir, v, commit));
    RC_RETURN_IF_ERROR(ApplyCommit(*snap, v, commit, ts));
  }
  if (snap->version < 0) return NotFound("'" + table_dir + "' has no commits");
  RC_RETURN_IF_ERROR(CheckReadable(*snap));
  return snap;
}

Status CheckReadable(const Snapshot& snapshot) {
  RC_RETURN_IF_ERROR(CheckProtocol(snapshot.protocol, /*for_write=*/false));
  if (snapshot.metadata.format_provider != "parquet") {
    return Unsupported("data file format '" + snapshot.metadata.format_provider + "' (only parquet)", "format");
  }
  return Ok();
}

Result<std::shared_ptr<Snapshot>> LoadSnapshot(FileSystem& fs, const std::string& table_dir, const LogListing& listing,
                                               int64_t target) {
  auto commits_retained = [&listing](int64_t from, int64_t to) {
    for (int64_t v = from; v <= to; ++v) {
      if (!listing.HasCommit(v)) return false;
    }
    return true;
  };
  std::optional<Error> checkpoint_error;
  for (auto it = listing.checkpoints.rbegin(); it != listing.checkpoints.rend(); ++it) {
    const int64_t checkpoint = *it;
    if (checkpoint > target || !commits_retained(checkpoint + 1, target)) continue;
    auto base = ReadCheckpoint(fs, table_dir, checkpoint);
    if (!base) {
      // A checkpoint is only a shortcut: when it cannot be read, older ones
      // (or the commits from 0) still give the same snapshot. Unsupported
      // content is not worked around: it would be in the commits too.
      if (base.error().code == ErrorCode::kUnsupported) return tl::unexpected(base.error());
      if (!checkpoint_error) checkpoint_error = base.error();
      continue;
    }
    RC_RETURN_IF_ERROR(CheckReadable(**base));
    if (checkpoint == target) return *base;
    return Replay(fs, table_dir, base->get(), target);
  }
  if (commits_retained(0, target)) return Replay(fs, table_dir, nullptr, target);
  if (checkpoint_error) return tl::unexpected(*checkpoint_error);
  const int64_t oldest = listing.checkpoints.empty() ? listing.versions.front()
                                                     : std::min(listing.checkpoints.front(),
                                                                listing.versions.empty() ? listing.checkpoints.front()
                                                                                         : listing.versions.front());
  return NotFound("version " + std::to_string(target) + " of '" + table_dir +
                  "' can no longer be read: its log entries were cleaned up (oldest retained version: " +
                  std::to_string(oldest) + ")");
}

Result<std::shared_ptr<const Snapshot>> LoadNewest(FileSystem& fs, const std::string& table_dir,
                                                   std::shared_ptr<const Snapshot> base) {
  if (base) {
    // The cached version must still exist (a table deleted and created
    // again under the same path starts over).
    RC_ASSIGN_OR_RETURN(bool exists, fs.Exists(paths::CommitFilePath(table_dir, base->version)));
    if (!exists) {
      RC_ASSIGN_OR_RETURN(exists, fs.Exists(paths::CheckpointFilePath(table_dir, base->version)));
    }
    if (!exists) return std::shared_ptr<const Snapshot>();
  } else {
    RC_ASSIGN_OR_RETURN(std::optional<LastCheckpoint> last, ReadLastCheckpoint(fs, table_dir));
    if (!last) return std::shared_ptr<const Snapshot>();
    auto checkpoint = ReadCheckpoint(fs, table_dir, last->version);
    if (!checkpoint) {
      if (checkpoint.error().code == ErrorCode::kUnsupported) return tl::unexpected(checkpoint.error());
      return std::shared_ptr<const Snapshot>();  // stale or unreadable hint: list the log
    }
    RC_RETURN_IF_ERROR(CheckReadable(**checkpoint));
    base = std::move(*checkpoint);
  }
  std::shared_ptr<Snapshot> next;
  for (int64_t v = base->version + 1;; ++v) {
    auto commit = ReadCommit(fs, table_dir, v);
    if (!commit) {
      if (commit.error().code != ErrorCode::kNotFound) return tl::unexpected(commit.error());
      // A commit after the missing one means a gap: let the listing report it.
      RC_ASSIGN_OR_RETURN(bool gap, fs.Exists(paths::CommitFilePath(table_dir, v + 1)));
      if (gap) return std::shared_ptr<const Snapshot>();
      break;
    }
    if (!next) next = std::make_shared<Snapshot>(*base);
    RC_ASSIGN_OR_RETURN(int64_t ts, RawCommitTimestamp(fs, table_dir, v, *commit));
    RC_RETURN_IF_ERROR(ApplyCommit(*next, v, *commit, ts));
  }
  if (!next) return base;
  RC_RETURN_IF_ERROR(CheckReadable(*next));
  return std::shared_ptr<const Snapshot>(std::move(next));
}

}  // namespace internal
}  // namespace rc::lake::delta
