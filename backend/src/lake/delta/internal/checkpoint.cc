#include "lake/delta/internal/checkpoint.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <set>
#include <sstream>

#include "core/json_fields.h"
#include "lake/delta/internal/action_json.h"
#include "lake/delta/internal/log.h"
#include "lake/parquet/internal/nested.h"
#include "lake/paths.h"

namespace rc::lake::delta::internal {
namespace {

namespace json = boost::json;
namespace pqi = parquet::internal;
using pqi::Leaf;
using pqi::ListOf;
using pqi::MapOf;
using pqi::Struct;

pqi::NestedField StringMap(std::string name) {
  return MapOf(std::move(name), Leaf("key", ColumnType::kString, false), Leaf("value", ColumnType::kString));
}

// The checkpoint schema of the Delta protocol ("Checkpoint Schema"), with
// the fields of the actions we write; readers fill absent optional fields
// (deletionVector, baseRowId, ...) with nulls.
std::vector<pqi::NestedField> CheckpointSchema() {
  return {
      Struct("txn", {Leaf("appId", ColumnType::kString), Leaf("version", ColumnType::kInt64),
                     Leaf("lastUpdated", ColumnType::kInt64)}),
      Struct("add", {Leaf("path", ColumnType::kString), StringMap("partitionValues"), Leaf("size", ColumnType::kInt64),
                     Leaf("modificationTime", ColumnType::kInt64), Leaf("dataChange", ColumnType::kBool),
                     Leaf("stats", ColumnType::kString), StringMap("tags")}),
      Struct("remove", {Leaf("path", ColumnType::kString), Leaf("deletionTimestamp", ColumnType::kInt64),
                        Leaf("dataChange", ColumnType::kBool), Leaf("extendedFileMetadata", ColumnType::kBool),
                        StringMap("partitionValues"), Leaf("size", ColumnType::kInt64)}),
      Struct("metaData",
             {Leaf("id", ColumnType::kString), Leaf("name", ColumnType::kString), Leaf("description", ColumnType::kString),
              Struct("format", {Leaf("provider", ColumnType::kString), StringMap("options")}),
              Leaf("schemaString", ColumnType::kString), ListOf("partitionColumns", Leaf("element", ColumnType::kString)),
              StringMap("configuration"), Leaf("createdTime", ColumnType::kInt64)}),
      Struct("protocol", {Leaf("minReaderVersion", ColumnType::kInt32), Leaf("minWriterVersion", ColumnType::kInt32),
                          ListOf("readerFeatures", Leaf("element", ColumnType::kString)),
                          ListOf("writerFeatures", Leaf("element", ColumnType::kString))}),
  };
}

json::object Row(const char* column, json::object action) {
  json::object row;
  row[column] = std::move(action);
  return row;
}

// Writes `data` to a temporary file in the log, syncs it and renames it to
// `final_path` (replacing any older file of that name), then syncs the log.
Status WriteAtomically(FileSystem& fs, const std::string& table_dir, const std::string& name, std::string_view data) {
  const std::string tmp = paths::TempLogPath(table_dir, name);
  if (auto written = fs.CreateNewFile(tmp, data, /*sync=*/true); !written) {
    (void)fs.RemoveFile(tmp);
    return written;
  }
  if (auto renamed = fs.Rename(tmp, paths::LogDir(table_dir) + "/" + name); !renamed) {
    (void)fs.RemoveFile(tmp);
    return renamed;
  }
  return fs.SyncDir(paths::LogDir(table_dir));
}

}  // namespace

Result<int64_t> ParseIntervalMs(const std::string& text, const std::string& property) {
  // "interval <n> <unit>", as Spark writes CalendarInterval table properties.
  std::string lower;
  for (char c : text) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  std::istringstream in(lower);
  std::string word;
  std::string unit;
  int64_t count = -1;
  in >> word;
  if (word != "interval" || !(in >> count) || !(in >> unit) || count < 0 || (in >> word)) {
    return InvalidArgument(property, "'" + text + "' is not an interval such as 'interval 30 days'");
  }
  if (unit.size() > 1 && unit.back() == 's') unit.pop_back();
  static const std::pair<const char*, int64_t> kUnits[] = {
      {"millisecond", 1}, {"second", 1000}, {"minute", 60'000}, {"hour", 3'600'000}, {"day", 86'400'000},
      {"week", 7 * 86'400'000LL}};
  for (const auto& [name, ms] : kUnits) {
    if (unit == name) {
      if (count > INT64_MAX / ms) return InvalidArgument(property, "'" + text + "' is too long");
      return count * ms;
    }
  }
  return InvalidArgument(property, "'" + text + "': unknown unit '" + unit + "' (use seconds, minutes, hours, days or weeks)");
}

Result<int64_t> CheckpointInterval(const Snapshot& snapshot) {
  auto it = snapshot.metadata.configuration.find(kCheckpointIntervalKey);
  if (it == snapshot.metadata.configuration.end()) return kDefaultCheckpointInterval;
  try {
    size_t used = 0;
    const int64_t interval = std::stoll(it->second, &used);
    if (used == it->second.size() && interval >= 1) return interval;
  } catch (const std::exception&) {
  }
  return InvalidArgument(kCheckpointIntervalKey, "'" + it->second + "' is not a positive integer");
}

Result<int64_t> RetentionMs(const Snapshot& snapshot, const char* key, int64_t fallback) {
  auto it = snapshot.metadata.configuration.find(key);
  if (it == snapshot.metadata.configuration.end()) return fallback;
  return ParseIntervalMs(it->second, key);
}

Result<std::optional<LastCheckpoint>> ReadLastCheckpoint(FileSystem& fs, const std::string& table_dir) {
  auto text = fs.ReadFile(paths::LastCheckpointPath(table_dir));
  if (!text) {
    if (text.error().code == ErrorCode::kNotFound) return std::nullopt;
    return tl::unexpected(text.error());
  }
  json::error_code ec;
  json::value doc = json::parse(*text, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  const json::value* version = doc.as_object().if_contains("version");
  if (version == nullptr) return std::nullopt;
  const std::optional<int64_t> v = JsonInt64(*version);
  if (!v || *v < 0) return std::nullopt;
  // Multi-part checkpoints ("parts") are not read: fall back to listing.
  if (const json::value* parts = doc.as_object().if_contains("parts"); parts && !parts->is_null()) return std::nullopt;
  LastCheckpoint out;
  out.version = *v;
  if (const json::value* size = doc.as_object().if_contains("size")) out.size = JsonInt64(*size).value_or(0);
  return out;
}

Status WriteCheckpoint(FileSystem& fs, const Snapshot& snapshot, int64_t now_ms) {
  RC_ASSIGN_OR_RETURN(int64_t tombstone_ms,
                      RetentionMs(snapshot, kDeletedFileRetentionKey, kDefaultDeletedFileRetentionMs));
  std::vector<json::object> rows;
  rows.push_back(Row("protocol", ProtocolJson(snapshot.protocol)));
  rows.push_back(Row("metaData", MetadataJson(snapshot.metadata)));
  for (const auto& [app, txn] : snapshot.txns) rows.push_back(Row("txn", TxnJson(txn)));
  int64_t num_adds = 0;
  // Adds in scan order: a reader of the checkpoint numbers files by row.
  for (const LiveFile* file : snapshot.FilesInOrder()) {
    AddFile add = file->add;
    add.tags[kAddedInVersionTag] = std::to_string(file->version);
    rows.push_back(Row("add", AddJson(add)));
    ++num_adds;
  }
  for (const auto& [rel, tombstone] : snapshot.tombstones) {
    const auto& deleted = tombstone.remove.deletion_timestamp;
    if (deleted && *deleted < now_ms - tombstone_ms) continue;  // expired: vacuum may delete the file
    RemoveFile remove = tombstone.remove;
    remove.data_change = false;  // the protocol stores checkpoint tombstones with dataChange=false
    rows.push_back(Row("remove", RemoveJson(remove)));
  }
  parquet::WriteOptions options;
  options.codec = parquet::Codec::kSnappy;
  RC_ASSIGN_OR_RETURN(std::string bytes, pqi::EncodeNested(CheckpointSchema(), rows, options));
  const std::string where = "checkpoint " + std::to_string(snapshot.version) + " of '" + snapshot.table_dir + "'";
  if (auto written = WriteAtomically(fs, snapshot.table_dir, paths::CheckpointFileName(snapshot.version), bytes);
      !written) {
    return tl::unexpected(WithContext(written.error(), where));
  }
  // Never point _last_checkpoint back at an older checkpoint (an on-demand
  // checkpoint finishing after a newer automatic one).
  RC_ASSIGN_OR_RETURN(std::optional<LastCheckpoint> previous, ReadLastCheckpoint(fs, snapshot.table_dir));
  if (previous && previous->version > snapshot.version) return Ok();
  json::object last;
  last["version"] = snapshot.version;
  last["size"] = static_cast<int64_t>(rows.size());
  last["sizeInBytes"] = static_cast<int64_t>(bytes.size());
  last["numOfAddFiles"] = num_adds;
  if (auto written = WriteAtomically(fs, snapshot.table_dir, "_last_checkpoint", json::serialize(last)); !written) {
    return tl::unexpected(WithContext(written.error(), where + ": _last_checkpoint"));
  }
  return Ok();
}

Result<std::shared_ptr<Snapshot>> ReadCheckpoint(FileSystem& fs, const std::string& table_dir, int64_t version) {
  const std::string name = paths::CheckpointFileName(version);
  const std::string path = paths::CheckpointFilePath(table_dir, version);
  RC_ASSIGN_OR_RETURN(std::string bytes, fs.ReadFile(path));
  auto reader = parquet::Reader::OpenBuffer(std::move(bytes));
  if (!reader) return tl::unexpected(WithContext(reader.error(), name));
  std::vector<std::string> columns;
  for (const char* column : {"protocol", "metaData", "txn", "add", "remove"}) {
    const auto& nested = reader->info().nested_columns;
    if (std::find(nested.begin(), nested.end(), column) != nested.end()) columns.emplace_back(column);
  }
  // Typed copies of stats / partition values (Spark's writeStatsAsStruct) are
  // redundant with the JSON forms we parse and may hold types we do not map.
  auto rows = pqi::ReadNested(*reader, columns, {"stats_parsed", "partitionValues_parsed"});
  if (!rows) return tl::unexpected(WithContext(rows.error(), name));

  CommitActions actions;
  std::set<std::string> txn_apps;
  for (size_t row = 0; row < rows->size(); ++row) {
    json::object action;
    for (auto& [column, value] : (*rows)[row]) {
      if (!value.is_null()) action[column] = std::move(value);
    }
    if (action.empty()) continue;
    RC_RETURN_IF_ERROR(ParseActionObject(action, name + ":row " + std::to_string(row), &actions, &txn_apps));
  }
  if (!actions.protocol || !actions.metadata) {
    return DataCorrupt("checkpoint must contain protocol and metaData actions", name);
  }
  auto snap = std::make_shared<Snapshot>();
  snap->table_dir = table_dir;
  // A checkpoint has no commit of its own: apply its actions as one.
  snap->version = version - 1;
  CommitActions as_commit;
  as_commit.protocol = actions.protocol;
  as_commit.metadata = actions.metadata;
  as_commit.removes = std::move(actions.removes);
  as_commit.txns = std::move(actions.txns);
  RC_RETURN_IF_ERROR(ApplyCommit(*snap, version, as_commit, 0));
  for (AddFile& add : actions.adds) {
    if (add.has_deletion_vector) {
      return Unsupported("file '" + add.path + "' has a deletion vector; deletion vectors are not supported", name);
    }
    int64_t added_in = version;
    if (auto tag = add.tags.find(kAddedInVersionTag); tag != add.tags.end()) {
      try {
        added_in = std::stoll(tag->second);
      } catch (const std::exception&) {
        return DataCorrupt("add.tags['" + std::string(kAddedInVersionTag) + "'] is not a number", name);
      }
      if (added_in < 0 || added_in > version) {
        return DataCorrupt("add.tags['" + std::string(kAddedInVersionTag) + "'] is outside the log", name);
      }
      add.tags.erase(tag);
    }
    auto abs = paths::ResolveDataPath(table_dir, add.path);
    if (!abs) return tl::unexpected(WithContext(abs.error(), name));
    std::string rel = abs->substr(table_dir.size() + 1);
    snap->tombstones.erase(rel);
    snap->files[rel] = LiveFile{std::move(add), rel, added_in, snap->next_seq++};
  }
  // The checkpoint version's timestamp: its commit when retained, else the file's mtime.
  snap->commit_timestamps.clear();
  snap->first_timestamp_version = version;
  int64_t ts = 0;
  if (auto commit = ReadCommit(fs, table_dir, version)) {
    RC_ASSIGN_OR_RETURN(ts, RawCommitTimestamp(fs, table_dir, version, *commit));
  } else {
    RC_ASSIGN_OR_RETURN(FileStat st, fs.Stat(path));
    ts = st.mtime_ms;
  }
  snap->commit_timestamps.push_back(ts);
  return snap;
}

}  // namespace rc::lake::delta::internal
