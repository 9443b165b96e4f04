#include "lake/delta/internal/table_support.h"

#include <filesystem>

#include "core/strings.h"
#include "lake/paths.h"

namespace rc::lake::delta::internal {
namespace {

std::string ParentOf(const std::string& path) {
  std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

}  // namespace

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

std::vector<std::string> DataColumnNames(const Snapshot& snap) {
  std::vector<std::string> names;
  for (const auto& f : snap.DataFileSchema().fields) names.push_back(f.name);
  return names;
}

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

Status EnsureDir(FileSystem& fs, const std::string& dir, const std::string* unsynced_parent) {
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

std::vector<Txn> TxnActions(const std::map<std::string, int64_t>& txns, int64_t now_ms) {
  std::vector<Txn> out;
  for (const auto& [app, version] : txns) out.push_back(Txn{app, version, now_ms});
  return out;
}

// Removes data files written for a commit that did not happen (best effort:
// what a failing disk keeps is never referenced, and vacuum removes it). On a
// full disk this is what frees the space for the retry.
void RemoveUncommittedFiles(FileSystem& fs, const std::string& table_dir, const std::vector<AddFile>& adds) {
  for (const auto& add : adds) {
    if (auto path = paths::ResolveDataPath(table_dir, add.path)) (void)fs.RemoveFile(*path);
  }
}

Result<ColumnType> DataTimeColumnType(const Snapshot& base, const std::string& column, const std::string& table_dir) {
  const int idx = base.schema().FieldIndex(column);
  if (idx < 0) return NotFound("time column '" + column + "' is not in table '" + table_dir + "'");
  const ColumnType type = base.schema().fields[static_cast<size_t>(idx)].type;
  if ((type != ColumnType::kTimestampMicros && type != ColumnType::kInt64) || base.IsPartitionColumn(column)) {
    return InvalidArgument("time_column", "'" + column + "' must be a timestamp or long data column");
  }
  return type;
}

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

}  // namespace rc::lake::delta::internal
