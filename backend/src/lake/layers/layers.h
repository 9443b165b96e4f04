// File: lake/layers/layers.h
//
// Typed access to the four lake tables of docs/architecture.md §5, each a Delta table
// under DATA_DIR partitioned by (symbol, timeframe). The schemas are defined
// here, once; silver's feature and target columns are given by the caller
// (the features module owns their names).
//
//   RC_ASSIGN_OR_RETURN(auto raw, rc::lake::layers::LayerTable::OpenRaw(settings.data_dir));
//   RC_ASSIGN_OR_RETURN(auto commit, raw.Append(batch, {.attributes = {{"batch_id", id}}}));
//   RC_ASSIGN_OR_RETURN(rc::lake::ColumnBatch bars, raw.Read(symbol, tf, {.from = t0, .to = t1}));
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/symbol.h"
#include "core/timeframe.h"
#include "lake/column_batch.h"
#include "lake/delta/table.h"
#include "lake/paths.h"

namespace rc::lake::layers {

// data/raw/bars: symbol, timeframe, ts, open, high, low, close, volume
// (nullable doubles: bars as the provider returned them), provider,
// fetched_at, batch_id.
Schema RawBarsSchema();
// data/bronze/bars: symbol, timeframe, ts, open, high, low, close (not null),
// volume (nullable), session ("regular" | "pre" | "post"), gap_before,
// provider, batch_id.
Schema BronzeBarsSchema();
// data/gold/predictions: symbol, timeframe, ts (prediction time),
// horizon_minutes (int32), target_ts, last_close, expected_close,
// expected_return, lower_50 .. upper_95 (nullable), regime,
// regime_confidence (nullable), weights_json, experiment_id, degraded,
// realized_close (nullable; filled in later).
Schema GoldPredictionsSchema();

// The caller-given part of silver's schema.
struct SilverColumns {
  std::vector<std::string> features;  // nullable doubles; names [a-z0-9_], 1..64 chars, unique
  std::vector<std::string> targets;   // nullable doubles named target_ret_<H>m (H = minutes, 1..100000)
};
// data/silver/features: symbol, timeframe, ts, open, high, low, close, volume,
// <features...>, <targets...>, feature_set_version. Errors: kInvalidArgument
// (field "features" / "targets") for bad or clashing names.
Result<Schema> SilverFeaturesSchema(const SilverColumns& columns);

struct ReadOptions {
  std::optional<int64_t> from;     // inclusive, UTC micros on ts
  std::optional<int64_t> to;       // inclusive
  std::optional<int64_t> version;  // time travel; default latest
  std::vector<std::string> columns;  // default all (symbol and timeframe included)
};

class LayerTable {
 public:
  // Open <data_dir>/<layer table>, creating it when absent. An existing table
  // must have exactly the layer's schema (kConflict otherwise). Errors also
  // as delta::Table::OpenOrCreate.
  static Result<LayerTable> OpenRaw(const std::string& data_dir, delta::TableOptions options = {});
  static Result<LayerTable> OpenBronze(const std::string& data_dir, delta::TableOptions options = {});
  static Result<LayerTable> OpenGold(const std::string& data_dir, delta::TableOptions options = {});
  static Result<LayerTable> OpenSilver(const std::string& data_dir, const SilverColumns& columns,
                                       delta::TableOptions options = {});
  // Opens silver with whatever feature set it has. Errors: kNotFound when absent.
  static Result<LayerTable> OpenSilverExisting(const std::string& data_dir, delta::TableOptions options = {});

  paths::Layer layer() const { return layer_; }
  const delta::Table& table() const { return table_; }
  delta::Table& table() { return table_; }
  // The table's schema (for silver, including the feature columns).
  const Schema& schema() const { return schema_; }

