#include "lake/layers/layers.h"

#include <algorithm>
#include <numeric>
#include <set>

#include "lake/delta/internal/stats.h"

namespace rc::lake::layers {
namespace {

constexpr ColumnType kStr = ColumnType::kString;
constexpr ColumnType kTs = ColumnType::kTimestampMicros;
constexpr ColumnType kF64 = ColumnType::kDouble;

const std::vector<std::string> kPartitionColumns = {"symbol", "timeframe"};

std::vector<Field> KeyFields() {
  return {{"symbol", kStr, false}, {"timeframe", kStr, false}, {"ts", kTs, false}};
}

bool ValidColumnName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

bool ValidTargetName(const std::string& name) {
  const std::string prefix = "target_ret_";
  if (!name.starts_with(prefix) || !name.ends_with("m")) return false;
  std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - 1);
  if (digits.empty() || digits.size() > 6 || digits[0] == '0') return false;
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  return std::stoi(digits) <= 100000;
}

delta::CreateOptions CreateFor(Schema schema) {
  delta::CreateOptions c;
  c.schema = std::move(schema);
  c.partition_columns = kPartitionColumns;
  return c;
}

// Every symbol/timeframe value must be canonical: they become directory names.
Status CheckKeys(const ColumnBatch& rows) {
  int si = rows.schema().FieldIndex("symbol");
  int ti = rows.schema().FieldIndex("timeframe");
  if (si < 0 || ti < 0) return InvalidArgument("rows", "rows need symbol and timeframe columns");
  if (rows.schema().fields[static_cast<size_t>(si)].type != kStr ||
      rows.schema().fields[static_cast<size_t>(ti)].type != kStr) {
    return InvalidArgument("rows", "symbol and timeframe must be string columns");
  }
  const auto& symbols = rows.Strings(static_cast<size_t>(si));
  const auto& tfs = rows.Strings(static_cast<size_t>(ti));
  std::set<std::string> checked;
  for (size_t r = 0; r < rows.num_rows(); ++r) {
    // A row with the previous row's keys was checked with it (batches come in
    // runs of one partition): no key string is built for it.
    if (r > 0 && symbols[r] == symbols[r - 1] && tfs[r] == tfs[r - 1]) continue;
    if (checked.insert(symbols[r] + '\n' + tfs[r]).second) {
      RC_ASSIGN_OR_RETURN(Symbol s, Symbol::Parse(symbols[r], "symbol"));
      if (s.str() != symbols[r]) return InvalidArgument("symbol", "'" + symbols[r] + "' is not canonical (" + s.str() + ")");
      RC_ASSIGN_OR_RETURN(Timeframe tf, Timeframe::Parse(tfs[r], "timeframe"));
      if (tf.ToString() != tfs[r]) {
        return InvalidArgument("timeframe", "'" + tfs[r] + "' is not canonical (" + std::string(tf.ToString()) + ")");
      }
    }
  }
  return Ok();
}

}  // namespace

Schema RawBarsSchema() {
  std::vector<Field> f = KeyFields();
  for (const char* c : {"open", "high", "low", "close", "volume"}) f.push_back({c, kF64, true});
  f.push_back({"provider", kStr, false});
  f.push_back({"fetched_at", kTs, false});
  f.push_back({"batch_id", kStr, false});
  return Schema{f};
}

Schema BronzeBarsSchema() {
  std::vector<Field> f = KeyFields();
  for (const char* c : {"open", "high", "low", "close"}) f.push_back({c, kF64, false});
  f.push_back({"volume", kF64, true});
  f.push_back({"session", kStr, false});
  f.push_back({"gap_before", ColumnType::kBool, false});
  f.push_back({"provider", kStr, false});
  f.push_back({"batch_id", kStr, false});
  return Schema{f};
}

Schema GoldPredictionsSchema() {
  std::vector<Field> f = KeyFields();
  f.push_back({"horizon_minutes", ColumnType::kInt32, false});
  f.push_back({"target_ts", kTs, false});
  f.push_back({"last_close", kF64, false});
  f.push_back({"expected_close", kF64, false});
  f.push_back({"expected_return", kF64, false});
  for (const char* c : {"lower_50", "upper_50", "lower_80", "upper_80", "lower_95", "upper_95"}) {
    f.push_back({c, kF64, true});
  }
  f.push_back({"regime", kStr, false});
  f.push_back({"regime_confidence", kF64, true});
  f.push_back({"weights_json", kStr, false});
  f.push_back({"experiment_id", kStr, false});
  f.push_back({"degraded", ColumnType::kBool, false});
  f.push_back({"realized_close", kF64, true});
  return Schema{f};
}

