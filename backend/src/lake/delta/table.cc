#include "lake/delta/table.h"

#include "core/strings.h"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <set>
#include <spdlog/spdlog.h>

#include "core/build_info.h"
#include "core/parallel.h"
#include "core/time.h"
#include "lake/delta/internal/checkpoint.h"
#include "lake/delta/internal/log.h"
#include "lake/delta/internal/stats.h"
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

std::string CodecName(parquet::Codec codec) {
  switch (codec) {
    case parquet::Codec::kUncompressed: return "";
    case parquet::Codec::kSnappy: return "snappy";
    case parquet::Codec::kGzip: return "gz";
    case parquet::Codec::kZstd: return "zstd";
  }
  return "";
}

std::string ParentOf(const std::string& path) {
  std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
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

Status CheckWritable(const Snapshot& snap, bool removes_data) {
  RC_RETURN_IF_ERROR(CheckProtocol(snap.protocol, /*for_write=*/true));
  if (snap.metadata.has_invariants) {
    return Unsupported("table has column invariants (delta.invariants), which regimecast cannot enforce", "schema");
  }
  if (removes_data) {
    auto it = snap.metadata.configuration.find("delta.appendOnly");
    if (it != snap.metadata.configuration.end() && it->second == "true") {
      return Unsupported("table is append-only (delta.appendOnly=true): data cannot be removed", "configuration");
    }
  }
  return Ok();
}

std::optional<std::string> PartitionValueOf(const PartitionValueMap& values, const std::string& column) {
  auto it = values.find(column);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

bool SamePartition(const PartitionValueMap& a, const PartitionValueMap& b, const std::vector<std::string>& columns) {
  for (const auto& c : columns) {
    if (PartitionValueOf(a, c) != PartitionValueOf(b, c)) return false;
  }
  return true;
}

// The data columns of `snap`'s files (its schema without the partition columns), in file order.
std::vector<std::string> DataColumnNames(const Snapshot& snap) {
  std::vector<std::string> names;
  for (const auto& f : snap.DataFileSchema().fields) names.push_back(f.name);
  return names;
}

// The remove action of live file `f` at `now_ms` (extended metadata, as the protocol recommends).
RemoveFile RemovalOf(const LiveFile& f, int64_t now_ms, bool data_change) {
  RemoveFile rm;
  rm.path = f.add.path;
  rm.deletion_timestamp = now_ms;
  rm.data_change = data_change;
  rm.extended_file_metadata = true;
  rm.partition_values = f.add.partition_values;
  rm.size = f.add.size;
  return rm;
}

std::string DescribePartition(const PartitionValueMap& values, const std::vector<std::string>& columns) {
  paths::PartitionValues ordered;
  for (const auto& c : columns) ordered.emplace_back(c, PartitionValueOf(values, c));
  return paths::PartitionDir(ordered);
}

// Fills `col` with `n` copies of a partition value parsed to `type`.
Status FillPartitionColumn(Column& col, const Field& field, const std::optional<std::string>& value, size_t n) {
  std::visit([n](auto& v) { v.resize(n); }, col.values);
  if (!value) {
    col.validity.assign(n, 0);
    return Ok();
  }
  col.validity.clear();
  const std::string& s = *value;
  auto bad = [&]() {
    return DataCorrupt("partition value '" + s + "' of column '" + field.name + "' is not a valid " +
                           std::string(ColumnTypeName(field.type)),
                       field.name);
  };
  auto parse_int = [&](int64_t& out) -> bool {
    if (s.empty()) return false;
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (errno != 0 || end != s.c_str() + s.size()) return false;
    out = v;
    return true;
  };
  switch (field.type) {
    case ColumnType::kString:
      std::fill(std::get<ColumnVector<std::string>>(col.values).begin(),
                std::get<ColumnVector<std::string>>(col.values).end(), s);
      break;
    case ColumnType::kBool: {
      uint8_t b;
      if (s == "true") {
        b = 1;
      } else if (s == "false") {
        b = 0;
      } else {
        return bad();
      }
      std::fill(std::get<ColumnVector<uint8_t>>(col.values).begin(), std::get<ColumnVector<uint8_t>>(col.values).end(),
                b);
      break;
    }
    case ColumnType::kInt32: {
      int64_t v = 0;
      if (!parse_int(v) || v < INT32_MIN || v > INT32_MAX) return bad();
      auto& vec = std::get<ColumnVector<int32_t>>(col.values);
      std::fill(vec.begin(), vec.end(), static_cast<int32_t>(v));
      break;
    }
    case ColumnType::kInt64: {
      int64_t v = 0;
      if (!parse_int(v)) return bad();
      auto& vec = std::get<ColumnVector<int64_t>>(col.values);
      std::fill(vec.begin(), vec.end(), v);
      break;
    }
    case ColumnType::kFloat:
    case ColumnType::kDouble: {
      char* end = nullptr;
      double d = std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size()) return bad();
      if (field.type == ColumnType::kFloat) {
        auto& vec = std::get<ColumnVector<float>>(col.values);
        std::fill(vec.begin(), vec.end(), static_cast<float>(d));
      } else {
        auto& vec = std::get<ColumnVector<double>>(col.values);
        std::fill(vec.begin(), vec.end(), d);
      }
      break;
    }
    case ColumnType::kTimestampMicros: {
      auto t = ParseIsoUtc(s, field.name);
      if (!t) return bad();
      auto& vec = std::get<ColumnVector<int64_t>>(col.values);
      std::fill(vec.begin(), vec.end(), *t);
      break;
    }
    case ColumnType::kDate: {
      if (s.size() != 10) return bad();
      auto t = ParseIsoUtc(s, field.name);
      if (!t) return bad();
      int64_t days = *t / kMicrosPerDay - ((*t % kMicrosPerDay) < 0 ? 1 : 0);
      auto& vec = std::get<ColumnVector<int32_t>>(col.values);
      std::fill(vec.begin(), vec.end(), static_cast<int32_t>(days));
      break;
    }
  }
  return Ok();
}

// Converts a column read from a file to the table's type (Delta readers allow
// integer and float widening, and INT64 as timestamp: docs/formats.md §2.9).
Result<Column> CastColumn(Column col, ColumnType from, const Field& to, const std::string& file) {
  if (from == to.type) return col;
  auto mismatch = [&]() {
    return DataCorrupt("column '" + to.name + "' in '" + file + "' has type " + std::string(ColumnTypeName(from)) +
                           ", the table has " + std::string(ColumnTypeName(to.type)),
                       to.name);
  };
  Column out;
  out.validity = std::move(col.validity);
  auto widen = [&](auto src_tag, auto dst_tag) {
    using Src = decltype(src_tag);
    using Dst = decltype(dst_tag);
    const auto& src = std::get<ColumnVector<Src>>(col.values);
    ColumnVector<Dst> dst;
    dst.resize_for_overwrite(src.size());  // every value is written below
    for (size_t i = 0; i < src.size(); ++i) dst[i] = static_cast<Dst>(src[i]);
    out.values = std::move(dst);
  };
  if (from == ColumnType::kInt32 && (to.type == ColumnType::kInt64 || to.type == ColumnType::kTimestampMicros)) {
    widen(int32_t{}, int64_t{});
  } else if (from == ColumnType::kInt64 && to.type == ColumnType::kTimestampMicros) {
    out.values = std::move(col.values);
  } else if (from == ColumnType::kFloat && to.type == ColumnType::kDouble) {
    widen(float{}, double{});
  } else if (from == ColumnType::kInt32 && to.type == ColumnType::kDouble) {
    widen(int32_t{}, double{});
  } else if (from == ColumnType::kInt64 && to.type == ColumnType::kDouble) {
    widen(int64_t{}, double{});
  } else {
    return mismatch();
  }
  return out;
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

struct Table::ConflictRules {
  bool is_create = false;
  std::set<std::string> removed;                     // rel paths this commit removes
  std::optional<std::vector<PartitionValueMap>> replaced;  // partitions this commit overwrites
};

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

// Creates `dir` and makes every newly created directory entry durable, except
// entries of `unsynced_parent` (the table root while staging partitions:
// CommitStagedPartitions syncs it once for the whole batch).
Status EnsureDir(FileSystem& fs, const std::string& dir, const std::string* unsynced_parent = nullptr) {
  std::vector<std::string> missing;
  for (std::string p = dir; !p.empty() && p != "/" && p != "."; p = ParentOf(p)) {
    RC_ASSIGN_OR_RETURN(bool exists, fs.Exists(p));
    if (exists) break;
    missing.push_back(p);
  }
  if (missing.empty()) return Ok();
  RC_RETURN_IF_ERROR(fs.CreateDirs(dir));
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    const std::string parent = ParentOf(*it);
    if (unsynced_parent == nullptr || parent != *unsynced_parent) RC_RETURN_IF_ERROR(fs.SyncDir(parent));
  }
  return Ok();
}
}  // namespace

