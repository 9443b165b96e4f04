#include "data/pipeline/pipeline.h"

#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <random>
#include <spdlog/spdlog.h>

#include "data/pipeline/lake_rows.h"
#include "data/pipeline/silver.h"
#include "features/targets.h"
#include "lake/layers/layers.h"
#include "lake/paths.h"
#include "monitoring/standard_metrics.h"

namespace rc::data::pipeline {
namespace {

using lake::layers::LayerTable;

constexpr const char* kWatermarkKey = "source_watermark";
constexpr const char* kPartitionKey = "partition";

std::string PartitionKey(const Symbol& symbol, Timeframe tf) {
  return symbol.str() + "/" + std::string(tf.ToString());
}

std::string NewBatchId(std::string_view provider, TimestampUs fetched_at) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char suffix[17];
  std::snprintf(suffix, sizeof(suffix), "%016llx", static_cast<unsigned long long>(rng()));
  return std::string(provider) + "-" + std::to_string(fetched_at / kMicrosPerSecond) + "-" + suffix;
}

// Per partition, the source watermark recorded by the newest commit of
// `table` that built it (partitions never built are absent). One pass over the
// history serves every partition of a run.
Result<std::map<std::string, int64_t>> RecordedWatermarks(const LayerTable& table) {
  RC_ASSIGN_OR_RETURN(auto history, table.table().History());
  std::map<std::string, int64_t> marks;
  for (const auto& entry : history) {  // oldest first: newer commits overwrite
    boost::system::error_code ec;
    const auto info = boost::json::parse(entry.commit_info_json, ec);
    if (ec || !info.is_object()) continue;
    const auto* lineage = info.as_object().if_contains("lineage");
    if (!lineage || !lineage->is_object()) continue;
    const auto* attrs = lineage->as_object().if_contains("attributes");
    if (!attrs || !attrs->is_object()) continue;
    const auto* part = attrs->as_object().if_contains(kPartitionKey);
    const auto* mark = attrs->as_object().if_contains(kWatermarkKey);
    if (!part || !mark || !part->is_string() || !mark->is_string()) continue;
    try {
      marks[std::string(part->as_string())] = std::stoll(std::string(mark->as_string()));
    } catch (const std::exception&) {
      return DataCorrupt("commit " + std::to_string(entry.version) + " has a non-numeric " + kWatermarkKey);
    }
  }
  return marks;
}

int64_t BuiltFrom(const std::map<std::string, int64_t>& marks, const std::string& partition) {
  auto it = marks.find(partition);
  return it == marks.end() ? -1 : it->second;
}

lake::delta::Lineage MakeLineage(const std::string& source_table, int64_t source_version, const std::string& partition,
                                 int64_t watermark, std::map<std::string, std::string> extra = {}) {
  lake::delta::Lineage lineage;
  lineage.source_versions[source_table] = source_version;
  lineage.attributes = std::move(extra);
  lineage.attributes[kPartitionKey] = partition;
  lineage.attributes[kWatermarkKey] = std::to_string(watermark);
  return lineage;
}

lake::layers::SilverColumns SilverColumnsFor(const features::FeatureSet& set, const std::vector<int>& horizons) {
  lake::layers::SilverColumns columns;
  columns.features = set.ColumnNames();
  for (int h : horizons) columns.targets.push_back(features::TargetColumnName(h));
  return columns;
}

// raw -> bronze for one partition; returns whether it was rebuilt.
Result<bool> RefreshBronze(LayerTable& raw, LayerTable& bronze, const std::map<std::string, int64_t>& built,
                           const Symbol& symbol, Timeframe tf, TimestampUs now, PartitionReport& report) {
  const std::string partition = PartitionKey(symbol, tf);
  RC_ASSIGN_OR_RETURN(int64_t raw_mark, raw.PartitionWatermark(symbol, tf));
  if (raw_mark == BuiltFrom(built, partition)) return false;
  RC_ASSIGN_OR_RETURN(int64_t raw_version, raw.Version());
  RC_ASSIGN_OR_RETURN(lake::ColumnBatch raw_rows, raw.Read(symbol, tf, {.version = raw_version}));
  RC_ASSIGN_OR_RETURN(std::vector<RawRecord> records, RawFromBatch(raw_rows));
  BronzeResult result = BuildBronze(symbol, tf, std::move(records), now);
  RC_ASSIGN_OR_RETURN(lake::ColumnBatch batch, BronzeToBatch(bronze.schema(), symbol, tf, result.bars));
  RC_ASSIGN_OR_RETURN(auto commit,
                      bronze.ReplacePartition(symbol, tf, batch, MakeLineage("raw/bars", raw_version, partition, raw_mark)));
  monitoring::IngestionBarsTotal().WithLabels({"bronze"}).Inc(static_cast<double>(result.bars.size()));
  report.bronze_rebuilt = true;
  report.bronze_version = commit.version;
  report.bronze_rows = static_cast<int64_t>(result.bars.size());
  report.stats = result.stats;
  const auto& s = result.stats;
  spdlog::info("bronze {}: {} bars ({} regular, {} pre, {} post, {} closed), dropped {} forming, {} null, {} invalid, "
               "{} duplicates, {} gaps",
               partition, result.bars.size(), s.regular, s.pre, s.post, s.closed, s.dropped_forming, s.dropped_null,
               s.dropped_invalid, s.duplicates, s.gaps);
  return true;
}

// bronze -> silver for one partition; returns whether it was rebuilt.
Result<bool> RefreshSilver(LayerTable& bronze, LayerTable& silver, const std::map<std::string, int64_t>& built,
                           const Symbol& symbol, Timeframe tf, const features::FeatureSet& set,
                           const std::vector<int>& horizons, TimestampUs now, PartitionReport& report) {
  const std::string partition = PartitionKey(symbol, tf);
  RC_ASSIGN_OR_RETURN(int64_t bronze_mark, bronze.PartitionWatermark(symbol, tf));
  if (bronze_mark == BuiltFrom(built, partition)) return false;
  RC_ASSIGN_OR_RETURN(int64_t bronze_version, bronze.Version());
  RC_ASSIGN_OR_RETURN(lake::ColumnBatch rows, bronze.Read(symbol, tf, {.version = bronze_version}));
  RC_ASSIGN_OR_RETURN(std::vector<BronzeBar> bars, BronzeFromBatch(rows));
  RC_ASSIGN_OR_RETURN(SilverResult result, BuildSilver(symbol, tf, bars, set, horizons));
  RC_ASSIGN_OR_RETURN(lake::ColumnBatch batch, SilverToBatch(silver.schema(), symbol, tf, result));
  RC_ASSIGN_OR_RETURN(auto commit, silver.ReplacePartition(
                                       symbol, tf, batch,
                                       MakeLineage("bronze/bars", bronze_version, partition, bronze_mark,
                                                   {{"feature_set_version", result.feature_set_version}})));
  monitoring::IngestionBarsTotal().WithLabels({"silver"}).Inc(static_cast<double>(result.bars.size()));
  if (!result.bars.empty()) {
    const TimestampUs newest_close = BarCloseTime(symbol, tf, result.bars.back().open_time);
    monitoring::IngestionLagSeconds()
        .WithLabels({symbol.str(), std::string(tf.ToString())})
        .Set(static_cast<double>(now - newest_close) / 1e6);
  }
  report.silver_rebuilt = true;
  report.silver_version = commit.version;
  report.silver_rows = static_cast<int64_t>(result.bars.size());
  spdlog::info("silver {}: {} rows, feature set {}", partition, result.bars.size(), result.feature_set_version);
  return true;
}

}  // namespace