Result<Schema> SilverFeaturesSchema(const SilverColumns& columns) {
  std::vector<Field> f = KeyFields();
  for (const char* c : {"open", "high", "low", "close"}) f.push_back({c, kF64, false});
  f.push_back({"volume", kF64, true});
  std::set<std::string> names;
  for (const auto& field : f) names.insert(field.name);
  names.insert("feature_set_version");
  for (const auto& name : columns.features) {
    if (!ValidColumnName(name)) {
      return InvalidArgument("features", "feature column '" + name + "' must match [a-z0-9_]{1,64}");
    }
    if (name.starts_with("target_")) {
      return InvalidArgument("features", "feature column '" + name + "' must not start with target_");
    }
    if (!names.insert(name).second) return InvalidArgument("features", "column '" + name + "' is repeated or reserved");
    f.push_back({name, kF64, true});
  }
  for (const auto& name : columns.targets) {
    if (!ValidTargetName(name)) {
      return InvalidArgument("targets", "target column '" + name + "' must be named target_ret_<minutes>m");
    }
    if (!names.insert(name).second) return InvalidArgument("targets", "column '" + name + "' is repeated");
    f.push_back({name, kF64, true});
  }
  f.push_back({"feature_set_version", kStr, false});
  return Schema{f};
}

Result<LayerTable> LayerTable::OpenFixed(paths::Layer layer, const std::string& data_dir, Schema schema,
                                         delta::TableOptions options) {
  std::string dir = paths::LayerTableDir(data_dir, layer);
  RC_ASSIGN_OR_RETURN(delta::Table table, delta::Table::OpenOrCreate(dir, CreateFor(schema), std::move(options)));
  return LayerTable(layer, std::move(table), std::move(schema));
}

Result<LayerTable> LayerTable::OpenRaw(const std::string& data_dir, delta::TableOptions options) {
  return OpenFixed(paths::Layer::kRaw, data_dir, RawBarsSchema(), std::move(options));
}

Result<LayerTable> LayerTable::OpenBronze(const std::string& data_dir, delta::TableOptions options) {
  return OpenFixed(paths::Layer::kBronze, data_dir, BronzeBarsSchema(), std::move(options));
}

Result<LayerTable> LayerTable::OpenGold(const std::string& data_dir, delta::TableOptions options) {
  return OpenFixed(paths::Layer::kGold, data_dir, GoldPredictionsSchema(), std::move(options));
}

Result<LayerTable> LayerTable::OpenSilver(const std::string& data_dir, const SilverColumns& columns,
                                          delta::TableOptions options) {
  RC_ASSIGN_OR_RETURN(Schema schema, SilverFeaturesSchema(columns));
  return OpenFixed(paths::Layer::kSilver, data_dir, std::move(schema), std::move(options));
}

Result<LayerTable> LayerTable::OpenSilverExisting(const std::string& data_dir, delta::TableOptions options) {
  std::string dir = paths::LayerTableDir(data_dir, paths::Layer::kSilver);
  RC_ASSIGN_OR_RETURN(delta::Table table, delta::Table::Open(dir, std::move(options)));
  RC_ASSIGN_OR_RETURN(auto snap, table.Latest());
  if (snap->partition_columns() != kPartitionColumns) {
    return DataCorrupt("silver table '" + dir + "' is not partitioned by symbol, timeframe", "partition_columns");
  }
  Schema schema = snap->schema();
  return LayerTable(paths::Layer::kSilver, std::move(table), std::move(schema));
}

Result<delta::CommitResult> LayerTable::Append(const ColumnBatch& rows, const delta::Lineage& lineage) {
  RC_RETURN_IF_ERROR(rows.Validate());
  RC_RETURN_IF_ERROR(CheckKeys(rows));
  return table_.Append(rows, {.lineage = lineage});
}

Result<delta::CommitResult> LayerTable::Append(ColumnBatch&& rows, const delta::Lineage& lineage) {
  RC_RETURN_IF_ERROR(rows.Validate());
  RC_RETURN_IF_ERROR(CheckKeys(rows));
  return table_.Append(std::move(rows), {.lineage = lineage});
}