  // Appends rows (all columns of schema()). Every symbol must be a canonical
  // Symbol and every timeframe a canonical Timeframe (they become directory
  // names). Errors: kInvalidArgument naming the column; as delta::Table::Append.
  Result<delta::CommitResult> Append(const ColumnBatch& rows, const delta::Lineage& lineage = {});
  // The same from a batch about to go away: its columns are moved into the written file, not copied.
  Result<delta::CommitResult> Append(ColumnBatch&& rows, const delta::Lineage& lineage = {});

  // Replaces the whole (symbol, timeframe) partition with `rows` atomically.
  // Every row must be of that symbol and timeframe. Errors: as Append, and
  // kConflict when the partition changed concurrently.
  // With `source_watermark` (the source table's PartitionWatermark this
  // partition was built from, >= -1), the commit also records it as a Delta
  // txn action, read back by RecordedWatermarks().
  Result<delta::CommitResult> ReplacePartition(const Symbol& symbol, const Timeframe& timeframe,
                                               const ColumnBatch& rows, const delta::Lineage& lineage = {},
                                               std::optional<int64_t> source_watermark = std::nullopt);

  // ReplacePartition for many partitions in one commit (delta::Table::
  // StagePartition / CommitStagedPartitions): workers stage partitions in
  // parallel against `base` (a snapshot of this table), then one commit makes
  // them all visible. `source_watermarks` (partition key -> the source's
  // PartitionWatermark, >= -1) are recorded as ReplacePartition records them.
  // Errors: as ReplacePartition; kInvalidArgument ("source_watermarks") for a
  // watermark < -1 or of a partition not staged.
  // `rows` is taken by value (moved into the written files, see delta::Table::StagePartition).
  Result<delta::StagedPartition> StagePartition(const delta::Snapshot& base, const Symbol& symbol,
                                                const Timeframe& timeframe, ColumnBatch rows) const;
  // StagePartition for rows produced in chunks of the data-file schema (no
  // symbol/timeframe columns): delta::Table::StagePartitionChunks.
  Result<delta::StagedPartition> StagePartitionChunks(const delta::Snapshot& base, const Symbol& symbol,
                                                      const Timeframe& timeframe,
                                                      const delta::Table::ChunkSource& next) const;
  Result<delta::CommitResult> CommitStaged(const delta::Snapshot& base, std::vector<delta::StagedPartition> staged,
                                           const std::map<std::string, int64_t>& source_watermarks,
                                           const delta::Lineage& lineage = {});

  // Appends to the (symbol, timeframe) partition's end (delta::Table::
  // StageAppend / CommitAppends): `build` gets the rows of the partition's
  // files that may hold ts >= tail_from (none by default) and returns the
  // batches to write in their place (the table's columns; the partition
  // columns may be left out). CommitAppends records `source_watermarks` as
  // CommitStaged does. Errors: as delta::Table::StageAppend / CommitAppends,
  // and as CommitStaged for the watermarks.
  using AppendBuilder = delta::Table::AppendBuilder;
  Result<delta::StagedAppend> StageAppend(const delta::Snapshot& base, const Symbol& symbol,
                                          const Timeframe& timeframe, int64_t tail_from,
                                          const AppendBuilder& build) const;
  Result<delta::CommitResult> CommitAppends(const delta::Snapshot& base, std::vector<delta::StagedAppend> staged,
                                            const std::map<std::string, int64_t>& source_watermarks,
                                            const delta::Lineage& lineage = {});

  // Rows of one partition, sorted by ts (stable). Errors: kNotFound (version
  // or column), kInvalidArgument (from > to), and scan errors.
  Result<ColumnBatch> Read(const Symbol& symbol, const Timeframe& timeframe, const ReadOptions& options = {}) const;
  // The same at `snapshot` (of this table; options.version is ignored): for
  // callers that hold a snapshot and read many partitions of it.
  Result<ColumnBatch> ReadAt(const delta::Snapshot& snapshot, const Symbol& symbol, const Timeframe& timeframe,
                             const ReadOptions& options = {}) const;

  // Latest version.
  Result<int64_t> Version() const;

