#include "lake/delta/internal/log.h"

#include <algorithm>

#include "lake/paths.h"

namespace rc::lake::delta {

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

std::vector<const LiveFile*> Snapshot::FilesInOrder() const {
  std::vector<const LiveFile*> out;
  out.reserve(files.size());
  for (const auto& [path, f] : files) out.push_back(&f);
  std::sort(out.begin(), out.end(), [](const LiveFile* a, const LiveFile* b) { return a->seq < b->seq; });
  return out;
}

namespace internal {

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
  for (const auto& e : *entries) {
    if (e.is_dir) continue;
    if (auto v = paths::ParseCommitFileName(e.name)) {
      out.versions.push_back(*v);
    } else if (auto c = paths::ParseCheckpointFileName(e.name)) {
      out.latest_checkpoint = std::max(out.latest_checkpoint.value_or(-1), *c);
    }
  }
  std::sort(out.versions.begin(), out.versions.end());
  if (out.versions.empty()) {
    if (out.latest_checkpoint) {
      return Unsupported("'" + table_dir + "': the log starts at checkpoint " +
                             std::to_string(*out.latest_checkpoint) +
                             " without JSON commits; reading checkpoints is not supported",
                         "checkpoint");
    }
    return NotFound("'" + table_dir + "' is not a Delta table (no commits in _delta_log)");
  }
  if (out.versions.front() != 0) {
    if (out.latest_checkpoint) {
      return Unsupported("'" + table_dir + "': commits before version " + std::to_string(out.versions.front()) +
                             " were cleaned up behind a checkpoint; reading checkpoints is not supported",
                         "checkpoint");
    }
    return DataCorrupt("'" + table_dir + "': commit 0 is missing (first commit is " +
                           std::to_string(out.versions.front()) + ")",
                       "_delta_log");
  }
  for (size_t i = 1; i < out.versions.size(); ++i) {
    if (out.versions[i] != out.versions[i - 1] + 1) {
      return DataCorrupt("'" + table_dir + "': commits are not contiguous (version " +
                             std::to_string(out.versions[i - 1] + 1) + " is missing)",
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
  for (const auto& txn : commit.txns) s.txn_versions[txn.app_id] = txn.version;
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
  RC_RETURN_IF_ERROR(CheckProtocol(snap->protocol, /*for_write=*/false));
  if (snap->metadata.format_provider != "parquet") {
    return Unsupported("data file format '" + snap->metadata.format_provider + "' (only parquet)", "format");
  }
  return snap;
}

}  // namespace internal
}  // namespace rc::lake::delta