namespace {
constexpr std::string_view kWatermarkAppPrefix = "regimecast.watermark/";

// The (symbol, timeframe) partition values of a live file, if both are set.
std::optional<std::pair<std::string, std::string>> PartitionKeyOf(const delta::LiveFile& file) {
  const auto& values = file.add.partition_values;
  auto sym = values.find("symbol");
  auto tfv = values.find("timeframe");
  if (sym == values.end() || tfv == values.end() || !sym->second || !tfv->second) return std::nullopt;
  return std::make_pair(*sym->second, *tfv->second);
}

// The write options of a batch commit of `staged` partitions recording each
// one's source watermark as a txn. Errors: kInvalidArgument
// ("source_watermarks") for a watermark < -1 or of a partition not staged.
template <typename Staged>
Result<delta::WriteOptions> WatermarkWrite(const std::vector<Staged>& staged,
                                           const std::map<std::string, int64_t>& source_watermarks,
                                           const delta::Lineage& lineage) {
  delta::WriteOptions write{.lineage = lineage};
  std::set<std::string> keys;
  for (const auto& s : staged) {
    auto sym = s.partition.find("symbol");
    auto tfv = s.partition.find("timeframe");
    if (sym != s.partition.end() && tfv != s.partition.end() && sym->second && tfv->second) {
      keys.insert(*sym->second + "/" + *tfv->second);
    }
  }
  for (const auto& [key, mark] : source_watermarks) {
    if (mark < -1) return InvalidArgument("source_watermarks", "watermark of '" + key + "' must be >= -1");
    if (keys.count(key) == 0) {
      return InvalidArgument("source_watermarks", "partition '" + key + "' has a watermark but was not staged");
    }
    // txn versions are non-negative; -1 (an empty source partition) becomes 0.
    write.txns[std::string(kWatermarkAppPrefix) + key] = mark + 1;
  }
  return write;
}

// One commit of `staged` partitions by `commit` (a delta::Table batch commit)
// recording their source watermarks; the staged files are removed when the
// watermarks are refused.
template <typename Staged>
Result<delta::CommitResult> CommitWithWatermarks(
    delta::Table& table, const delta::Snapshot& base, std::vector<Staged> staged,
    const std::map<std::string, int64_t>& source_watermarks, const delta::Lineage& lineage,
    Result<delta::CommitResult> (delta::Table::*commit)(const delta::Snapshot&, std::vector<Staged>,
                                                        const delta::WriteOptions&)) {
  auto write = WatermarkWrite(staged, source_watermarks, lineage);
  if (!write) {
    table.DiscardStaged(staged);
    return tl::unexpected(write.error());
  }
  return (table.*commit)(base, std::move(staged), *write);
}
}  // namespace

delta::PartitionValueMap LayerTable::SeriesPartition(const Symbol& symbol, const Timeframe& timeframe) {
  return {{"symbol", symbol.str()}, {"timeframe", std::string(timeframe.ToString())}};
}

std::string LayerTable::PartitionKey(const Symbol& symbol, const Timeframe& timeframe) {
  return symbol.str() + "/" + std::string(timeframe.ToString());
}

Result<delta::CommitResult> LayerTable::ReplacePartition(const Symbol& symbol, const Timeframe& timeframe,
                                                         const ColumnBatch& rows, const delta::Lineage& lineage,
                                                         std::optional<int64_t> source_watermark) {
  RC_RETURN_IF_ERROR(rows.Validate());
  if (rows.num_rows() > 0) RC_RETURN_IF_ERROR(CheckKeys(rows));
  delta::WriteOptions write{.lineage = lineage};
  if (source_watermark) {
    if (*source_watermark < -1) return InvalidArgument("source_watermark", "must be >= -1");
    // txn versions are non-negative; -1 (an empty source partition) becomes 0.
    write.txns[std::string(kWatermarkAppPrefix) + PartitionKey(symbol, timeframe)] = *source_watermark + 1;
  }
  const delta::PartitionValueMap partition = SeriesPartition(symbol, timeframe);
  return table_.ReplacePartitions({partition}, rows, write);
}

Result<delta::StagedPartition> LayerTable::StagePartition(const delta::Snapshot& base, const Symbol& symbol,
                                                          const Timeframe& timeframe, ColumnBatch rows) const {
  RC_RETURN_IF_ERROR(rows.Validate());
  if (rows.num_rows() > 0) RC_RETURN_IF_ERROR(CheckKeys(rows));
  const delta::PartitionValueMap partition = SeriesPartition(symbol, timeframe);
  return table_.StagePartition(base, partition, std::move(rows));
}

