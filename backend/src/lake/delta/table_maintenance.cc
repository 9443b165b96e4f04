// Table's maintenance: compaction of small files, rewriting files that
// match an update, and vacuum of files no version needs. The rest of Table:
// lake/delta/internal/table_support.h.
#include "lake/delta/table.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>

#include "lake/delta/internal/stats.h"
#include "lake/delta/internal/table_support.h"
#include "lake/paths.h"

namespace rc::lake::delta {
namespace json = boost::json;

Result<CompactResult> Table::Compact(const CompactOptions& options) {
  if (options.min_files < 2) return InvalidArgument("min_files", "must be >= 2");
  if (options.small_file_bytes < 1) return InvalidArgument("small_file_bytes", "must be >= 1");
  RC_RETURN_IF_ERROR(internal::ValidateLineage(options.write.lineage));
  RC_ASSIGN_OR_RETURN(auto snap, Latest());
  RC_RETURN_IF_ERROR(internal::CheckWritable(*snap, false));
  const auto& pcols = snap->partition_columns();
  std::map<std::string, std::vector<const LiveFile*>> groups;
  std::vector<std::string> order;
  std::set<std::string> newest_files;  // keep_newest_file: each partition's newest file
  if (options.keep_newest_file) {
    std::map<std::string, const LiveFile*> newest;
    for (const LiveFile* f : snap->FilesInOrder()) {
      newest[internal::DescribePartition(f->add.partition_values, pcols)] = f;
    }
    for (const auto& [key, f] : newest) newest_files.insert(f->rel_path);
  }
  for (const LiveFile* f : snap->FilesInOrder()) {
    if (f->add.size >= options.small_file_bytes || newest_files.count(f->rel_path) != 0) continue;
    if (options.partition && !internal::SamePartition(f->add.partition_values, *options.partition, pcols)) continue;
    std::string key = internal::DescribePartition(f->add.partition_values, pcols);
    if (groups.find(key) == groups.end()) order.push_back(key);
    groups[key].push_back(f);
  }
  const Schema data_schema = snap->DataFileSchema();
  const std::vector<std::string> data_names = internal::DataColumnNames(*snap);
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
      actions.removes.push_back(internal::RemovalOf(*f, now, false));
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
  RC_RETURN_IF_ERROR(internal::CheckWritable(base, true));
  const auto& pcols = base.partition_columns();
  RC_RETURN_IF_ERROR(internal::ValidatePartitionMaps({options.partition}, pcols, dir_));
  RC_RETURN_IF_ERROR(internal::ValidateLineage(options.write.lineage));
  RC_ASSIGN_OR_RETURN(const ColumnType time_type, internal::DataTimeColumnType(base, options.time_column, dir_));
  if (options.time_min > options.time_max) return InvalidArgument("time_range", "from is after to");
  const Schema data_schema = base.DataFileSchema();
  const std::vector<std::string> data_names = internal::DataColumnNames(base);
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
    actions.removes.push_back(internal::RemovalOf(*f, now, true));
    rules.removed.insert(f->rel_path);
    rows_written += static_cast<int64_t>(data.rows);
    ++out.files_rewritten;
  }
  if (actions.removes.empty()) return out;
  actions.txns = internal::TxnActions(options.write.txns, now);
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
