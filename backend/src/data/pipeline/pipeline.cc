#include "data/pipeline/pipeline.h"

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <thread>
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

std::string NewBatchId(std::string_view provider, TimestampUs fetched_at) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char suffix[17];
  std::snprintf(suffix, sizeof(suffix), "%016llx", static_cast<unsigned long long>(rng()));
  return std::string(provider) + "-" + std::to_string(fetched_at / kMicrosPerSecond) + "-" + suffix;
}

// Per partition, the source watermark recorded by the newest commit of
// `table` that built it (partitions never built are absent): the txn actions
// of the latest snapshot (they survive checkpoints and log cleanup). Tables
// built before watermarks were txn actions keep them only in commitInfo: for
// partitions without a txn, one pass over the retained history fills them in.
Result<std::map<std::string, int64_t>> RecordedWatermarks(const LayerTable& table) {
  RC_ASSIGN_OR_RETURN(auto marks, table.RecordedWatermarks());
  RC_ASSIGN_OR_RETURN(auto partitions, table.Partitions());
  const bool all_recorded = std::all_of(partitions.begin(), partitions.end(), [&marks](const auto& partition) {
    return marks.count(LayerTable::PartitionKey(partition.first, partition.second)) != 0;
  });
  if (all_recorded) return marks;
  const std::map<std::string, int64_t> from_txns = marks;
  RC_ASSIGN_OR_RETURN(auto history, table.table().History());
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
  for (const auto& [partition, mark] : from_txns) marks[partition] = mark;  // txns are never older
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

// raw -> bronze for one partition; returns the bars committed when it was
// rebuilt (silver then starts from them instead of reading them back), or
// nullopt when bronze was up to date.
Result<std::optional<std::vector<BronzeBar>>> RefreshBronze(LayerTable& raw, LayerTable& bronze,
                                                            const std::map<std::string, int64_t>& built,
                                                            const Symbol& symbol, Timeframe tf, TimestampUs now,
                                                            PartitionReport& report) {
  const std::string partition = LayerTable::PartitionKey(symbol, tf);
  RC_ASSIGN_OR_RETURN(int64_t raw_mark, raw.PartitionWatermark(symbol, tf));
  if (raw_mark == BuiltFrom(built, partition)) return std::nullopt;
  RC_ASSIGN_OR_RETURN(int64_t raw_version, raw.Version());
  RC_ASSIGN_OR_RETURN(lake::ColumnBatch raw_rows, raw.Read(symbol, tf, {.version = raw_version}));
  RC_ASSIGN_OR_RETURN(std::vector<RawRecord> records, RawFromBatch(raw_rows));
  BronzeResult result = BuildBronze(symbol, tf, std::move(records), now);
  RC_ASSIGN_OR_RETURN(lake::ColumnBatch batch, BronzeToBatch(bronze.schema(), symbol, tf, result.bars));
  RC_ASSIGN_OR_RETURN(auto commit, bronze.ReplacePartition(symbol, tf, batch,
                                                           MakeLineage("raw/bars", raw_version, partition, raw_mark),
                                                           raw_mark));
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
  return std::optional<std::vector<BronzeBar>>(std::move(result.bars));
}

// bronze -> silver for one partition; returns whether it was rebuilt.
// `just_built` holds the partition's bars when this run rebuilt bronze (the
// same rows, in the same ts order, that reading bronze back would give).
Result<bool> RefreshSilver(LayerTable& bronze, LayerTable& silver, const std::map<std::string, int64_t>& built,
                           const Symbol& symbol, Timeframe tf, const features::FeatureSet& set,
                           const std::vector<int>& horizons, TimestampUs now,
                           std::optional<std::vector<BronzeBar>> just_built, PartitionReport& report) {
  const std::string partition = LayerTable::PartitionKey(symbol, tf);
  RC_ASSIGN_OR_RETURN(int64_t bronze_mark, bronze.PartitionWatermark(symbol, tf));
  if (bronze_mark == BuiltFrom(built, partition)) return false;
  RC_ASSIGN_OR_RETURN(int64_t bronze_version, bronze.Version());
  std::vector<BronzeBar> bars;
  if (just_built) {
    bars = std::move(*just_built);
  } else {
    RC_ASSIGN_OR_RETURN(lake::ColumnBatch rows, bronze.Read(symbol, tf, {.version = bronze_version}));
    RC_ASSIGN_OR_RETURN(bars, BronzeFromBatch(rows));
  }
  RC_ASSIGN_OR_RETURN(SilverResult result, BuildSilver(symbol, tf, bars, set, horizons));
  const size_t silver_rows = result.bars.size();
  const std::optional<TimestampUs> newest_open =
      result.bars.empty() ? std::nullopt : std::optional<TimestampUs>(result.bars.back().open_time);
  const std::string feature_set_version = result.feature_set_version;
  RC_ASSIGN_OR_RETURN(lake::ColumnBatch batch, SilverToBatch(silver.schema(), symbol, tf, std::move(result)));
  RC_ASSIGN_OR_RETURN(auto commit, silver.ReplacePartition(
                                       symbol, tf, batch,
                                       MakeLineage("bronze/bars", bronze_version, partition, bronze_mark,
                                                   {{"feature_set_version", feature_set_version}}),
                                       bronze_mark));
  monitoring::IngestionBarsTotal().WithLabels({"silver"}).Inc(static_cast<double>(silver_rows));
  if (newest_open) {
    const TimestampUs newest_close = BarCloseTime(symbol, tf, *newest_open);
    monitoring::IngestionLagSeconds()
        .WithLabels({symbol.str(), std::string(tf.ToString())})
        .Set(static_cast<double>(now - newest_close) / 1e6);
  }
  report.silver_rebuilt = true;
  report.silver_version = commit.version;
  report.silver_rows = static_cast<int64_t>(silver_rows);
  spdlog::info("silver {}: {} rows, feature set {}", partition, silver_rows, feature_set_version);
  return true;
}

// Workers for `partitions` partitions: options.workers, or two per core (at
// most kMaxDefaultWorkers), never more than there are partitions. Two per
// core because a worker spends much of a small partition waiting for fsync
// (data file, its directory, the commit, the log directory): with 500
// partitions of 2,000 bars on 2 cores, 4 workers took 8.9 s wall, 2 took
// 15.1 s and 1 took 49.8 s (docs/benchmarks.md).
constexpr int kMaxDefaultWorkers = 8;
size_t PipelineWorkers(const PipelineOptions& options, size_t partitions) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int wanted = options.workers > 0 ? options.workers : std::min(2 * cores, kMaxDefaultWorkers);
  return std::max<size_t>(1, std::min(static_cast<size_t>(wanted), partitions));
}