Result<delta::StagedPartition> LayerTable::StagePartitionChunks(const delta::Snapshot& base, const Symbol& symbol,
                                                                const Timeframe& timeframe,
                                                                const delta::Table::ChunkSource& next) const {
  return table_.StagePartitionChunks(base, SeriesPartition(symbol, timeframe), next);
}

Result<delta::CommitResult> LayerTable::CommitStaged(const delta::Snapshot& base,
                                                     std::vector<delta::StagedPartition> staged,
                                                     const std::map<std::string, int64_t>& source_watermarks,
                                                     const delta::Lineage& lineage) {
  return CommitWithWatermarks(table_, base, std::move(staged), source_watermarks, lineage,
                              &delta::Table::CommitStagedPartitions);
}

Result<delta::StagedAppend> LayerTable::StageAppend(const delta::Snapshot& base, const Symbol& symbol,
                                                    const Timeframe& timeframe, int64_t tail_from,
                                                    const AppendBuilder& build) const {
  const delta::PartitionValueMap partition = SeriesPartition(symbol, timeframe);
  return table_.StageAppend(base, partition, {.time_column = "ts", .time_min = tail_from}, build);
}

Result<delta::CommitResult> LayerTable::CommitAppends(const delta::Snapshot& base,
                                                      std::vector<delta::StagedAppend> staged,
                                                      const std::map<std::string, int64_t>& source_watermarks,
                                                      const delta::Lineage& lineage) {
  return CommitWithWatermarks(table_, base, std::move(staged), source_watermarks, lineage,
                              &delta::Table::CommitAppends);
}

std::map<std::string, int64_t> LayerTable::PartitionWatermarks(const delta::Snapshot& snapshot) {
  std::map<std::string, int64_t> marks;
  for (const auto& [path, file] : snapshot.files) {
    const auto& values = file.add.partition_values;
    auto sym = values.find("symbol");
    auto tfv = values.find("timeframe");
    if (sym == values.end() || tfv == values.end() || !sym->second || !tfv->second) continue;
    int64_t& mark = marks.try_emplace(*sym->second + "/" + *tfv->second, -1).first->second;
    mark = std::max(mark, file.data_version());
  }
  return marks;
}

Result<std::map<std::string, int64_t>> LayerTable::RecordedWatermarks() const {
  RC_ASSIGN_OR_RETURN(auto snapshot, table_.Latest());
  return RecordedWatermarksAt(*snapshot);
}

std::map<std::string, int64_t> LayerTable::RecordedWatermarksAt(const delta::Snapshot& snapshot) {
  std::map<std::string, int64_t> marks;
  for (const auto& [app, version] : snapshot.txn_versions) {
    if (app.starts_with(kWatermarkAppPrefix)) marks[app.substr(kWatermarkAppPrefix.size())] = version - 1;
  }
  return marks;
}

int64_t WatermarkIn(const std::map<std::string, int64_t>& marks, const std::string& key) {
  auto it = marks.find(key);
  return it == marks.end() ? -1 : it->second;
}

std::optional<int64_t> LayerTable::EarliestTsChangedAfter(const delta::Snapshot& snapshot, const Symbol& symbol,
                                                          const Timeframe& timeframe, int64_t version) {
  const int ts_idx = snapshot.schema().FieldIndex("ts");
  std::optional<int64_t> earliest;
  for (const delta::LiveFile* file : snapshot.PartitionFiles(SeriesPartition(symbol, timeframe))) {
    if (file->data_version() <= version) continue;
    std::optional<delta::internal::TimeBounds> bounds;
    if (ts_idx >= 0) {
      bounds = delta::internal::ReadTimeBounds(file->add.stats, "ts",
                                               snapshot.schema().fields[static_cast<size_t>(ts_idx)].type);
    }
    const int64_t low = bounds ? bounds->min : INT64_MIN;
    earliest = earliest ? std::min(*earliest, low) : low;
  }
  return earliest;
}

Result<std::optional<delta::CompactResult>> LayerTable::CompactIfFragmented(const Symbol& symbol,
                                                                            const Timeframe& timeframe,
                                                                            int64_t max_files) {
  if (max_files < 1) return InvalidArgument("max_files", "must be >= 1, got " + std::to_string(max_files));
  RC_ASSIGN_OR_RETURN(auto snapshot, table_.Latest());
  const delta::PartitionValueMap partition = SeriesPartition(symbol, timeframe);
  const auto files = static_cast<int64_t>(snapshot->PartitionFiles(partition).size());
  if (files <= max_files) return std::optional<delta::CompactResult>();
  delta::CompactOptions options;
  options.partition = partition;
  options.write.lineage.attributes["reason"] =
      "partition held " + std::to_string(files) + " files (more than " + std::to_string(max_files) + ")";
  RC_ASSIGN_OR_RETURN(delta::CompactResult result, table_.Compact(options));
  return std::optional<delta::CompactResult>(std::move(result));
}