Result<RawCommit> CommitRaw(const std::string& data_dir, const Symbol& symbol, Timeframe tf,
                            const FetchResult& fetched) {
  RawCommit out;
  if (fetched.bars.empty()) return out;
  RC_ASSIGN_OR_RETURN(LayerTable raw, LayerTable::OpenRaw(data_dir));
  const TimestampUs fetched_at = fetched.fetched_at != 0 ? fetched.fetched_at : NowMicros();
  out.batch_id = NewBatchId(fetched.provider, fetched_at);
  std::vector<RawRecord> rows;
  rows.reserve(fetched.bars.size());
  for (const RawBar& bar : fetched.bars) rows.push_back({bar, fetched.provider, fetched_at, out.batch_id});
  RC_ASSIGN_OR_RETURN(lake::ColumnBatch batch, RawToBatch(raw.schema(), symbol, tf, rows));
  lake::delta::Lineage lineage;
  lineage.attributes = {{"batch_id", out.batch_id}, {"provider", fetched.provider}};
  if (!fetched.note.empty()) lineage.attributes["note"] = fetched.note;
  RC_ASSIGN_OR_RETURN(auto commit, raw.Append(batch, lineage));
  monitoring::IngestionBarsTotal().WithLabels({"raw"}).Inc(static_cast<double>(rows.size()));
  out.version = commit.version;
  out.rows = static_cast<int64_t>(rows.size());
  return out;
}

