// Table's life and log: create and open, snapshots (latest, by version, as
// of a time), history, the atomic commit with its conflict check and retry,
// checkpoints and log cleanup. Writes: table_write.cc; reads: table_read.cc;
// compaction, updates and vacuum: table_maintenance.cc; what they share:
// internal/table_support.h.
#include "lake/delta/table.h"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <set>
#include <spdlog/spdlog.h>

#include "core/build_info.h"
#include "core/strings.h"
#include "core/time.h"
#include "lake/delta/internal/checkpoint.h"
#include "lake/delta/internal/log.h"
#include "lake/delta/internal/table_support.h"
#include "lake/paths.h"

namespace rc::lake::delta {
namespace json = boost::json;

namespace {

// ---------------------------------------------------------------------------
// Process-wide snapshot cache: (file system, table dir) -> newest snapshot seen.

struct SnapshotCache {
  std::mutex mu;
  std::map<std::pair<FileSystem*, std::string>, std::shared_ptr<const Snapshot>> latest;
};

SnapshotCache& Cache() {
  static SnapshotCache* cache = new SnapshotCache();  // never destroyed: usable during exit
  return *cache;
}

int64_t SystemClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Spark rejects these characters in column names without column mapping.
constexpr std::string_view kBadColumnChars = " ,;{}()\n\t=";

Status ValidateCreate(const CreateOptions& create) {
  if (create.schema.fields.empty()) return InvalidArgument("schema", "a table needs at least one column");
  std::set<std::string> lower;
  for (const auto& f : create.schema.fields) {
    if (f.name.empty()) return InvalidArgument("schema", "column names must not be empty");
    if (f.name.find_first_of(kBadColumnChars) != std::string::npos) {
      return InvalidArgument("schema", "column name '" + f.name + "' contains one of ' ,;{}()\\n\\t='");
    }
    if (!IsValidUtf8(f.name)) return InvalidArgument("schema", "column name is not valid UTF-8");
    if (!lower.insert(AsciiLower(f.name)).second) {
      return InvalidArgument("schema", "duplicate column name '" + f.name + "' (names are case-insensitive)");
    }
  }
  std::set<std::string> seen;
  for (const auto& p : create.partition_columns) {
    int idx = create.schema.FieldIndex(p);
    if (idx < 0) return InvalidArgument("partition_columns", "partition column '" + p + "' is not in the schema");
    if (!seen.insert(p).second) return InvalidArgument("partition_columns", "partition column '" + p + "' repeated");
    ColumnType t = create.schema.fields[static_cast<size_t>(idx)].type;
    if (t == ColumnType::kFloat || t == ColumnType::kDouble) {
      return InvalidArgument("partition_columns", "partition column '" + p + "' must not be floating point");
    }
  }
  if (create.partition_columns.size() >= create.schema.fields.size()) {
    return InvalidArgument("partition_columns", "at least one column must not be a partition column");
  }
  static const std::set<std::string> kKnownDeltaKeys = {
      "delta.appendOnly", "delta.logRetentionDuration", "delta.deletedFileRetentionDuration",
      "delta.checkpointInterval", "delta.dataSkippingNumIndexedCols"};
  for (const auto& [k, v] : create.configuration) {
    if (k.starts_with("delta.") && kKnownDeltaKeys.count(k) == 0) {
      return InvalidArgument("configuration", "table property '" + k + "' is not supported at writer version 2");
    }
    if (k == "delta.appendOnly" && v != "true" && v != "false") {
      return InvalidArgument("configuration", "delta.appendOnly must be 'true' or 'false'");
    }
    if (!IsValidUtf8(k) || !IsValidUtf8(v)) {
      return InvalidArgument("configuration", "keys and values must be valid UTF-8");
    }
  }
  if (create.name && !IsValidUtf8(*create.name)) return InvalidArgument("name", "must be valid UTF-8");
  if (create.description && !IsValidUtf8(*create.description)) {
    return InvalidArgument("description", "must be valid UTF-8");
  }
  return Ok();
}

}  // namespace

std::optional<std::string> SerializePartitionValue(const ColumnBatch& batch, size_t col, size_t row) {
  const Column& c = batch.column(col);
  if (c.IsNull(row)) return std::nullopt;
  switch (batch.schema().fields[col].type) {
    case ColumnType::kString: return batch.Strings(col)[row];
    case ColumnType::kBool: return std::string(batch.Bools(col)[row] ? "true" : "false");
    case ColumnType::kInt32: return std::to_string(batch.Int32s(col)[row]);
    case ColumnType::kInt64: return std::to_string(batch.Int64s(col)[row]);
    case ColumnType::kFloat:
    case ColumnType::kDouble: {
      double d = batch.schema().fields[col].type == ColumnType::kFloat ? batch.Floats(col)[row] : batch.Doubles(col)[row];
      char buf[40];
      std::snprintf(buf, sizeof(buf), "%.17g", d);
      return std::string(buf);
    }
    case ColumnType::kTimestampMicros: return FormatIsoUtc(batch.Int64s(col)[row]);
    case ColumnType::kDate: return FormatIsoDate(batch.Int32s(col)[row]);
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------

int64_t Table::ForgetCachedTombstones(int64_t deleted_before_ms) const {
  if (!options_.snapshot_cache) return 0;
  std::lock_guard lock(Cache().mu);
  auto it = Cache().latest.find(std::make_pair(options_.fs, dir_));
  if (it == Cache().latest.end()) return 0;
  auto expired = [deleted_before_ms](const Tombstone& t) {
    return t.remove.deletion_timestamp && *t.remove.deletion_timestamp < deleted_before_ms;
  };
  int64_t forgotten = 0;
  for (const auto& [rel, tombstone] : it->second->tombstones) forgotten += expired(tombstone);
  if (forgotten == 0) return 0;
  // Snapshots are shared and immutable: readers keep the one they hold.
  auto lighter = std::make_shared<Snapshot>(*it->second);
  std::erase_if(lighter->tombstones, [&](const auto& entry) { return expired(entry.second); });
  it->second = std::move(lighter);
  return forgotten;
}

void Table::ClearSnapshotCache() {
  std::lock_guard lock(Cache().mu);
  Cache().latest.clear();
}

namespace {
Result<std::string> AbsoluteTableDir(std::string_view dir) {
  RC_ASSIGN_OR_RETURN(std::string norm, paths::NormalizeTableDir(dir));
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(norm, ec);
  if (ec) return InvalidArgument("table", "cannot make '" + norm + "' absolute: " + ec.message());
  std::string out = abs.lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

Status FinishOptions(TableOptions& options) {
  if (options.fs == nullptr) options.fs = &DefaultFileSystem();
  if (!options.clock_ms) options.clock_ms = SystemClockMs;
  if (options.max_rows_per_file < 1) return InvalidArgument("max_rows_per_file", "must be >= 1");
  if (options.max_commit_attempts < 1) return InvalidArgument("max_commit_attempts", "must be >= 1");
  return Ok();
}

}  // namespace

Result<Table> Table::Create(std::string_view dir, const CreateOptions& create, TableOptions options) {
  RC_RETURN_IF_ERROR(FinishOptions(options));
  RC_RETURN_IF_ERROR(ValidateCreate(create));
  RC_ASSIGN_OR_RETURN(std::string abs, AbsoluteTableDir(dir));
  Table table(abs, std::move(options));
  FileSystem& fs = table.fs();
  RC_RETURN_IF_ERROR(internal::EnsureDir(fs, paths::LogDir(abs)));

  Metadata m;
  m.id = paths::NewUuid();
  m.name = create.name;
  m.description = create.description;
  m.schema_string = SchemaToString(create.schema);
  m.schema = create.schema;
  m.partition_columns = create.partition_columns;
  m.configuration = create.configuration;
  m.created_time = table.NowMs();
  CommitActions actions;
  actions.protocol = Protocol{};
  actions.metadata = std::move(m);
  json::array pcols;
  for (const auto& p : create.partition_columns) pcols.emplace_back(p);
  actions.commit_info = CommitInfo{table.CommitInfoJson("CREATE TABLE",
                                                        {{"partitionBy", json::serialize(pcols)},
                                                         {"description", create.description.value_or("")}},
                                                        {}, false, {}),
                                   std::nullopt, "CREATE TABLE"};
  Snapshot empty;
  empty.table_dir = abs;
  ConflictRules rules;
  rules.is_create = true;
  RC_RETURN_IF_ERROR(table.Commit(empty, std::move(actions), rules));
  return table;
}

Result<Table> Table::Open(std::string_view dir, TableOptions options) {
  RC_RETURN_IF_ERROR(FinishOptions(options));
  RC_ASSIGN_OR_RETURN(std::string abs, AbsoluteTableDir(dir));
  Table table(abs, std::move(options));
  RC_RETURN_IF_ERROR(table.Latest());
  return table;
}

Result<Table> Table::OpenOrCreate(std::string_view dir, const CreateOptions& create, TableOptions options) {
  auto check = [&create](Table t) -> Result<Table> {
    RC_ASSIGN_OR_RETURN(auto snap, t.Latest());
    if (!(snap->schema() == create.schema) || snap->partition_columns() != create.partition_columns) {
      return Conflict("table '" + t.dir() + "' exists with a different schema or partitioning: " +
                      snap->metadata.schema_string);
    }
    return t;
  };
  auto opened = Open(dir, options);
  if (opened) return check(std::move(*opened));
  if (opened.error().code != ErrorCode::kNotFound) return opened;
  auto created = Create(dir, create, options);
  if (created) return created;
  if (created.error().code != ErrorCode::kConflict) return created;
  // Lost a creation race: the winner's table must match.
  RC_ASSIGN_OR_RETURN(Table t, Open(dir, options));
  return check(std::move(t));
}

Result<std::shared_ptr<const Snapshot>> Table::Latest() const {
  std::shared_ptr<const Snapshot> cached;
  auto key = std::make_pair(options_.fs, dir_);
  if (options_.snapshot_cache) {
    std::lock_guard lock(Cache().mu);
    auto it = Cache().latest.find(key);
    if (it != Cache().latest.end()) cached = it->second;
  }
  // Without listing the log: from the cached snapshot or the newest
  // checkpoint, reading only the commits after it (the cost of an open does
  // not grow with the table's history).
  RC_ASSIGN_OR_RETURN(std::shared_ptr<const Snapshot> result, internal::LoadNewest(fs(), dir_, cached));
  if (!result && cached) {
    RC_ASSIGN_OR_RETURN(result, internal::LoadNewest(fs(), dir_, nullptr));
  }
  if (!result) {
    RC_ASSIGN_OR_RETURN(internal::LogListing listing, internal::ListLog(fs(), dir_));
    RC_ASSIGN_OR_RETURN(std::shared_ptr<Snapshot> snap, internal::LoadSnapshot(fs(), dir_, listing, listing.latest));
    result = std::move(snap);
  }
  if (options_.snapshot_cache && result != cached) {
    std::lock_guard lock(Cache().mu);
    auto& slot = Cache().latest[key];
    if (!slot || slot->version < result->version || slot == cached) slot = result;
  }
  return result;
}

Result<std::shared_ptr<const Snapshot>> Table::AtVersion(int64_t version) const {
  if (version < 0) return InvalidArgument("version", "must be >= 0, got " + std::to_string(version));
  RC_ASSIGN_OR_RETURN(auto latest, Latest());
  if (version > latest->version) {
    return NotFound("version " + std::to_string(version) + " of '" + dir_ + "' does not exist (latest is " +
                    std::to_string(latest->version) + ")");
  }
  if (version == latest->version) return latest;
  RC_ASSIGN_OR_RETURN(internal::LogListing listing, internal::ListLog(fs(), dir_));
  RC_ASSIGN_OR_RETURN(std::shared_ptr<Snapshot> snap, internal::LoadSnapshot(fs(), dir_, listing, version));
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

Result<std::shared_ptr<const Snapshot>> Table::AsOf(int64_t timestamp_us) const {
  RC_ASSIGN_OR_RETURN(auto latest, Latest());
  // Floor division: a timestamp inside a millisecond counts from its start.
  const int64_t ms = timestamp_us / 1000 - ((timestamp_us % 1000) < 0 ? 1 : 0);
  const auto& ts = latest->commit_timestamps;
  if (!ts.empty() && ts.front() <= ms) {
    // Within the versions the latest snapshot knows the timestamps of.
    auto it = std::upper_bound(ts.begin(), ts.end(), ms);
    return AtVersion(latest->first_timestamp_version + static_cast<int64_t>(it - ts.begin()) - 1);
  }
  // Older: the timestamps of the retained commits (versions need not start
  // at 0 once the log has been cleaned up behind a checkpoint).
  RC_ASSIGN_OR_RETURN(std::vector<HistoryEntry> history, History());
  auto it = std::upper_bound(history.begin(), history.end(), ms,
                             [](int64_t t, const HistoryEntry& e) { return t < e.timestamp_ms; });
  if (it == history.begin()) {
    if (history.empty()) {
      return NotFound("'" + dir_ + "' has no retained commit to resolve " + FormatIsoUtc(timestamp_us) + " against");
    }
    return NotFound("'" + dir_ + "' has no version as of " + FormatIsoUtc(timestamp_us) + " (version " +
                    std::to_string(history.front().version) + ", the oldest retained, is at " +
                    FormatIsoUtc(history.front().timestamp_ms * 1000) + ")");
  }
  return AtVersion(std::prev(it)->version);
}

Result<std::vector<HistoryEntry>> Table::History() const {
  RC_ASSIGN_OR_RETURN(internal::LogListing listing, internal::ListLog(fs(), dir_));
  std::vector<HistoryEntry> out;
  for (int64_t v : listing.versions) {
    RC_ASSIGN_OR_RETURN(CommitActions commit, internal::ReadCommit(fs(), dir_, v));
    RC_ASSIGN_OR_RETURN(int64_t ts, internal::RawCommitTimestamp(fs(), dir_, v, commit));
    if (!out.empty() && ts <= out.back().timestamp_ms) ts = out.back().timestamp_ms + 1;
    HistoryEntry e;
    e.version = v;
    e.timestamp_ms = ts;
    if (commit.commit_info) {
      e.operation = commit.commit_info->operation;
      e.commit_info_json = commit.commit_info->json;
    } else {
      e.commit_info_json = "{}";
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::string Table::CommitInfoJson(std::string_view operation, const std::map<std::string, std::string>& params,
                                  const std::map<std::string, std::string>& metrics, bool blind_append,
                                  const Lineage& lineage) const {
  json::object ci;
  ci["timestamp"] = NowMs();
  ci["operation"] = operation;
  json::object p;
  for (const auto& [k, v] : params) p[k] = v;
  ci["operationParameters"] = std::move(p);
  if (!metrics.empty()) {
    json::object m;
    for (const auto& [k, v] : metrics) m[k] = v;
    ci["operationMetrics"] = std::move(m);
  }
  ci["isBlindAppend"] = blind_append;
  ci["engineInfo"] = std::string("regimecast/") + BuildVersion();
  ci["engineCommit"] = BuildCommit();
  ci["txnId"] = paths::NewUuid();
  json::object sources;
  for (const auto& [k, v] : lineage.source_versions) sources[k] = v;
  json::object attrs;
  for (const auto& [k, v] : lineage.attributes) attrs[k] = v;
  ci["lineage"] = json::object{{"sourceVersions", std::move(sources)}, {"attributes", std::move(attrs)}};
  return json::serialize(ci);
}


Result<CommitResult> Table::Commit(const Snapshot& base, CommitActions actions, const ConflictRules& rules) {
  FileSystem& fs = this->fs();
  CommitResult result;
  result.files_added = static_cast<int64_t>(actions.adds.size());
  result.files_removed = static_cast<int64_t>(actions.removes.size());
  const std::string content = SerializeCommit(actions);
  int64_t version = base.version + 1;
  const std::string tmp = paths::TempCommitPath(dir_, version);
  auto cleanup = [&fs, &tmp]() { (void)fs.RemoveFile(tmp); };
  // The commit did not happen: its temp file and the data files written for it are garbage.
  auto abandon = [&]() {
    cleanup();
    internal::RemoveUncommittedFiles(fs, dir_, actions.adds);
  };
  if (auto written = fs.CreateNewFile(tmp, content, /*sync=*/true); !written) {
    abandon();
    return tl::unexpected(WithContext(written.error(), "writing commit " + std::to_string(version)));
  }
  int64_t checked_through = base.version;
  for (int attempt = 1; attempt <= options_.max_commit_attempts; ++attempt) {
    result.attempts = attempt;
    auto linked = fs.LinkNoReplace(tmp, paths::CommitFilePath(dir_, version));
    if (linked) {
      cleanup();
      // The commit is visible now; the directory sync makes it durable.
      if (auto synced = fs.SyncDir(paths::LogDir(dir_)); !synced) {
        return tl::unexpected(WithContext(synced.error(), "commit " + std::to_string(version) +
                                                              " is visible but syncing the log directory failed"));
      }
      result.version = version;
      result.committed = true;
      MaybeCheckpoint(base, version);
      return result;
    }
    if (linked.error().code != ErrorCode::kConflict) {
      abandon();
      return tl::unexpected(WithContext(linked.error(), "creating commit " + std::to_string(version)));
    }
    if (rules.is_create) {
      abandon();
      return Conflict("table '" + dir_ + "' already exists");
    }
    // Another writer won this version: check what it (and any later winner) did.
    auto listing = internal::ListLog(fs, dir_);
    if (!listing) {
      abandon();
      return tl::unexpected(listing.error());
    }
    int64_t latest = listing->latest;
    for (int64_t v = checked_through + 1; v <= latest; ++v) {
      auto other = internal::ReadCommit(fs, dir_, v);
      if (!other) {
        abandon();
        return tl::unexpected(other.error());
      }
      std::string why;
      if (other->metadata || other->protocol) why = "changed the table metadata or protocol";
      for (const auto& rm : other->removes) {
        if (!why.empty()) break;
        auto abs = paths::ResolveDataPath(dir_, rm.path);
        std::string rel = abs ? abs->substr(dir_.size() + 1) : rm.path;
        if (rules.removed.count(rel) != 0) why = "removed '" + rel + "', which this commit also removes";
        if (why.empty() && rules.replaced && rm.data_change && rm.partition_values) {
          for (const auto& p : *rules.replaced) {
            if (internal::SamePartition(*rm.partition_values, p, base.partition_columns())) {
              why = "changed partition '" + internal::DescribePartition(p, base.partition_columns()) + "'";
            }
          }
        }
      }
      if (why.empty() && rules.replaced) {
        for (const auto& add : other->adds) {
          if (!add.data_change) continue;
          for (const auto& p : *rules.replaced) {
            if (internal::SamePartition(add.partition_values, p, base.partition_columns())) {
              why = "added data to partition '" + internal::DescribePartition(p, base.partition_columns()) + "'";
            }
          }
          if (!why.empty()) break;
        }
      }
      if (!why.empty()) {
        abandon();
        return Conflict("concurrent commit " + std::to_string(v) + " " + why + " after version " +
                        std::to_string(base.version) + " was read");
      }
    }
    checked_through = latest;
    version = latest + 1;
  }
  abandon();
  return Conflict("could not commit to '" + dir_ + "' after " + std::to_string(options_.max_commit_attempts) +
                  " attempts: other writers kept winning");
}

void Table::MaybeCheckpoint(const Snapshot& base, int64_t version) const {
  if (version <= 0) return;
  auto interval = internal::CheckpointInterval(base);
  if (!interval) {
    spdlog::warn("table '{}': no checkpoint at version {}: {}", dir_, version, interval.error().ToString());
    return;
  }
  if (version % *interval != 0) return;
  auto snap = internal::Replay(fs(), dir_, base.version >= 0 ? &base : nullptr, version);
  Status written = snap ? internal::WriteCheckpoint(fs(), **snap, NowMs()) : Status(tl::unexpected(snap.error()));
  if (!written) {
    spdlog::warn("table '{}': checkpoint of version {} failed (readers use the commits): {}", dir_, version,
                 written.error().ToString());
  }
}

Result<int64_t> Table::Checkpoint() {
  RC_ASSIGN_OR_RETURN(auto snap, Latest());
  RC_RETURN_IF_ERROR(internal::WriteCheckpoint(fs(), *snap, NowMs()));
  return snap->version;
}

Result<LogCleanupResult> Table::CleanupLog(const LogCleanupOptions& options) {
  RC_ASSIGN_OR_RETURN(auto snap, Latest());
  int64_t retention = 0;
  if (options.retention_ms) {
    retention = *options.retention_ms;
  } else {
    RC_ASSIGN_OR_RETURN(retention, internal::RetentionMs(*snap, internal::kLogRetentionKey,
                                                         internal::kDefaultLogRetentionMs));
  }
  if (retention < 0) return InvalidArgument("retention", "must not be negative");
  const int64_t cutoff = NowMs() - retention;
  LogCleanupResult out;
  FileSystem& fs = this->fs();
  // Only behind the checkpoint _last_checkpoint names (or an older one):
  // readers that start there never need what is removed.
  RC_ASSIGN_OR_RETURN(std::optional<internal::LastCheckpoint> last, internal::ReadLastCheckpoint(fs, dir_));
  if (!last) return out;
  RC_ASSIGN_OR_RETURN(internal::LogListing listing, internal::ListLog(fs, dir_));
  std::optional<int64_t> keep_from;  // the newest checkpoint old enough to start the retained log
  for (auto it = listing.checkpoints.rbegin(); it != listing.checkpoints.rend(); ++it) {
    if (*it > last->version) continue;
    RC_ASSIGN_OR_RETURN(FileStat st, fs.Stat(paths::CheckpointFilePath(dir_, *it)));
    if (st.mtime_ms <= cutoff) {
      keep_from = *it;
      break;
    }
  }
  if (!keep_from) return out;
  out.oldest_readable = keep_from;
  RC_ASSIGN_OR_RETURN(auto entries, fs.ListDir(paths::LogDir(dir_)));
  std::vector<std::pair<int64_t, std::string>> expired;
  for (const auto& e : entries) {
    if (e.is_dir) continue;
    std::optional<int64_t> version = paths::ParseCommitFileName(e.name);
    if (!version) version = paths::ParseCheckpointFileName(e.name);
    if (!version && e.name.size() == 24 && e.name.ends_with(".crc")) {
      version = paths::ParseCommitFileName(e.name.substr(0, 20) + ".json");
    }
    if (!version || *version >= *keep_from) continue;
    RC_ASSIGN_OR_RETURN(FileStat st, fs.Stat(paths::LogDir(dir_) + "/" + e.name));
    if (st.mtime_ms > cutoff) continue;
    expired.emplace_back(*version, e.name);
  }
  // Oldest first: a crash part-way leaves the log starting later, still contiguous.
  std::sort(expired.begin(), expired.end());
  for (const auto& [version, name] : expired) {
    if (!options.dry_run) {
      auto removed = fs.RemoveFile(paths::LogDir(dir_) + "/" + name);
      if (!removed && removed.error().code != ErrorCode::kNotFound) return tl::unexpected(removed.error());
    }
    out.files.push_back(name);
  }
  if (!options.dry_run && !expired.empty()) RC_RETURN_IF_ERROR(fs.SyncDir(paths::LogDir(dir_)));
  return out;
}


}  // namespace rc::lake::delta