Result<ColumnBatch> LayerTable::Read(const Symbol& symbol, const Timeframe& timeframe,
                                     const ReadOptions& options) const {
  std::shared_ptr<const delta::Snapshot> snap;
  if (options.version) {
    RC_ASSIGN_OR_RETURN(snap, table_.AtVersion(*options.version));
  } else {
    RC_ASSIGN_OR_RETURN(snap, table_.Latest());
  }
  return ReadAt(*snap, symbol, timeframe, options);
}

Result<ColumnBatch> LayerTable::ReadAt(const delta::Snapshot& snapshot, const Symbol& symbol,
                                       const Timeframe& timeframe, const ReadOptions& options) const {
  delta::ScanOptions scan;
  scan.partition_filter = SeriesPartition(symbol, timeframe);
  scan.columns = options.columns;
  bool added_ts = false;
  if (!scan.columns.empty() && std::find(scan.columns.begin(), scan.columns.end(), "ts") == scan.columns.end()) {
    scan.columns.push_back("ts");
    added_ts = true;
  }
  if (options.from || options.to) {
    scan.time_column = "ts";
    scan.time_min = options.from.value_or(INT64_MIN);
    scan.time_max = options.to.value_or(INT64_MAX);
  }
  RC_ASSIGN_OR_RETURN(ColumnBatch rows, table_.Scan(snapshot, scan));
  // Rows already in time order (files are written sorted) are returned as
  // scanned, not copied.
  const auto& ts = rows.Int64s(static_cast<size_t>(rows.schema().FieldIndex("ts")));
  if (!std::is_sorted(ts.begin(), ts.end())) {
    RC_ASSIGN_OR_RETURN(rows, SortByTime(rows, "ts"));
  }
  if (added_ts) return rows.Project(options.columns);
  return rows;
}

Result<int64_t> LayerTable::Version() const {
  RC_ASSIGN_OR_RETURN(auto snap, table_.Latest());
  return snap->version;
}


Result<int64_t> LayerTable::PartitionWatermark(const Symbol& symbol, const Timeframe& timeframe) const {
  RC_ASSIGN_OR_RETURN(auto snapshot, table_.Latest());
  int64_t newest = -1;
  for (const delta::LiveFile* file : snapshot->PartitionFiles(SeriesPartition(symbol, timeframe))) {
    newest = std::max(newest, file->data_version());
  }
  return newest;
}

Result<std::vector<std::pair<Symbol, Timeframe>>> LayerTable::Partitions() const {
  RC_ASSIGN_OR_RETURN(auto snapshot, table_.Latest());
  return PartitionsAt(*snapshot);
}

Result<std::vector<std::pair<Symbol, Timeframe>>> LayerTable::PartitionsAt(const delta::Snapshot& snapshot) {
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& [path, file] : snapshot.files) {
    if (auto key = PartitionKeyOf(file)) seen.insert(std::move(*key));
  }
  std::vector<std::pair<Symbol, Timeframe>> out;
  for (const auto& [sym, tf] : seen) {
    auto symbol = Symbol::Parse(sym, "partition symbol");
    auto timeframe = Timeframe::Parse(tf, "partition timeframe");
    if (!symbol || !timeframe) {
      return DataCorrupt("partition symbol=" + sym + "/timeframe=" + tf + " is not canonical", "partition");
    }
    out.emplace_back(*symbol, *timeframe);
  }
  return out;
}

Result<ColumnBatch> SortByTime(const ColumnBatch& batch, const std::string& column) {
  int idx = batch.schema().FieldIndex(column);
  if (idx < 0) return NotFound("column '" + column + "'");
  ColumnType type = batch.schema().fields[static_cast<size_t>(idx)].type;
  if (type != ColumnType::kTimestampMicros && type != ColumnType::kInt64) {
    return InvalidArgument(column, "sort column must be a timestamp or long");
  }
  const auto& ts = batch.Int64s(static_cast<size_t>(idx));
  if (std::is_sorted(ts.begin(), ts.end())) return batch;
  std::vector<size_t> order(batch.num_rows());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&ts](size_t a, size_t b) { return ts[a] < ts[b]; });
  return batch.Take(order);
}

}  // namespace rc::lake::layers