namespace {

// Opens the raw table only when it exists: readers must not create one.
Result<std::optional<LayerTable>> OpenRawIfPresent(const std::string& data_dir) {
  std::error_code ec;
  const std::string table_dir = lake::paths::LayerTableDir(data_dir, lake::paths::Layer::kRaw);
  if (!std::filesystem::is_directory(lake::paths::LogDir(table_dir), ec)) return std::optional<LayerTable>();
  RC_ASSIGN_OR_RETURN(LayerTable raw, LayerTable::OpenRaw(data_dir));
  return std::optional<LayerTable>(std::move(raw));
}

}  // namespace

Result<std::vector<RawBar>> ReadRawBars(const std::string& data_dir, const Symbol& symbol, Timeframe tf) {
  RC_ASSIGN_OR_RETURN(std::optional<LayerTable> raw, OpenRawIfPresent(data_dir));
  if (!raw) return std::vector<RawBar>();
  RC_ASSIGN_OR_RETURN(int64_t mark, raw->PartitionWatermark(symbol, tf));
  if (mark < 0) return std::vector<RawBar>();
  RC_ASSIGN_OR_RETURN(lake::ColumnBatch batch, raw->Read(symbol, tf));
  RC_ASSIGN_OR_RETURN(std::vector<RawRecord> records, RawFromBatch(batch));
  KeepLatestFetch(records);
  std::vector<RawBar> bars;
  bars.reserve(records.size());
  for (RawRecord& record : records) bars.push_back(record.bar);
  return bars;
}

SeriesReader LakeRawReader(std::string data_dir) {
  return [data_dir = std::move(data_dir)](const Symbol& symbol, Timeframe tf) {
    return ReadRawBars(data_dir, symbol, tf);
  };
}

Result<bool> RawLakeIsEmpty(const std::string& data_dir) {
  RC_ASSIGN_OR_RETURN(std::optional<LayerTable> raw, OpenRawIfPresent(data_dir));
  if (!raw) return true;
  RC_ASSIGN_OR_RETURN(auto partitions, raw->Partitions());
  return partitions.empty();
}

Result<std::vector<PartitionReport>> RunPipeline(const PipelineOptions& options) {
  const features::FeatureSet& set = options.feature_set ? *options.feature_set : features::FeatureSet::Default();
  for (int h : options.horizons_minutes) {
    if (h <= 0) return InvalidArgument("horizons_minutes", "horizons must be positive, got " + std::to_string(h));
  }
  const TimestampUs now = options.now != 0 ? options.now : NowMicros();
  RC_ASSIGN_OR_RETURN(LayerTable raw, LayerTable::OpenRaw(options.data_dir));
  RC_ASSIGN_OR_RETURN(LayerTable bronze, LayerTable::OpenBronze(options.data_dir));
  auto silver_opened = LayerTable::OpenSilver(options.data_dir, SilverColumnsFor(set, options.horizons_minutes));
  if (!silver_opened) {
    Error error = silver_opened.error();
    if (error.code == ErrorCode::kConflict) {
      error.message = "data/silver/features exists with other feature or target columns (feature set " + set.name() +
                      ", horizons from HORIZONS_MINUTES): " + error.message;
    }
    return tl::unexpected(error);
  }
  LayerTable silver = std::move(*silver_opened);

  RC_ASSIGN_OR_RETURN(auto partitions, raw.Partitions());
  // Read once: this run commits to each partition only after checking it.
  RC_ASSIGN_OR_RETURN(const auto bronze_built, RecordedWatermarks(bronze));
  RC_ASSIGN_OR_RETURN(const auto silver_built, RecordedWatermarks(silver));
  std::vector<PartitionReport> reports;
  for (const auto& [symbol, tf] : partitions) {
    if (options.symbol && *options.symbol != symbol) continue;
    if (options.timeframe && *options.timeframe != tf) continue;
    PartitionReport report{symbol, tf};
    RC_RETURN_IF_ERROR(RefreshBronze(raw, bronze, bronze_built, symbol, tf, now, report));
    RC_RETURN_IF_ERROR(
        RefreshSilver(bronze, silver, silver_built, symbol, tf, set, options.horizons_minutes, now, report));
    reports.push_back(std::move(report));
  }
  if (reports.empty() && (options.symbol || options.timeframe)) {
    return NotFound("no raw data for " + (options.symbol ? options.symbol->str() : std::string("any symbol")) + " " +
                    (options.timeframe ? std::string(options.timeframe->ToString()) : std::string("")) +
                    " (ingest, import-csv or sim first)");
  }
  return reports;
}

}  // namespace rc::data::pipeline