Result<Table> Table::Create(std::string_view dir, const CreateOptions& create, TableOptions options) {
  RC_RETURN_IF_ERROR(FinishOptions(options));
  RC_RETURN_IF_ERROR(ValidateCreate(create));
  RC_ASSIGN_OR_RETURN(std::string abs, AbsoluteTableDir(dir));
  Table table(abs, std::move(options));
  FileSystem& fs = table.fs();
  RC_RETURN_IF_ERROR(EnsureDir(fs, paths::LogDir(abs)));

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

namespace {
Status ValidateLineage(const Lineage& lineage) {
  for (const auto& [k, v] : lineage.source_versions) {
    if (!IsValidUtf8(k)) return InvalidArgument("lineage", "source table names must be valid UTF-8");
  }
  for (const auto& [k, v] : lineage.attributes) {
    if (!IsValidUtf8(k) || !IsValidUtf8(v)) {
      return InvalidArgument("lineage", "attribute '" + k + "' must be valid UTF-8");
    }
  }
  return Ok();
}

Status ValidateTxns(const std::map<std::string, int64_t>& txns) {
  for (const auto& [app, version] : txns) {
    if (app.empty() || !IsValidUtf8(app)) return InvalidArgument("txns", "appId must be non-empty UTF-8");
    if (version < 0) return InvalidArgument("txns", "version of '" + app + "' must be >= 0");
  }
  return Ok();
}

std::vector<Txn> TxnActions(const std::map<std::string, int64_t>& txns, int64_t now_ms) {
  std::vector<Txn> out;
  for (const auto& [app, version] : txns) out.push_back(Txn{app, version, now_ms});
  return out;
}

// Checks types and nulls of `rows` and reorders them into the table's column
// order; nullopt when `rows` has exactly the table's schema already (then
// Validate has checked the nulls, and no copy of the rows is made).
Result<std::optional<ColumnBatch>> ConformRows(const Schema& schema, const ColumnBatch& rows) {
  RC_RETURN_IF_ERROR(rows.Validate());
  if (rows.num_columns() != schema.fields.size()) {
    return InvalidArgument("rows", "batch has " + std::to_string(rows.num_columns()) + " columns, the table has " +
                                       std::to_string(schema.fields.size()));
  }
  if (rows.schema() == schema) return std::optional<ColumnBatch>();
  ColumnBatch out(schema);
  for (size_t i = 0; i < schema.fields.size(); ++i) {
    const Field& f = schema.fields[i];
    int idx = rows.schema().FieldIndex(f.name);
    if (idx < 0) return InvalidArgument(f.name, "column '" + f.name + "' is missing from the batch");
    const Field& given = rows.schema().fields[static_cast<size_t>(idx)];
    if (given.type != f.type) {
      return InvalidArgument(f.name, "column '" + f.name + "' has type " + std::string(ColumnTypeName(given.type)) +
                                         ", the table has " + std::string(ColumnTypeName(f.type)));
    }
    const Column& c = rows.column(static_cast<size_t>(idx));
    if (!f.nullable) {
      for (uint8_t v : c.validity) {
        if (v == 0) return InvalidArgument(f.name, "column '" + f.name + "' is not nullable but has nulls");
      }
    }
    out.column(i) = c;
  }
  return std::optional<ColumnBatch>(std::move(out));
}

struct Group {
  PartitionValueMap values;
  std::vector<size_t> rows;
};

// Whether rows `a` and `b` of column `col` hold the same value (or are both null).
bool SameCell(const ColumnBatch& batch, size_t col, size_t a, size_t b) {
  const Column& c = batch.column(col);
  if (c.IsNull(a) || c.IsNull(b)) return c.IsNull(a) == c.IsNull(b);
  return std::visit([a, b](const auto& values) { return values[a] == values[b]; }, c.values);
}

Result<std::vector<Group>> GroupByPartition(const Snapshot& snap, const ColumnBatch& rows) {
  const Schema& schema = snap.schema();
  std::vector<size_t> pidx;
  for (const auto& p : snap.partition_columns()) pidx.push_back(static_cast<size_t>(schema.FieldIndex(p)));
  std::map<std::vector<std::optional<std::string>>, size_t> index;
  std::vector<Group> groups;
  size_t previous_group = 0;  // the group of row r - 1
  for (size_t r = 0; r < rows.num_rows(); ++r) {
    // Rows of one partition usually come in runs (a whole batch is often one
    // partition): a row whose partition values equal the previous row's joins
    // its group without serializing and looking up the key again.
    if (r > 0 && std::all_of(pidx.begin(), pidx.end(), [&](size_t p) { return SameCell(rows, p, r - 1, r); })) {
      groups[previous_group].rows.push_back(r);
      continue;
    }
    std::vector<std::optional<std::string>> key;
    key.reserve(pidx.size());
    for (size_t p : pidx) {
      auto v = SerializePartitionValue(rows, p, r);
      if (v && v->empty()) {
        return InvalidArgument(schema.fields[p].name, "empty string in partition column '" + schema.fields[p].name +
                                                          "' (Delta reads it back as null)");
      }
      if (v && !IsValidUtf8(*v)) {
        return InvalidArgument(schema.fields[p].name,
                               "partition value of '" + schema.fields[p].name + "' is not valid UTF-8");
      }
      key.push_back(std::move(v));
    }
    auto [it, inserted] = index.emplace(key, groups.size());
    if (inserted) {
      Group g;
      for (size_t k = 0; k < pidx.size(); ++k) g.values[schema.fields[pidx[k]].name] = key[k];
      groups.push_back(std::move(g));
    }
    previous_group = it->second;
    groups[previous_group].rows.push_back(r);
  }
  return groups;
}
}  // namespace

namespace {
// Removes data files written for a commit that did not happen (best effort:
// what a failing disk keeps is never referenced, and vacuum removes it). On a
// full disk this is what frees the space for the retry.
void RemoveUncommittedFiles(FileSystem& fs, const std::string& table_dir, const std::vector<AddFile>& adds) {
  for (const auto& add : adds) {
    if (auto path = paths::ResolveDataPath(table_dir, add.path)) (void)fs.RemoveFile(*path);
  }
}
}  // namespace

// Threads that write the files of one commit's partitions.
constexpr size_t kWriteThreads = 4;

// Writes data-file rows of one partition as files of at most
// max_rows_per_file rows, each chunk of rows one Parquet row group (a chunk
// that straddles a file's end is split): the rows of one batch
// (StagePartition, appends: one chunk) or of a ChunkSource
// (StagePartitionChunks). Data files are fsynced, then their directory.
struct Table::DataFile {
  // The next chunk of rows (`schema` columns), or nullptr after the last.
  using NextChunk = std::function<Result<const ColumnBatch*>()>;

  // `staging` (for CommitStagedPartitions): a new partition directory's entry
  // in the table root is left for the commit to sync.
  static Result<std::vector<AddFile>> Write(const Table& table, const Snapshot& snap, const PartitionValueMap& values,
                                            const ColumnBatch& data, bool data_change, bool staging = false) {
    bool given = false;
    NextChunk once = [&data, &given]() -> Result<const ColumnBatch*> {
      if (given) return nullptr;
      given = true;
      return &data;
    };
    int64_t rows_written = 0;
    return WriteChunks(table, snap, values, data.schema(), once, data_change, rows_written, staging);
  }

  // `next` fills one reused batch of the data-file schema (ChunkSource).
  static Result<std::vector<AddFile>> Write(const Table& table, const Snapshot& snap, const PartitionValueMap& values,
                                            const ChunkSource& next, int64_t& rows_written, bool staging) {
    const Schema schema = snap.DataFileSchema();
    ColumnBatch chunk(schema);
    bool done = false;
    NextChunk filled = [&]() -> Result<const ColumnBatch*> {
      if (done) return nullptr;
      RC_ASSIGN_OR_RETURN(const bool more, next(chunk));
      if (!more) {
        done = true;
        return nullptr;
      }
      if (!(chunk.schema() == schema)) return InvalidArgument("rows", "a chunk's schema is not the table's data schema");
      RC_RETURN_IF_ERROR(chunk.Validate());
      return &chunk;
    };
    return WriteChunks(table, snap, values, schema, filled, /*data_change=*/true, rows_written, staging);
  }

  static Result<std::vector<AddFile>> WriteChunks(const Table& table, const Snapshot& snap,
                                                  const PartitionValueMap& values, const Schema& schema,
                                                  const NextChunk& next, bool data_change, int64_t& rows_written,
                                                  bool staging) {
    FileSystem& fs = table.fs();
    const ColumnBatch* chunk = nullptr;
    size_t offset = 0;  // rows of `*chunk` already written
    // Makes `chunk` hold rows past `offset` (false when the source is done).
    auto have_rows = [&]() -> Result<bool> {
      while (chunk == nullptr || offset >= chunk->num_rows()) {
        RC_ASSIGN_OR_RETURN(const ColumnBatch* following, next());
        if (following == nullptr) return false;
        chunk = following;
        offset = 0;
      }
      return true;
    };
    std::vector<AddFile> adds;
    auto fail = [&](Error error) -> Result<std::vector<AddFile>> {
      RemoveUncommittedFiles(fs, table.dir_, adds);
      return tl::unexpected(std::move(error));
    };
    auto first = have_rows();
    if (!first) return fail(first.error());
    if (!*first) return adds;  // no rows: no files (the partition is emptied)
    paths::PartitionValues ordered;
    for (const auto& c : snap.partition_columns()) ordered.emplace_back(c, PartitionValueOf(values, c));
    std::string rel_dir = paths::PartitionDir(ordered);
    std::string abs_dir = table.dir_;
    if (!rel_dir.empty()) {
      auto joined = paths::JoinInTable(table.dir_, rel_dir);
      if (!joined) return fail(joined.error());
      abs_dir = *joined;
    }
    if (auto made = EnsureDir(fs, abs_dir, staging ? &table.dir_ : nullptr); !made) return fail(made.error());
    parquet::WriteOptions popts;
    popts.codec = table.options_.codec;
    popts.key_value_metadata.emplace_back("writer", std::string("regimecast/") + BuildVersion());
    const auto file_rows = static_cast<size_t>(table.options_.max_rows_per_file);
    int part = 0;
    for (;;) {
      auto pending = have_rows();
      if (!pending) return fail(pending.error());
      if (!*pending) break;
      std::string name = paths::DataFileName(part++, paths::NewUuid(), CodecName(table.options_.codec));
      std::string rel = rel_dir.empty() ? name : rel_dir + "/" + name;
      const std::string file = abs_dir + "/" + name;
      internal::StatsAccumulator stats(schema);
      int64_t file_size = 0;
      auto encode = [&](const FileSystem::PieceWriter& write) -> Status {
        RC_ASSIGN_OR_RETURN(parquet::StreamWriter writer, parquet::StreamWriter::Start(schema, popts, write));
        size_t in_file = 0;
        while (in_file < file_rows) {
          RC_ASSIGN_OR_RETURN(const bool rows_left, have_rows());
          if (!rows_left) break;
          const size_t take = std::min(chunk->num_rows() - offset, file_rows - in_file);
          if (offset == 0 && take == chunk->num_rows()) {  // written as is, not a copy
            RC_RETURN_IF_ERROR(writer.WriteRows(*chunk));
            stats.Add(*chunk);
          } else {  // a chunk split between two files (rare: chunks divide the file size)
            const ColumnBatch part_rows = chunk->Slice(offset, take);
            RC_RETURN_IF_ERROR(writer.WriteRows(part_rows));
            stats.Add(part_rows);
          }
          offset += take;
          in_file += take;
        }
        RC_ASSIGN_OR_RETURN(file_size, writer.Finish());
        rows_written += static_cast<int64_t>(in_file);
        return Ok();
      };
      if (auto created = fs.CreateNewFileFrom(file, encode, /*sync=*/true); !created) {
        // A short write (disk full, I/O error) may have left part of it.
        if (created.error().code != ErrorCode::kConflict) (void)fs.RemoveFile(file);
        return fail(created.error());
      }
      AddFile add;
      add.path = paths::UriEncodePath(rel);
      add.partition_values = values;
      add.size = file_size;
      add.modification_time = table.NowMs();
      add.data_change = data_change;
      add.stats = stats.Json();
      adds.push_back(std::move(add));
    }
    if (auto synced = fs.SyncDir(abs_dir); !synced) return fail(synced.error());
    return adds;
  }
};

Result<std::vector<AddFile>> Table::WriteDataFiles(const Snapshot& snap, const ColumnBatch& rows, bool data_change,
                                                   ColumnBatch* given_up) const {
  RC_ASSIGN_OR_RETURN(std::vector<Group> groups, GroupByPartition(snap, rows));
  const std::vector<std::string> data_names = DataColumnNames(snap);
  std::vector<AddFile> adds;
  if (groups.size() == 1 && groups.front().rows.size() == rows.num_rows()) {
    // One partition (rows in order): its data columns are projected without
    // gathering every row first (silver is ~400 MB per 1M rows).
    RC_ASSIGN_OR_RETURN(ColumnBatch data,
                        given_up != nullptr ? std::move(*given_up).Project(data_names) : rows.Project(data_names));
    return DataFile::Write(*this, snap, groups.front().values, data, data_change);
  }
  // Many partitions (a bar close of many series): their files are written
  // on a few threads, since each waits for its own fsync and its directory's.
  std::vector<std::vector<AddFile>> files(groups.size());
  std::vector<std::optional<Error>> errors(groups.size());
  ParallelFor(groups.size(), kWriteThreads, [&](size_t i, size_t) {
    auto data = rows.Take(groups[i].rows).Project(data_names);
    if (!data) {
      errors[i] = data.error();
      return;
    }
    auto written = DataFile::Write(*this, snap, groups[i].values, *data, data_change);
    if (written) {
      files[i] = std::move(*written);
    } else {
      errors[i] = written.error();
    }
  });
  for (auto& f : files) {
    for (auto& a : f) adds.push_back(std::move(a));
  }
  for (auto& error : errors) {
    if (error) {
      RemoveUncommittedFiles(fs(), dir_, adds);  // the partitions written
      return tl::unexpected(std::move(*error));
    }
  }
  return adds;
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
    RemoveUncommittedFiles(fs, dir_, actions.adds);
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
            if (SamePartition(*rm.partition_values, p, base.partition_columns())) {
              why = "changed partition '" + DescribePartition(p, base.partition_columns()) + "'";
            }
          }
        }
      }
      if (why.empty() && rules.replaced) {
        for (const auto& add : other->adds) {
          if (!add.data_change) continue;
          for (const auto& p : *rules.replaced) {
            if (SamePartition(add.partition_values, p, base.partition_columns())) {
              why = "added data to partition '" + DescribePartition(p, base.partition_columns()) + "'";
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

Result<CommitResult> Table::Append(const ColumnBatch& rows, const WriteOptions& options) {
  return AppendRows(rows, nullptr, options);
}

Result<CommitResult> Table::Append(ColumnBatch&& rows, const WriteOptions& options) {
  return AppendRows(rows, &rows, options);
}

Result<CommitResult> Table::AppendRows(const ColumnBatch& rows, ColumnBatch* given_up, const WriteOptions& options) {
  RC_RETURN_IF_ERROR(ValidateLineage(options.lineage));
  RC_RETURN_IF_ERROR(ValidateTxns(options.txns));
  RC_ASSIGN_OR_RETURN(auto snap, Latest());
  RC_RETURN_IF_ERROR(CheckWritable(*snap, false));
  RC_ASSIGN_OR_RETURN(std::optional<ColumnBatch> reordered, ConformRows(snap->schema(), rows));
  // A reordered copy is ours to give up too.
  const ColumnBatch& conformed = reordered ? *reordered : rows;
  if (reordered) given_up = &*reordered;
  if (conformed.num_rows() == 0) {
    CommitResult r;
    r.version = snap->version;
    return r;
  }
  CommitActions actions;
  const size_t rows_written = conformed.num_rows();
  RC_ASSIGN_OR_RETURN(actions.adds, WriteDataFiles(*snap, conformed, /*data_change=*/true, given_up));
  actions.txns = TxnActions(options.txns, NowMs());
  json::array pcols;
  for (const auto& p : snap->partition_columns()) pcols.emplace_back(p);
  actions.commit_info =
      CommitInfo{CommitInfoJson("WRITE", {{"mode", "Append"}, {"partitionBy", json::serialize(pcols)}},
                                {{"numFiles", std::to_string(actions.adds.size())},
                                 {"numOutputRows", std::to_string(rows_written)}},
                                true, options.lineage),
                 std::nullopt, "WRITE"};
  RC_ASSIGN_OR_RETURN(CommitResult r, Commit(*snap, std::move(actions), ConflictRules{}));
  r.rows_added = static_cast<int64_t>(rows_written);
  return r;
}

namespace {
// Every partition must be a full map of the partition columns (and nothing else).
Status ValidatePartitionMaps(const std::vector<PartitionValueMap>& partitions, const std::vector<std::string>& pcols,
                             const std::string& table_dir) {
  if (pcols.empty()) return InvalidArgument("partitions", "table '" + table_dir + "' is not partitioned");
  for (const auto& p : partitions) {
    for (const auto& [k, v] : p) {
      if (std::find(pcols.begin(), pcols.end(), k) == pcols.end()) {
        return InvalidArgument("partitions", "'" + k + "' is not a partition column");
      }
    }
    for (const auto& c : pcols) {
      if (p.count(c) == 0) return InvalidArgument("partitions", "partition is missing column '" + c + "'");
    }
  }
  return Ok();
}

// The type of `column`, which must be a timestamp or long DATA column of
// `base` (the time column whose stats select a partition's files).
Result<ColumnType> DataTimeColumnType(const Snapshot& base, const std::string& column, const std::string& table_dir) {
  const int idx = base.schema().FieldIndex(column);
  if (idx < 0) return NotFound("time column '" + column + "' is not in table '" + table_dir + "'");
  const ColumnType type = base.schema().fields[static_cast<size_t>(idx)].type;
  if ((type != ColumnType::kTimestampMicros && type != ColumnType::kInt64) || base.IsPartitionColumn(column)) {
    return InvalidArgument("time_column", "'" + column + "' must be a timestamp or long data column");
  }
  return type;
}
}  // namespace

Result<CommitResult> Table::ReplacePartitions(const std::vector<PartitionValueMap>& partitions,
                                              const ColumnBatch& rows, const WriteOptions& options) {
  RC_RETURN_IF_ERROR(ValidateLineage(options.lineage));
  RC_RETURN_IF_ERROR(ValidateTxns(options.txns));
  RC_ASSIGN_OR_RETURN(auto snap, Latest());
  RC_RETURN_IF_ERROR(CheckWritable(*snap, true));
  const auto& pcols = snap->partition_columns();
  RC_RETURN_IF_ERROR(ValidatePartitionMaps(partitions, pcols, dir_));
  RC_ASSIGN_OR_RETURN(std::optional<ColumnBatch> reordered, ConformRows(snap->schema(), rows));
  const ColumnBatch& conformed = reordered ? *reordered : rows;
  RC_ASSIGN_OR_RETURN(std::vector<Group> groups, GroupByPartition(*snap, conformed));
  for (const auto& g : groups) {
    bool listed = std::any_of(partitions.begin(), partitions.end(),
                              [&](const PartitionValueMap& p) { return SamePartition(g.values, p, pcols); });
    if (!listed) {
      return InvalidArgument("rows", "rows of partition '" + DescribePartition(g.values, pcols) +
                                         "' are not in the partitions being replaced");
    }
  }
  std::vector<AddFile> adds;
  const size_t rows_written = conformed.num_rows();
  if (rows_written > 0) {
    RC_ASSIGN_OR_RETURN(adds, WriteDataFiles(*snap, conformed, /*data_change=*/true));
  }
  return CommitReplacement(*snap, partitions, std::move(adds), static_cast<int64_t>(rows_written), options);
}

Result<CommitResult> Table::CommitReplacement(const Snapshot& snap, const std::vector<PartitionValueMap>& partitions,
                                              std::vector<AddFile> adds, int64_t rows_written,
                                              const WriteOptions& options) {
  const auto& pcols = snap.partition_columns();
  CommitActions actions;
  actions.adds = std::move(adds);
  ConflictRules rules;
  rules.replaced = partitions;
  // The replaced partitions' values: one lookup per live file, not a
  // comparison with every partition (a batch may hold hundreds).
  auto key_of = [&pcols](const PartitionValueMap& values) {
    std::vector<std::optional<std::string>> key;
    key.reserve(pcols.size());
    for (const auto& c : pcols) key.push_back(PartitionValueOf(values, c));
    return key;
  };
  std::set<std::vector<std::optional<std::string>>> replaced;
  for (const auto& p : partitions) replaced.insert(key_of(p));
  const int64_t now = NowMs();
  for (const LiveFile* f : snap.FilesInOrder()) {
    if (replaced.count(key_of(f->add.partition_values)) == 0) continue;
    actions.removes.push_back(RemovalOf(*f, now, true));
    rules.removed.insert(f->rel_path);
  }
  if (actions.adds.empty() && actions.removes.empty()) {
    CommitResult r;
    r.version = snap.version;
    return r;
  }
  actions.txns = TxnActions(options.txns, now);
  json::array parts;
  for (const auto& p : partitions) parts.emplace_back(DescribePartition(p, pcols));
  json::array pcols_json;
  for (const auto& p : pcols) pcols_json.emplace_back(p);
  actions.commit_info = CommitInfo{
      CommitInfoJson("WRITE",
                     {{"mode", "Overwrite"},
                      {"partitionBy", json::serialize(pcols_json)},
                      {"replacePartitions", json::serialize(parts)}},
                     {{"numFiles", std::to_string(actions.adds.size())},
                      {"numRemovedFiles", std::to_string(actions.removes.size())},
                      {"numOutputRows", std::to_string(rows_written)}},
                     false, options.lineage),
      std::nullopt, "WRITE"};
  RC_ASSIGN_OR_RETURN(CommitResult r, Commit(snap, std::move(actions), rules));
  r.rows_added = rows_written;
  return r;
}

Result<StagedPartition> Table::StagePartition(const Snapshot& base, const PartitionValueMap& partition,
                                              ColumnBatch rows) const {
  RC_RETURN_IF_ERROR(CheckWritable(base, true));
  const auto& pcols = base.partition_columns();
  RC_RETURN_IF_ERROR(ValidatePartitionMaps({partition}, pcols, dir_));
  RC_ASSIGN_OR_RETURN(std::optional<ColumnBatch> reordered, ConformRows(base.schema(), rows));
  if (reordered) rows = std::move(*reordered);
  StagedPartition staged;
  staged.partition = partition;
  staged.rows = static_cast<int64_t>(rows.num_rows());
  if (rows.num_rows() == 0) return staged;
  RC_ASSIGN_OR_RETURN(std::vector<Group> groups, GroupByPartition(base, rows));
  for (const auto& g : groups) {
    if (!SamePartition(g.values, partition, pcols)) {
      return InvalidArgument("rows", "rows of partition '" + DescribePartition(g.values, pcols) +
                                         "' are not in the partition being staged ('" +
                                         DescribePartition(partition, pcols) + "')");
    }
  }
  // Every row is of `partition` (one group): the data columns move into the
  // file's batch instead of being projected into a copy.
  RC_ASSIGN_OR_RETURN(ColumnBatch data, std::move(rows).Project(DataColumnNames(base)));
  RC_ASSIGN_OR_RETURN(staged.adds,
                      DataFile::Write(*this, base, groups.front().values, data, /*data_change=*/true, /*staging=*/true));
  for (const auto& add : staged.adds) staged.bytes += add.size;
  return staged;
}

Result<StagedPartition> Table::StagePartitionChunks(const Snapshot& base, const PartitionValueMap& partition,
                                                    const ChunkSource& next) const {
  RC_RETURN_IF_ERROR(CheckWritable(base, true));
  RC_RETURN_IF_ERROR(ValidatePartitionMaps({partition}, base.partition_columns(), dir_));
  StagedPartition staged;
  staged.partition = partition;
  RC_ASSIGN_OR_RETURN(staged.adds, DataFile::Write(*this, base, partition, next, staged.rows, /*staging=*/true));
  for (const auto& add : staged.adds) staged.bytes += add.size;
  return staged;
}

void Table::DiscardStaged(const std::vector<StagedPartition>& staged) const {
  for (const auto& s : staged) RemoveUncommittedFiles(fs(), dir_, s.adds);
}

Result<CommitResult> Table::CommitStagedPartitions(const Snapshot& base, std::vector<StagedPartition> staged,
                                                   const WriteOptions& options) {
  std::vector<PartitionValueMap> partitions;
  std::vector<AddFile> adds;
  int64_t rows = 0;
  auto checked = [&]() -> Status {
    RC_RETURN_IF_ERROR(ValidateLineage(options.lineage));
    RC_RETURN_IF_ERROR(ValidateTxns(options.txns));
    RC_RETURN_IF_ERROR(CheckWritable(base, true));
    const auto& pcols = base.partition_columns();
    std::set<std::string> seen;
    for (const auto& s : staged) {
      RC_RETURN_IF_ERROR(ValidatePartitionMaps({s.partition}, pcols, dir_));
      const std::string key = DescribePartition(s.partition, pcols);
      if (!seen.insert(key).second) {
        return InvalidArgument("partitions", "partition '" + key + "' is staged twice in one commit");
      }
      partitions.push_back(s.partition);
      rows += s.rows;
    }
    return Ok();
  };
  if (Status valid = checked(); !valid) {
    DiscardStaged(staged);
    return tl::unexpected(valid.error());
  }
  if (staged.empty()) {
    CommitResult r;
    r.version = base.version;
    return r;
  }
  // Staging leaves new partition directories' entries in the table root
  // unsynced: they are made durable here, once, before the log can name their
  // files. A partition with live files at `base` has a durable directory (the
  // commit that added them synced it); any other may have been created by
  // this batch, or by a staging that was discarded, so the root is synced.
  const bool new_partition = std::any_of(staged.begin(), staged.end(), [&base](const StagedPartition& s) {
    return base.PartitionFiles(s.partition).empty();
  });
  if (new_partition) {
    if (auto synced = fs().SyncDir(dir_); !synced) {
      DiscardStaged(staged);
      return tl::unexpected(synced.error());
    }
  }
  for (auto& s : staged) {
    for (auto& add : s.adds) adds.push_back(std::move(add));
  }
  // Commit removes the data files of a commit that did not happen.
  return CommitReplacement(base, partitions, std::move(adds), rows, options);
}

Result<StagedAppend> Table::StageAppend(const Snapshot& base, const PartitionValueMap& partition,
                                        const TailOptions& tail, const AppendBuilder& build) const {
  RC_RETURN_IF_ERROR(CheckWritable(base, false));
  const auto& pcols = base.partition_columns();
  RC_RETURN_IF_ERROR(ValidatePartitionMaps({partition}, pcols, dir_));
  RC_ASSIGN_OR_RETURN(const ColumnType time_type, DataTimeColumnType(base, tail.time_column, dir_));
  const std::vector<std::string> data_names = DataColumnNames(base);
  StagedAppend staged;
  staged.partition = partition;
  ColumnBatch tail_rows(base.DataFileSchema());
  if (tail.time_min != INT64_MAX) {
    for (const LiveFile* f : base.PartitionFiles(partition)) {
      auto bounds = internal::ReadTimeBounds(f->add.stats, tail.time_column, time_type);
      if (bounds && bounds->max < tail.time_min) continue;
      RC_ASSIGN_OR_RETURN(DataFileRead data, ReadDataFile(base, *f, data_names, std::nullopt));
      RC_RETURN_IF_ERROR(tail_rows.Append(data.batch));
      staged.replaced.push_back(*f);
    }
  }
  if (!staged.replaced.empty()) RC_RETURN_IF_ERROR(CheckWritable(base, true));
  RC_ASSIGN_OR_RETURN(std::vector<ColumnBatch> batches, build(std::move(tail_rows)));
  for (ColumnBatch& batch : batches) {
    if (batch.num_rows() == 0) continue;
    auto data = std::move(batch).Project(data_names);
    if (!data) {
      DiscardStaged(std::vector<StagedAppend>{staged});
      return InvalidArgument("rows", "a staged batch lacks a data column: " + data.error().message);
    }
    Status valid = data->Validate();
    auto adds = valid ? DataFile::Write(*this, base, partition, *data, /*data_change=*/true)
                      : Result<std::vector<AddFile>>(tl::unexpected(valid.error()));
    if (!adds) {
      DiscardStaged(std::vector<StagedAppend>{staged});
      return tl::unexpected(adds.error());
    }
    staged.rows += static_cast<int64_t>(data->num_rows());
    for (auto& add : *adds) staged.adds.push_back(std::move(add));
  }
  return staged;
}

void Table::DiscardStaged(const std::vector<StagedAppend>& staged) const {
  for (const auto& s : staged) RemoveUncommittedFiles(fs(), dir_, s.adds);
}

Result<CommitResult> Table::CommitAppends(const Snapshot& base, std::vector<StagedAppend> staged,
                                          const WriteOptions& options) {
  CommitActions actions;
  ConflictRules rules;
  rules.replaced.emplace();
  int64_t rows = 0;
  const int64_t now = NowMs();
  auto checked = [&]() -> Status {
    RC_RETURN_IF_ERROR(ValidateLineage(options.lineage));
    RC_RETURN_IF_ERROR(ValidateTxns(options.txns));
    const auto& pcols = base.partition_columns();
    std::set<std::string> seen;
    bool removes = false;
    for (const auto& s : staged) {
      RC_RETURN_IF_ERROR(ValidatePartitionMaps({s.partition}, pcols, dir_));
      const std::string key = DescribePartition(s.partition, pcols);
      if (!seen.insert(key).second) {
        return InvalidArgument("partitions", "partition '" + key + "' is staged twice in one commit");
      }
      removes |= !s.replaced.empty();
    }
    return CheckWritable(base, removes);
  };
  if (Status valid = checked(); !valid) {
    DiscardStaged(staged);
    return tl::unexpected(valid.error());
  }
  for (auto& s : staged) {
    // Any other writer's data change in the partition after `base` (an append,
    // a rebuild) makes this append a duplicate or a loss: a conflict.
    rules.replaced->push_back(s.partition);
    for (const LiveFile& f : s.replaced) {
      actions.removes.push_back(RemovalOf(f, now, true));
      rules.removed.insert(f.rel_path);
    }
    rows += s.rows;
    for (auto& add : s.adds) actions.adds.push_back(std::move(add));
  }
  // A commit with only txns records a consumer's progress over source rows
  // that produced no rows here (e.g. raw bars bronze drops).
  if (actions.adds.empty() && actions.removes.empty() && options.txns.empty()) {
    CommitResult r;
    r.version = base.version;
    return r;
  }
  actions.txns = TxnActions(options.txns, now);
  json::array pcols_json;
  for (const auto& p : base.partition_columns()) pcols_json.emplace_back(p);
  actions.commit_info = CommitInfo{
      CommitInfoJson("WRITE", {{"mode", "Append"}, {"partitionBy", json::serialize(pcols_json)}},
                     {{"numFiles", std::to_string(actions.adds.size())},
                      {"numRemovedFiles", std::to_string(actions.removes.size())},
                      {"numOutputRows", std::to_string(rows)}},
                     actions.removes.empty(), options.lineage),
      std::nullopt, "WRITE"};
  RC_ASSIGN_OR_RETURN(CommitResult r, Commit(base, std::move(actions), rules));
  r.rows_added = rows;
  return r;
}

Result<Table::DataFileRead> Table::ReadDataFile(const Snapshot& snap, const LiveFile& file,
                                                const std::vector<std::string>& columns,
                                                const std::optional<parquet::ReadOptions::Range>& range) const {
  const std::string abs = dir_ + "/" + file.rel_path;
  auto bytes = fs().ReadFile(abs);
  if (!bytes) return tl::unexpected(WithContext(bytes.error(), "reading data file of version " +
                                                                   std::to_string(file.version)));
  auto reader = parquet::Reader::OpenBuffer(std::move(*bytes));
  if (!reader) return tl::unexpected(WithContext(reader.error(), "data file '" + file.rel_path + "'"));
  const Schema& fschema = reader->info().schema;
  std::vector<std::string> present;
  for (const auto& c : columns) {
    if (fschema.FieldIndex(c) >= 0) present.push_back(c);
  }
  DataFileRead out;
  Schema out_schema;
  for (const auto& c : columns) out_schema.fields.push_back(snap.schema().fields[static_cast<size_t>(snap.schema().FieldIndex(c))]);
  out.batch = ColumnBatch(out_schema);
  if (range && fschema.FieldIndex(range->column) < 0) {
    // No time column in this file: every row's time is null, none matches.
    out.rows = 0;
    return out;
  }
  ColumnBatch got;
  if (present.empty()) {
    out.rows = static_cast<size_t>(reader->info().num_rows);
  } else {
    parquet::ReadOptions ro;
    ro.columns = present;
    ro.time_range = range;
    auto read = reader->Read(ro);
    if (!read) return tl::unexpected(WithContext(read.error(), "data file '" + file.rel_path + "'"));
    got = std::move(*read);
    out.rows = got.num_rows();
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    const Field& want = out_schema.fields[i];
    int gi = got.num_columns() == 0 ? -1 : got.schema().FieldIndex(want.name);
    if (gi < 0) {
      if (!want.nullable) {
        return DataCorrupt("data file '" + file.rel_path + "' lacks non-nullable column '" + want.name + "'",
                           want.name);
      }
      Column& col = out.batch.column(i);
      std::visit([&](auto& v) { v.resize(out.rows); }, col.values);
      col.validity.assign(out.rows, 0);
      continue;
    }
    ColumnType from = got.schema().fields[static_cast<size_t>(gi)].type;
    RC_ASSIGN_OR_RETURN(Column col, CastColumn(std::move(got.column(static_cast<size_t>(gi))), from, want, file.rel_path));
    if (!want.nullable && !col.validity.empty() &&
        std::find(col.validity.begin(), col.validity.end(), 0) != col.validity.end()) {
      return DataCorrupt("data file '" + file.rel_path + "' has nulls in non-nullable column '" + want.name + "'",
                         want.name);
    }
    out.batch.column(i) = std::move(col);
  }
  return out;
}

Result<ColumnBatch> Table::Scan(const Snapshot& snap, const ScanOptions& options) const {
  const Schema& schema = snap.schema();
  std::vector<std::string> out_cols = options.columns;
  if (out_cols.empty()) {
    for (const auto& f : schema.fields) out_cols.push_back(f.name);
  }
  Schema out_schema;
  std::set<std::string> seen;
  for (const auto& c : out_cols) {
    int idx = schema.FieldIndex(c);
    if (idx < 0) return NotFound("column '" + c + "' is not in table '" + dir_ + "'");
    if (!seen.insert(c).second) return InvalidArgument("columns", "column '" + c + "' requested twice");
    out_schema.fields.push_back(schema.fields[static_cast<size_t>(idx)]);
  }
  for (const auto& [k, v] : options.partition_filter) {
    if (!snap.IsPartitionColumn(k)) return InvalidArgument("partition_filter", "'" + k + "' is not a partition column");
  }
  std::optional<parquet::ReadOptions::Range> range;
  std::vector<std::string> file_cols;
  for (const auto& c : out_cols) {
    if (!snap.IsPartitionColumn(c)) file_cols.push_back(c);
  }
  ColumnType time_type = ColumnType::kTimestampMicros;
  if (options.time_column) {
    int idx = schema.FieldIndex(*options.time_column);
    if (idx < 0) return NotFound("time column '" + *options.time_column + "' is not in table '" + dir_ + "'");
    time_type = schema.fields[static_cast<size_t>(idx)].type;
    if (time_type != ColumnType::kTimestampMicros && time_type != ColumnType::kInt64) {
      return InvalidArgument("time_column", "'" + *options.time_column + "' must be a timestamp or long column");
    }
    if (snap.IsPartitionColumn(*options.time_column)) {
      return InvalidArgument("time_column", "the time column must not be a partition column");
    }
    if (options.time_min > options.time_max) return InvalidArgument("time_range", "from is after to");
    range = parquet::ReadOptions::Range{*options.time_column, options.time_min, options.time_max};
    if (std::find(file_cols.begin(), file_cols.end(), *options.time_column) == file_cols.end()) {
      file_cols.push_back(*options.time_column);
    }
  }
  if (options.limit && *options.limit < 0) return InvalidArgument("limit", "must be >= 0");
  ColumnBatch result(out_schema);
  int64_t remaining = options.limit.value_or(INT64_MAX);
  // A filter on every partition column is one partition: its files from the
  // snapshot's index. Otherwise every file is checked against the filter.
  const bool one_partition = !snap.partition_columns().empty() &&
                             options.partition_filter.size() == snap.partition_columns().size();
  const std::vector<const LiveFile*> all_files = one_partition ? std::vector<const LiveFile*>() : snap.FilesInOrder();
  const std::vector<const LiveFile*>& files = one_partition ? snap.PartitionFiles(options.partition_filter) : all_files;
  for (const LiveFile* f : files) {
    if (remaining <= 0) break;
    bool match = true;
    for (const auto& [k, v] : options.partition_filter) {
      if (PartitionValueOf(f->add.partition_values, k) != v) match = false;
    }
    if (!match) continue;
    if (range) {
      auto bounds = internal::ReadTimeBounds(f->add.stats, range->column, time_type);
      if (bounds && (bounds->max < range->min || bounds->min > range->max)) continue;
    }
    RC_ASSIGN_OR_RETURN(DataFileRead data, ReadDataFile(snap, *f, file_cols, range));
    if (data.rows == 0) continue;
    ColumnBatch fb(out_schema);
    for (size_t i = 0; i < out_schema.fields.size(); ++i) {
      const Field& field = out_schema.fields[i];
      if (snap.IsPartitionColumn(field.name)) {
        RC_RETURN_IF_ERROR(
            FillPartitionColumn(fb.column(i), field, PartitionValueOf(f->add.partition_values, field.name), data.rows));
      } else {
        auto pos = std::find(file_cols.begin(), file_cols.end(), field.name) - file_cols.begin();
        fb.column(i) = std::move(data.batch.column(static_cast<size_t>(pos)));
      }
    }
    if (range) {
      auto pos = static_cast<size_t>(std::find(file_cols.begin(), file_cols.end(), range->column) - file_cols.begin());
      const Column& tc = data.batch.column(pos);
      // The time column may have been moved into fb: read it from there then.
      int out_idx = out_schema.FieldIndex(range->column);
      const Column& times = out_idx >= 0 ? fb.column(static_cast<size_t>(out_idx)) : tc;
      const auto& tv = std::get<ColumnVector<int64_t>>(times.values);
      std::vector<size_t> keep;
      keep.reserve(data.rows);
      for (size_t r = 0; r < data.rows; ++r) {
        if (!times.IsNull(r) && tv[r] >= range->min && tv[r] <= range->max) keep.push_back(r);
      }
      if (keep.size() != data.rows) fb = fb.Take(keep);
    }
    if (static_cast<int64_t>(fb.num_rows()) > remaining) fb = fb.Slice(0, static_cast<size_t>(remaining));
    remaining -= static_cast<int64_t>(fb.num_rows());
    if (result.num_rows() == 0) {
      result = std::move(fb);  // the first file's rows (often the only one's) are not copied
    } else {
      RC_RETURN_IF_ERROR(result.Append(fb));
    }
  }
  return result;
}

Result<CompactResult> Table::Compact(const CompactOptions& options) {
  if (options.min_files < 2) return InvalidArgument("min_files", "must be >= 2");
  if (options.small_file_bytes < 1) return InvalidArgument("small_file_bytes", "must be >= 1");
  RC_RETURN_IF_ERROR(ValidateLineage(options.write.lineage));
  RC_ASSIGN_OR_RETURN(auto snap, Latest());
  RC_RETURN_IF_ERROR(CheckWritable(*snap, false));
  const auto& pcols = snap->partition_columns();
  std::map<std::string, std::vector<const LiveFile*>> groups;
  std::vector<std::string> order;
  std::set<std::string> newest_files;  // keep_newest_file: each partition's newest file
  if (options.keep_newest_file) {
    std::map<std::string, const LiveFile*> newest;
    for (const LiveFile* f : snap->FilesInOrder()) newest[DescribePartition(f->add.partition_values, pcols)] = f;
    for (const auto& [key, f] : newest) newest_files.insert(f->rel_path);
  }
  for (const LiveFile* f : snap->FilesInOrder()) {
    if (f->add.size >= options.small_file_bytes || newest_files.count(f->rel_path) != 0) continue;
    if (options.partition && !SamePartition(f->add.partition_values, *options.partition, pcols)) continue;
    std::string key = DescribePartition(f->add.partition_values, pcols);
    if (groups.find(key) == groups.end()) order.push_back(key);
    groups[key].push_back(f);
  }
  const Schema data_schema = snap->DataFileSchema();
  const std::vector<std::string> data_names = DataColumnNames(*snap);
  CompactResult out;
  CommitActions actions;
  ConflictRules rules;
  const int64_t now = NowMs();
  for (const auto& key : order) {
    const auto& files = groups[key];
    if (static_cast<int>(files.size()) < options.min_files) continue;
    ColumnBatch merged(data_schema);
    int64_t data_version = -1;
    for (const LiveFile* f : files) {
      RC_ASSIGN_OR_RETURN(DataFileRead d, ReadDataFile(*snap, *f, data_names, std::nullopt));
      RC_RETURN_IF_ERROR(merged.Append(d.batch));
      actions.removes.push_back(RemovalOf(*f, now, false));
      rules.removed.insert(f->rel_path);
      data_version = std::max(data_version, f->data_version());
    }
    RC_ASSIGN_OR_RETURN(auto adds, DataFile::Write(*this, *snap, files.front()->add.partition_values, merged, false));
    for (auto& a : adds) {
      a.tags[kDataVersionTag] = std::to_string(data_version);
      actions.adds.push_back(std::move(a));
    }
    ++out.partitions;
  }
  if (actions.removes.empty()) return out;
  out.files_removed = static_cast<int64_t>(actions.removes.size());
  out.files_added = static_cast<int64_t>(actions.adds.size());
  actions.commit_info = CommitInfo{
      CommitInfoJson("OPTIMIZE", {{"predicate", "[]"}, {"targetSize", std::to_string(options.small_file_bytes)}},
                     {{"numRemovedFiles", std::to_string(out.files_removed)},
                      {"numAddedFiles", std::to_string(out.files_added)}},
                     false, options.write.lineage),
      std::nullopt, "OPTIMIZE"};
  RC_ASSIGN_OR_RETURN(CommitResult r, Commit(*snap, std::move(actions), rules));
  out.version = r.version;
  return out;
}

Result<UpdateResult> Table::UpdateFiles(const Snapshot& base, const UpdateOptions& options,
                                       const std::function<Result<bool>(ColumnBatch&)>& update) {
  RC_RETURN_IF_ERROR(CheckWritable(base, true));
  const auto& pcols = base.partition_columns();
  RC_RETURN_IF_ERROR(ValidatePartitionMaps({options.partition}, pcols, dir_));
  RC_RETURN_IF_ERROR(ValidateLineage(options.write.lineage));
  RC_ASSIGN_OR_RETURN(const ColumnType time_type, DataTimeColumnType(base, options.time_column, dir_));
  if (options.time_min > options.time_max) return InvalidArgument("time_range", "from is after to");
  const Schema data_schema = base.DataFileSchema();
  const std::vector<std::string> data_names = DataColumnNames(base);
  UpdateResult out;
  CommitActions actions;
  ConflictRules rules;
  const int64_t now = NowMs();
  int64_t rows_written = 0;
  for (const LiveFile* f : base.PartitionFiles(options.partition)) {
    auto bounds = internal::ReadTimeBounds(f->add.stats, options.time_column, time_type);
    if (bounds && (bounds->max < options.time_min || bounds->min > options.time_max)) continue;
    ++out.files_read;
    RC_ASSIGN_OR_RETURN(DataFileRead data, ReadDataFile(base, *f, data_names, std::nullopt));
    RC_ASSIGN_OR_RETURN(bool changed, update(data.batch));
    if (!changed) continue;
    if (data.batch.num_rows() != data.rows || !(data.batch.schema() == data_schema)) {
      return InvalidArgument("update", "must change rows in place (file '" + f->rel_path + "')");
    }
    RC_RETURN_IF_ERROR(data.batch.Validate());
    RC_ASSIGN_OR_RETURN(auto adds, DataFile::Write(*this, base, f->add.partition_values, data.batch, true));
    for (auto& a : adds) actions.adds.push_back(std::move(a));
    actions.removes.push_back(RemovalOf(*f, now, true));
    rules.removed.insert(f->rel_path);
    rows_written += static_cast<int64_t>(data.rows);
    ++out.files_rewritten;
  }
  if (actions.removes.empty()) return out;
  actions.txns = TxnActions(options.write.txns, now);
  actions.commit_info = CommitInfo{
      CommitInfoJson("UPDATE", {{"predicate", json::serialize(json::array{options.time_column})}},
                     {{"numRemovedFiles", std::to_string(actions.removes.size())},
                      {"numAddedFiles", std::to_string(actions.adds.size())},
                      {"numUpdatedRows", std::to_string(rows_written)}},
                     false, options.write.lineage),
      std::nullopt, "UPDATE"};
  auto committed = Commit(base, std::move(actions), rules);
  if (!committed) return tl::unexpected(committed.error());
  out.version = committed->version;
  return out;
}

Result<VacuumResult> Table::Vacuum(const VacuumOptions& options) {
  if (options.retention_ms < 0) return InvalidArgument("retention", "must not be negative");
  RC_ASSIGN_OR_RETURN(auto snap, Latest());
  FileSystem& fs = this->fs();
  const int64_t cutoff = NowMs() - options.retention_ms;
  VacuumResult out;
  out.cutoff_ms = cutoff;
  std::set<std::string> partition_prefixes;
  for (const auto& c : snap->partition_columns()) partition_prefixes.insert(paths::EscapePartitionValue(c) + "=");
  auto is_hidden = [&](const std::string& name) {
    if (name.empty() || (name[0] != '_' && name[0] != '.')) return false;
    for (const auto& p : partition_prefixes) {
      if (name.starts_with(p)) return false;
    }
    return true;
  };
  auto consider = [&](const std::string& rel, const std::string& abs) -> Status {
    if (snap->files.count(rel) != 0) return Ok();
    RC_ASSIGN_OR_RETURN(FileStat st, fs.Stat(abs));
    if (st.mtime_ms > cutoff) return Ok();
    if (auto t = snap->tombstones.find(rel); t != snap->tombstones.end()) {
      if (t->second.remove.deletion_timestamp.value_or(0) > cutoff) return Ok();
    }
    if (!options.dry_run) {
      auto removed = fs.RemoveFile(abs);
      if (!removed && removed.error().code != ErrorCode::kNotFound) return removed;
    }
    out.files.push_back(rel);
    out.bytes += st.size;
    return Ok();
  };
  // Walk the table without following anything hidden (_delta_log, .tmp, ...).
  std::vector<std::string> stack = {""};
  while (!stack.empty()) {
    std::string rel_dir = stack.back();
    stack.pop_back();
    std::string abs_dir = rel_dir.empty() ? dir_ : dir_ + "/" + rel_dir;
    RC_ASSIGN_OR_RETURN(auto entries, fs.ListDir(abs_dir));
    for (const auto& e : entries) {
      if (is_hidden(e.name)) continue;
      std::string rel = rel_dir.empty() ? e.name : rel_dir + "/" + e.name;
      if (e.is_dir) {
        stack.push_back(rel);
      } else {
        RC_RETURN_IF_ERROR(consider(rel, abs_dir + "/" + e.name));
      }
    }
  }
  // Temporary commit/checkpoint files left by writers that died before linking or renaming them.
  RC_ASSIGN_OR_RETURN(auto log_entries, fs.ListDir(paths::LogDir(dir_)));
  for (const auto& e : log_entries) {
    if (e.is_dir || !paths::IsTempLogFileName(e.name)) continue;
    std::string rel = std::string(paths::kLogDirName) + "/" + e.name;
    RC_RETURN_IF_ERROR(consider(rel, paths::LogDir(dir_) + "/" + e.name));
  }
  std::sort(out.files.begin(), out.files.end());
  return out;
}

}  // namespace rc::lake::delta