// Runs job(0..count-1) on `workers` threads (the caller's thread is one of
// them), each taking the next index. After the first error no new job starts;
// that error is returned (the lowest index's when several failed).
Status ForEachInParallel(size_t count, size_t workers, const std::function<Status(size_t)>& job) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::optional<Error>> errors(count);
  auto work = [&] {
    for (size_t idx = next++; idx < count && !failed; idx = next++) {
      Status status = job(idx);
      if (!status) {
        errors[idx] = status.error();
        failed = true;
      }
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 1; t < workers; ++t) threads.emplace_back(work);
  work();
  for (std::thread& thread : threads) thread.join();
  for (auto& error : errors) {
    if (error) return tl::unexpected(std::move(*error));
  }
  return Ok();
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
  if (options.workers < 0) return InvalidArgument("workers", "must be >= 0 (0 = two per core), got " +
                                                              std::to_string(options.workers));
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
  std::vector<std::pair<Symbol, Timeframe>> selected;
  for (const auto& [symbol, tf] : partitions) {
    if (options.symbol && *options.symbol != symbol) continue;
    if (options.timeframe && *options.timeframe != tf) continue;
    selected.emplace_back(symbol, tf);
  }
  std::vector<PartitionReport> reports;
  for (const auto& [symbol, tf] : selected) reports.push_back(PartitionReport{symbol, tf});
  // Partitions are independent series: up to `workers` of them are built at
  // once, each worker taking the next one. Commits to one table from several
  // workers are Delta's concurrent writers on disjoint partitions (a lost
  // race retries as the next version, no conflict).
  auto refresh = [&](size_t idx) -> Status {
    const auto& [symbol, tf] = selected[idx];
    PartitionReport& report = reports[idx];
    RC_ASSIGN_OR_RETURN(auto bronze_bars, RefreshBronze(raw, bronze, bronze_built, symbol, tf, now, report));
    RC_RETURN_IF_ERROR(RefreshSilver(bronze, silver, silver_built, symbol, tf, set, options.horizons_minutes, now,
                                     std::move(bronze_bars), report));
    return Ok();
  };
  RC_RETURN_IF_ERROR(ForEachInParallel(selected.size(), PipelineWorkers(options, selected.size()), refresh));
  if (reports.empty() && (options.symbol || options.timeframe)) {
    return NotFound("no raw data for " + (options.symbol ? options.symbol->str() : std::string("any symbol")) + " " +
                    (options.timeframe ? std::string(options.timeframe->ToString()) : std::string("")) +
                    " (ingest, import-csv or sim first)");
  }
  return reports;
}

}  // namespace rc::data::pipeline