  // Every (symbol, timeframe) partition with live files at the latest version,
  // sorted. Errors: kDataCorrupt when a partition value is not a canonical
  // symbol or timeframe; snapshot errors.
  Result<std::vector<std::pair<Symbol, Timeframe>>> Partitions() const;
  // The same at `snapshot` (of any layer table), for a reader pinned to one version.
  static Result<std::vector<std::pair<Symbol, Timeframe>>> PartitionsAt(const delta::Snapshot& snapshot);

  // The newest table version that changed the data of the (symbol,
  // timeframe) partition (the newest LiveFile::data_version of its live files:
  // a compaction does not count), or -1 when it has none: a cheap "has this
  // partition changed since version N" check for incremental consumers.
  Result<int64_t> PartitionWatermark(const Symbol& symbol, const Timeframe& timeframe) const;

  // PartitionWatermark of every partition of `snapshot` in one pass over its
  // files (partition key "SYMBOL/TF" -> watermark; partitions without live
  // files are absent, i.e. -1).
  static std::map<std::string, int64_t> PartitionWatermarks(const delta::Snapshot& snapshot);

  // Per partition ("SYMBOL/TF"), the source watermark recorded by the newest
  // ReplacePartition that gave one. Kept in txn actions (appId
  // "regimecast.watermark/SYMBOL/TF", version = watermark + 1), which Delta
  // checkpoints carry: they survive log cleanup, and reading them costs one
  // snapshot, not a pass over every commit.
  Result<std::map<std::string, int64_t>> RecordedWatermarks() const;
  // The same at `snapshot` (of a layer table).
  static std::map<std::string, int64_t> RecordedWatermarksAt(const delta::Snapshot& snapshot);

  // The smallest ts the live files of the (symbol, timeframe) partition of
  // `snapshot` whose data changed after `version` (LiveFile::data_version) may
  // hold, by their stats (INT64_MIN for a file without ts stats); nullopt when
  // no such file exists. The live loop's "did a bar land before the newest one
  // already built" check, without reading a file.
  static std::optional<int64_t> EarliestTsChangedAfter(const delta::Snapshot& snapshot, const Symbol& symbol,
                                                       const Timeframe& timeframe, int64_t version);
  static std::string PartitionKey(const Symbol& symbol, const Timeframe& timeframe);
  // The Delta partition values of one series ({symbol, timeframe}).
  static delta::PartitionValueMap SeriesPartition(const Symbol& symbol, const Timeframe& timeframe);

  // When the (symbol, timeframe) partition holds more than `max_files` live
  // files, rewrites its small files into one (delta::Table::Compact, data
  // unchanged). For writers that commit often (the gold prediction log).
  // Returns the compaction, or nullopt when the partition was not fragmented.
  // Errors: kInvalidArgument (max_files < 1); as delta::Table::Compact.
  Result<std::optional<delta::CompactResult>> CompactIfFragmented(const Symbol& symbol, const Timeframe& timeframe,
                                                                  int64_t max_files);

 private:
  LayerTable(paths::Layer layer, delta::Table table, Schema schema)
      : layer_(layer), table_(std::move(table)), schema_(std::move(schema)) {}
  static Result<LayerTable> OpenFixed(paths::Layer layer, const std::string& data_dir, Schema schema,
                                      delta::TableOptions options);

  paths::Layer layer_;
  delta::Table table_;
  Schema schema_;
};

// The watermark of partition `key` ("SYMBOL/TF") in a map from LayerTable::PartitionWatermarks
// or RecordedWatermarks: -1 when absent (no live files, or never recorded), the same "nothing
// yet" LayerTable::PartitionWatermark reports, so "built from the current mark" compares plainly.
int64_t WatermarkIn(const std::map<std::string, int64_t>& marks, const std::string& key);

// Sorts `batch` by the timestamp column `column` (stable). Errors: kNotFound.
Result<ColumnBatch> SortByTime(const ColumnBatch& batch, const std::string& column = "ts");

}  // namespace rc::lake::layers
