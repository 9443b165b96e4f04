// Table's writes: appends, partition replacement and staged (chunked) writes,
// and the data-file writer they share with compaction. The rest of Table:
// lake/delta/internal/table_support.h.
#include "lake/delta/table.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <optional>
#include <set>

#include "core/build_info.h"
#include "core/parallel.h"
#include "core/strings.h"
#include "lake/delta/internal/stats.h"
#include "lake/delta/internal/table_support.h"
#include "lake/paths.h"

namespace rc::lake::delta {
namespace json = boost::json;

namespace {

std::string CodecName(parquet::Codec codec) {
  switch (codec) {
    case parquet::Codec::kUncompressed: return "";
    case parquet::Codec::kSnappy: return "snappy";
    case parquet::Codec::kGzip: return "gz";
    case parquet::Codec::kZstd: return "zstd";
  }
  return "";
}

Status ValidateTxns(const std::map<std::string, int64_t>& txns) {
  for (const auto& [app, version] : txns) {
    if (app.empty() || !IsValidUtf8(app)) return InvalidArgument("txns", "appId must be non-empty UTF-8");
    if (version < 0) return InvalidArgument("txns", "version of '" + app + "' must be >= 0");
  }
  return Ok();
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

// Threads that write the files of one commit's partitions.
constexpr size_t kWriteThreads = 4;

}  // namespace

// Writes data-file rows of one partition as files of at most
// max_rows_per_file rows, each chunk of rows one Parquet row group (a chunk
// that straddles a file's end is split): the rows of one batch
// (StagePartition, appends: one chunk) or of a ChunkSource
// (StagePartitionChunks). Data files are fsynced, then their directory.
Result<std::vector<AddFile>> Table::DataFile::Write(const Table& table, const Snapshot& snap,
                                                    const PartitionValueMap& values, const ColumnBatch& data,
                                                    bool data_change, bool staging) {
  bool given = false;
  NextChunk once = [&data, &given]() -> Result<const ColumnBatch*> {
    if (given) return nullptr;
    given = true;
    return &data;
  };
  int64_t rows_written = 0;
  return WriteChunks(table, snap, values, data.schema(), once, data_change, rows_written, staging);
}

Result<std::vector<AddFile>> Table::DataFile::Write(const Table& table, const Snapshot& snap,
                                                    const PartitionValueMap& values, const ChunkSource& next,
                                                    int64_t& rows_written, bool staging) {
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

Result<std::vector<AddFile>> Table::DataFile::WriteChunks(const Table& table, const Snapshot& snap,
                                                          const PartitionValueMap& values, const Schema& schema,
                                                          const NextChunk& next, bool data_change,
                                                          int64_t& rows_written, bool staging) {
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
    internal::RemoveUncommittedFiles(fs, table.dir_, adds);
    return tl::unexpected(std::move(error));
  };
  auto first = have_rows();
  if (!first) return fail(first.error());
  if (!*first) return adds;  // no rows: no files (the partition is emptied)
  paths::PartitionValues ordered;
  for (const auto& c : snap.partition_columns()) ordered.emplace_back(c, internal::PartitionValueOf(values, c));
  std::string rel_dir = paths::PartitionDir(ordered);
  std::string abs_dir = table.dir_;
  if (!rel_dir.empty()) {
    auto joined = paths::JoinInTable(table.dir_, rel_dir);
    if (!joined) return fail(joined.error());
    abs_dir = *joined;
  }
  if (auto made = internal::EnsureDir(fs, abs_dir, staging ? &table.dir_ : nullptr); !made) return fail(made.error());
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

Result<std::vector<AddFile>> Table::WriteDataFiles(const Snapshot& snap, const ColumnBatch& rows, bool data_change,
                                                   ColumnBatch* given_up) const {
  RC_ASSIGN_OR_RETURN(std::vector<Group> groups, GroupByPartition(snap, rows));
  const std::vector<std::string> data_names = internal::DataColumnNames(snap);
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
      internal::RemoveUncommittedFiles(fs(), dir_, adds);  // the partitions written
      return tl::unexpected(std::move(*error));
    }
  }
  return adds;
}


Result<CommitResult> Table::Append(const ColumnBatch& rows, const WriteOptions& options) {
  return AppendRows(rows, nullptr, options);
}

Result<CommitResult> Table::Append(ColumnBatch&& rows, const WriteOptions& options) {
  return AppendRows(rows, &rows, options);
}

Result<CommitResult> Table::AppendRows(const ColumnBatch& rows, ColumnBatch* given_up, const WriteOptions& options) {
  RC_RETURN_IF_ERROR(internal::ValidateLineage(options.lineage));
  RC_RETURN_IF_ERROR(ValidateTxns(options.txns));
  RC_ASSIGN_OR_RETURN(auto snap, Latest());
  RC_RETURN_IF_ERROR(internal::CheckWritable(*snap, false));
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
  actions.txns = internal::TxnActions(options.txns, NowMs());
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


Result<CommitResult> Table::ReplacePartitions(const std::vector<PartitionValueMap>& partitions,
                                              const ColumnBatch& rows, const WriteOptions& options) {
  RC_RETURN_IF_ERROR(internal::ValidateLineage(options.lineage));
  RC_RETURN_IF_ERROR(ValidateTxns(options.txns));
  RC_ASSIGN_OR_RETURN(auto snap, Latest());
  RC_RETURN_IF_ERROR(internal::CheckWritable(*snap, true));
  const auto& pcols = snap->partition_columns();
  RC_RETURN_IF_ERROR(internal::ValidatePartitionMaps(partitions, pcols, dir_));
  RC_ASSIGN_OR_RETURN(std::optional<ColumnBatch> reordered, ConformRows(snap->schema(), rows));
  const ColumnBatch& conformed = reordered ? *reordered : rows;
  RC_ASSIGN_OR_RETURN(std::vector<Group> groups, GroupByPartition(*snap, conformed));
  for (const auto& g : groups) {
    bool listed = std::any_of(partitions.begin(), partitions.end(),
                              [&](const PartitionValueMap& p) { return internal::SamePartition(g.values, p, pcols); });
    if (!listed) {
      return InvalidArgument("rows", "rows of partition '" + internal::DescribePartition(g.values, pcols) +
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
    for (const auto& c : pcols) key.push_back(internal::PartitionValueOf(values, c));
    return key;
  };
  std::set<std::vector<std::optional<std::string>>> replaced;
  for (const auto& p : partitions) replaced.insert(key_of(p));
  const int64_t now = NowMs();
  for (const LiveFile* f : snap.FilesInOrder()) {
    if (replaced.count(key_of(f->add.partition_values)) == 0) continue;
    actions.removes.push_back(internal::RemovalOf(*f, now, true));
    rules.removed.insert(f->rel_path);
  }
  if (actions.adds.empty() && actions.removes.empty()) {
    CommitResult r;
    r.version = snap.version;
    return r;
  }
  actions.txns = internal::TxnActions(options.txns, now);
  json::array parts;
  for (const auto& p : partitions) parts.emplace_back(internal::DescribePartition(p, pcols));
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
  RC_RETURN_IF_ERROR(internal::CheckWritable(base, true));
  const auto& pcols = base.partition_columns();
  RC_RETURN_IF_ERROR(internal::ValidatePartitionMaps({partition}, pcols, dir_));
  RC_ASSIGN_OR_RETURN(std::optional<ColumnBatch> reordered, ConformRows(base.schema(), rows));
  if (reordered) rows = std::move(*reordered);
  StagedPartition staged;
  staged.partition = partition;
  staged.rows = static_cast<int64_t>(rows.num_rows());
  if (rows.num_rows() == 0) return staged;
  RC_ASSIGN_OR_RETURN(std::vector<Group> groups, GroupByPartition(base, rows));
  for (const auto& g : groups) {
    if (!internal::SamePartition(g.values, partition, pcols)) {
      return InvalidArgument("rows", "rows of partition '" + internal::DescribePartition(g.values, pcols) +
                                         "' are not in the partition being staged ('" +
                                         internal::DescribePartition(partition, pcols) + "')");
    }
  }
  // Every row is of `partition` (one group): the data columns move into the
  // file's batch instead of being projected into a copy.
  RC_ASSIGN_OR_RETURN(ColumnBatch data, std::move(rows).Project(internal::DataColumnNames(base)));
  RC_ASSIGN_OR_RETURN(staged.adds,
                      DataFile::Write(*this, base, groups.front().values, data, /*data_change=*/true, /*staging=*/true));
  for (const auto& add : staged.adds) staged.bytes += add.size;
  return staged;
}

Result<StagedPartition> Table::StagePartitionChunks(const Snapshot& base, const PartitionValueMap& partition,
                                                    const ChunkSource& next) const {
  RC_RETURN_IF_ERROR(internal::CheckWritable(base, true));
  RC_RETURN_IF_ERROR(internal::ValidatePartitionMaps({partition}, base.partition_columns(), dir_));
  StagedPartition staged;
  staged.partition = partition;
  RC_ASSIGN_OR_RETURN(staged.adds, DataFile::Write(*this, base, partition, next, staged.rows, /*staging=*/true));
  for (const auto& add : staged.adds) staged.bytes += add.size;
  return staged;
}

void Table::DiscardStaged(const std::vector<StagedPartition>& staged) const {
  for (const auto& s : staged) internal::RemoveUncommittedFiles(fs(), dir_, s.adds);
}

Result<CommitResult> Table::CommitStagedPartitions(const Snapshot& base, std::vector<StagedPartition> staged,
                                                   const WriteOptions& options) {
  std::vector<PartitionValueMap> partitions;
  std::vector<AddFile> adds;
  int64_t rows = 0;
  auto checked = [&]() -> Status {
    RC_RETURN_IF_ERROR(internal::ValidateLineage(options.lineage));
    RC_RETURN_IF_ERROR(ValidateTxns(options.txns));
    RC_RETURN_IF_ERROR(internal::CheckWritable(base, true));
    const auto& pcols = base.partition_columns();
    std::set<std::string> seen;
    for (const auto& s : staged) {
      RC_RETURN_IF_ERROR(internal::ValidatePartitionMaps({s.partition}, pcols, dir_));
      const std::string key = internal::DescribePartition(s.partition, pcols);
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
  RC_RETURN_IF_ERROR(internal::CheckWritable(base, false));
  const auto& pcols = base.partition_columns();
  RC_RETURN_IF_ERROR(internal::ValidatePartitionMaps({partition}, pcols, dir_));
  RC_ASSIGN_OR_RETURN(const ColumnType time_type, internal::DataTimeColumnType(base, tail.time_column, dir_));
  const std::vector<std::string> data_names = internal::DataColumnNames(base);
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
  if (!staged.replaced.empty()) RC_RETURN_IF_ERROR(internal::CheckWritable(base, true));
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
  for (const auto& s : staged) internal::RemoveUncommittedFiles(fs(), dir_, s.adds);
}

Result<CommitResult> Table::CommitAppends(const Snapshot& base, std::vector<StagedAppend> staged,
                                          const WriteOptions& options) {
  CommitActions actions;
  ConflictRules rules;
  rules.replaced.emplace();
  int64_t rows = 0;
  const int64_t now = NowMs();
  auto checked = [&]() -> Status {
    RC_RETURN_IF_ERROR(internal::ValidateLineage(options.lineage));
    RC_RETURN_IF_ERROR(ValidateTxns(options.txns));
    const auto& pcols = base.partition_columns();
    std::set<std::string> seen;
    bool removes = false;
    for (const auto& s : staged) {
      RC_RETURN_IF_ERROR(internal::ValidatePartitionMaps({s.partition}, pcols, dir_));
      const std::string key = internal::DescribePartition(s.partition, pcols);
      if (!seen.insert(key).second) {
        return InvalidArgument("partitions", "partition '" + key + "' is staged twice in one commit");
      }
      removes |= !s.replaced.empty();
    }
    return internal::CheckWritable(base, removes);
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
      actions.removes.push_back(internal::RemovalOf(f, now, true));
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
  actions.txns = internal::TxnActions(options.txns, now);
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


}  // namespace rc::lake::delta
