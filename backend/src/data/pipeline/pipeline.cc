#include "data/pipeline/pipeline.h"

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <span>
#include <thread>
#include <spdlog/spdlog.h>

#include "core/parallel.h"
#include "data/pipeline/lake_rows.h"
#include "data/pipeline/silver.h"
#include "data/pipeline/workers.h"
#include "features/targets.h"
#include "lake/layers/layers.h"
#include "lake/paths.h"
#include "monitoring/standard_metrics.h"

namespace rc::data::pipeline {
namespace {

using lake::layers::LayerTable;
using lake::layers::WatermarkIn;

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

// The lineage of a batch commit: the source version read and, per
// partition, the source watermark it was built from (also in the txn actions).
lake::delta::Lineage MakeBatchLineage(const std::string& source_table, int64_t source_version,
                                      const std::map<std::string, int64_t>& watermarks,
                                      std::map<std::string, std::string> extra = {}) {
  lake::delta::Lineage lineage;
  lineage.source_versions[source_table] = source_version;
  lineage.attributes = std::move(extra);
  lineage.attributes["partitions"] = std::to_string(watermarks.size());
  return lineage;
}

lake::layers::SilverColumns SilverColumnsFor(const features::FeatureSet& set, const std::vector<int>& horizons) {
  lake::layers::SilverColumns columns;
  columns.features = set.ColumnNames();
  for (int h : horizons) columns.targets.push_back(features::TargetColumnName(h));
  return columns;
}

// One partition's work in a batch: what was built and staged, committed
// with the batch's other partitions (one commit per table).
struct PartitionWork {
  std::optional<lake::delta::StagedPartition> bronze;  // staged when bronze was rebuilt
  int64_t raw_mark = -1;                                // the raw watermark bronze was built from
  std::optional<lake::delta::StagedPartition> silver;  // staged when silver was rebuilt
  int64_t bronze_mark = -1;     // bronze's watermark when bronze was not rebuilt (else set at commit)
  std::string feature_set_version;
  std::optional<TimestampUs> newest_open;  // newest silver bar
};

// What one run reads once and every partition's work shares.
struct RunContext {
  const PipelineOptions& options;
  const features::FeatureSet& set;
  TimestampUs now;
  LayerTable& raw;
  LayerTable& bronze;
  LayerTable& silver;
  std::shared_ptr<const lake::delta::Snapshot> raw_snapshot;  // read once per run
  std::map<std::string, int64_t> raw_marks;                   // PartitionWatermarks of raw_snapshot
  std::map<std::string, int64_t> bronze_built;                // recorded watermarks (txns)
  std::map<std::string, int64_t> silver_built;
};

// What a rebuilt bronze partition hands to silver (instead of silver reading
// bronze back): how many bronze rows it has and its regular-session bars.
struct BuiltBronze {
  size_t rows = 0;
  std::vector<Bar> regular;
};

// raw -> bronze for one partition when raw changed since bronze was built:
// stages the new bronze files against `bronze_base` and returns what silver
// starts from; nullopt when bronze was up to date. The raw rows stay columns
// (BuildBronzeFromBatch) and bronze is written in chunks from reused buffers.
Result<std::optional<BuiltBronze>> StageBronze(const RunContext& run, const lake::delta::Snapshot& bronze_base,
                                               const Symbol& symbol, Timeframe tf, PartitionWork& work,
                                               PartitionReport& report) {
  const std::string partition = LayerTable::PartitionKey(symbol, tf);
  work.raw_mark = WatermarkIn(run.raw_marks, partition);
  if (work.raw_mark == WatermarkIn(run.bronze_built, partition)) return std::nullopt;
  RC_ASSIGN_OR_RETURN(lake::ColumnBatch raw_rows,
                      run.raw.ReadAt(*run.raw_snapshot, symbol, tf, {.columns = kRawRecordColumns}));
  RC_ASSIGN_OR_RETURN(BronzeFromRaw result, BuildBronzeFromBatch(symbol, tf, std::move(raw_rows), run.now));
  const std::span<const BronzeRow> rows(result.rows);
  const size_t chunk_rows = static_cast<size_t>(run.options.chunk_rows);
  size_t next_row = 0;
  auto next_chunk = [&](lake::ColumnBatch& chunk) -> Result<bool> {
    if (next_row >= rows.size()) return false;
    const size_t count = std::min(chunk_rows, rows.size() - next_row);
    RC_RETURN_IF_ERROR(FillBronzeChunk(result, rows.subspan(next_row, count), chunk));
    next_row += count;
    return true;
  };
  RC_ASSIGN_OR_RETURN(work.bronze, run.bronze.StagePartitionChunks(bronze_base, symbol, tf, next_chunk));
  report.bronze_rebuilt = true;
  report.bronze_rows = static_cast<int64_t>(rows.size());
  report.stats = result.stats;
  const auto& s = result.stats;
  spdlog::info("bronze {}: {} bars ({} regular, {} pre, {} post, {} closed), dropped {} forming, {} null, {} invalid, "
               "{} duplicates, {} gaps",
               partition, rows.size(), s.regular, s.pre, s.post, s.closed, s.dropped_forming, s.dropped_null,
               s.dropped_invalid, s.duplicates, s.gaps);
  BuiltBronze built;
  built.rows = rows.size();
  built.regular.reserve(static_cast<size_t>(s.regular));
  for (const BronzeRow& row : rows) {
    if (row.session == MarketSession::kRegular) built.regular.push_back(row.bar);
  }
  return std::optional<BuiltBronze>(std::move(built));
}

// bronze -> silver for one partition when bronze changed since silver was
// built (or is being rebuilt in this batch): stages the new silver files
// against `silver_base`. `just_built` is set when this batch rebuilt bronze
// (its regular bars are the ones, in the same order, that reading bronze
// back would give).
Status StageSilver(const RunContext& run, const lake::delta::Snapshot& bronze_base,
                   const std::map<std::string, int64_t>& bronze_marks, const lake::delta::Snapshot& silver_base,
                   const Symbol& symbol, Timeframe tf, std::optional<BuiltBronze> just_built, PartitionWork& work,
                   PartitionReport& report) {
  const std::string partition = LayerTable::PartitionKey(symbol, tf);
  // A rebuilt bronze partition's watermark becomes the batch's bronze commit
  // (-1 when it has no bars): silver needs rebuilding unless both are empty.
  const int64_t bronze_mark =
      just_built ? (just_built->rows == 0 ? -1 : INT64_MAX) : WatermarkIn(bronze_marks, partition);
  work.bronze_mark = bronze_mark;
  if (bronze_mark == WatermarkIn(run.silver_built, partition)) return Ok();
  std::vector<Bar> regular;
  if (just_built) {
    regular = std::move(just_built->regular);
  } else {
    RC_ASSIGN_OR_RETURN(lake::ColumnBatch rows, run.bronze.ReadAt(bronze_base, symbol, tf, {.columns = kBronzeBarColumns}));
    RC_ASSIGN_OR_RETURN(std::vector<BronzeBar> bars, BronzeFromBatch(rows));
    regular = RegularBars(bars);
  }
  // Features are computed chunk by chunk into the written chunk's columns
  // (SilverChunks): memory is bounded by the chunk, not the partition.
  RC_ASSIGN_OR_RETURN(SilverChunks silver,
                      SilverChunks::Start(symbol, tf, std::move(regular), run.set, run.options.horizons_minutes,
                                          static_cast<size_t>(run.options.chunk_rows)));
  const size_t silver_rows = silver.rows();
  work.newest_open = silver.newest_open();
  work.feature_set_version = silver.feature_set_version();
  RC_ASSIGN_OR_RETURN(work.silver,
                      run.silver.StagePartitionChunks(silver_base, symbol, tf, [&silver](lake::ColumnBatch& chunk) {
                        return silver.Next(chunk);
                      }));
  report.silver_rebuilt = true;
  report.silver_rows = static_cast<int64_t>(silver_rows);
  spdlog::info("silver {}: {} rows, feature set {}", partition, silver_rows, work.feature_set_version);
  return Ok();
}

}  // namespace

Result<RawCommit> CommitRaw(const std::string& data_dir, const Symbol& symbol, Timeframe tf,
                            const FetchResult& fetched) {
  RC_ASSIGN_OR_RETURN(std::vector<RawCommit> commits, CommitRawBatch(data_dir, {{symbol, tf, &fetched}}));
  return commits.front();
}

Result<std::vector<RawCommit>> CommitRawBatch(const std::string& data_dir, const std::vector<SeriesFetch>& series) {
  std::vector<RawCommit> out(series.size());
  int64_t total = 0;
  for (const SeriesFetch& s : series) {
    if (s.fetched == nullptr) return InvalidArgument("fetched", "no fetch given for " + s.symbol.str());
    total += static_cast<int64_t>(s.fetched->bars.size());
  }
  if (total == 0) return out;
  RC_ASSIGN_OR_RETURN(LayerTable raw, LayerTable::OpenRaw(data_dir));
  lake::ColumnBatch all(raw.schema());
  lake::delta::Lineage lineage;
  std::set<std::string> providers;
  for (size_t i = 0; i < series.size(); ++i) {
    const FetchResult& fetched = *series[i].fetched;
    if (fetched.bars.empty()) continue;
    const TimestampUs fetched_at = fetched.fetched_at != 0 ? fetched.fetched_at : NowMicros();
    out[i].batch_id = NewBatchId(fetched.provider, fetched_at);
    RC_ASSIGN_OR_RETURN(lake::ColumnBatch batch, RawToBatch(raw.schema(), series[i].symbol, series[i].timeframe,
                                                            fetched.bars, fetched.provider, fetched_at,
                                                            out[i].batch_id));
    if (all.num_rows() == 0) {
      all = std::move(batch);  // one series (import-csv, ingest): no copy
    } else {
      RC_RETURN_IF_ERROR(all.Append(batch));
    }
    out[i].rows = static_cast<int64_t>(fetched.bars.size());
    providers.insert(fetched.provider);
    if (!fetched.note.empty()) lineage.attributes["note"] = fetched.note;
  }
  // One series keeps the lineage it always had; a batch names how many.
  if (series.size() == 1) {
    lineage.attributes["batch_id"] = out.front().batch_id;
  } else {
    lineage.attributes["series"] = std::to_string(series.size());
  }
  std::string provider_list;
  for (const auto& p : providers) provider_list += (provider_list.empty() ? "" : ",") + p;
  lineage.attributes["provider"] = provider_list;
  RC_ASSIGN_OR_RETURN(auto commit, raw.Append(std::move(all), lineage));
  monitoring::IngestionBarsTotal().WithLabels({"raw"}).Inc(static_cast<double>(total));
  for (RawCommit& c : out) {
    if (c.rows > 0) c.version = commit.version;
  }
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
  RC_ASSIGN_OR_RETURN(lake::ColumnBatch batch, raw->Read(symbol, tf, {.columns = kRawRecordColumns}));
  RC_ASSIGN_OR_RETURN(std::vector<RawRecord> records, RawFromBatch(std::move(batch)));
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
  if (options.batch_partitions < 1) {
    return InvalidArgument("batch_partitions", "must be >= 1, got " + std::to_string(options.batch_partitions));
  }
  if (options.chunk_rows < 1) return InvalidArgument("chunk_rows", "must be >= 1, got " + std::to_string(options.chunk_rows));
  if (options.batch_source_bytes < 1) {
    return InvalidArgument("batch_source_bytes", "must be >= 1, got " + std::to_string(options.batch_source_bytes));
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

  // One pass over each table's log per run: the raw snapshot and the
  // recorded watermarks are read once; each batch then takes the newest
  // bronze/silver snapshot (the cache replays only the batches committed
  // since) as the base its commit is checked against.
  RunContext run{options, set, now, raw, bronze, silver};
  RC_ASSIGN_OR_RETURN(run.raw_snapshot, raw.table().Latest());
  run.raw_marks = LayerTable::PartitionWatermarks(*run.raw_snapshot);
  RC_ASSIGN_OR_RETURN(run.bronze_built, RecordedWatermarks(bronze));
  RC_ASSIGN_OR_RETURN(run.silver_built, RecordedWatermarks(silver));
  // Raw bytes per partition: what a batch of partitions is bounded by.
  std::map<std::string, int64_t> raw_bytes;
  for (const auto& [path, file] : run.raw_snapshot->files) {
    const auto& values = file.add.partition_values;
    auto sym = values.find("symbol");
    auto tfv = values.find("timeframe");
    if (sym != values.end() && tfv != values.end() && sym->second && tfv->second) {
      raw_bytes[*sym->second + "/" + *tfv->second] += file.add.size;
    }
  }
  RC_ASSIGN_OR_RETURN(auto partitions, raw.Partitions());
  std::vector<std::pair<Symbol, Timeframe>> selected;
  for (const auto& [symbol, tf] : partitions) {
    if (options.symbol && *options.symbol != symbol) continue;
    if (options.timeframe && *options.timeframe != tf) continue;
    if (!options.partitions.empty() &&
        std::find(options.partitions.begin(), options.partitions.end(), std::make_pair(symbol, tf)) ==
            options.partitions.end()) {
      continue;
    }
    selected.emplace_back(symbol, tf);
  }
  std::vector<PartitionReport> reports;
  for (const auto& [symbol, tf] : selected) reports.push_back(PartitionReport{symbol, tf});
  const size_t workers = PartitionWorkers(options.workers, selected.size());
  // Partitions are independent series, built on up to `workers` threads, each
  // taking the next one and staging its files; a batch of them (bounded by
  // partitions and by source bytes, so that a crash redoes little and the
  // staged actions stay small) is then committed as ONE bronze and ONE silver
  // commit. Bronze commits first: silver records the bronze version it was
  // built from, and a crash between the two leaves silver behind bronze, which
  // the next run sees (silver's recorded watermark differs) and rebuilds.
  for (size_t first = 0; first < selected.size();) {
    size_t last = first;
    int64_t batch_bytes = 0;
    while (last < selected.size() && last - first < static_cast<size_t>(options.batch_partitions) &&
           (last == first || batch_bytes < options.batch_source_bytes)) {
      // A partition's weight is its raw bytes plus one; one without raw files weighs nothing.
      const auto bytes = raw_bytes.find(LayerTable::PartitionKey(selected[last].first, selected[last].second));
      batch_bytes += bytes == raw_bytes.end() ? 0 : bytes->second + 1;
      ++last;
    }
    RC_ASSIGN_OR_RETURN(auto bronze_base, bronze.table().Latest());
    RC_ASSIGN_OR_RETURN(auto silver_base, silver.table().Latest());
    const auto bronze_marks = LayerTable::PartitionWatermarks(*bronze_base);
    std::vector<PartitionWork> work(last - first);
    auto build = [&](size_t i) -> Status {
      const auto& [symbol, tf] = selected[first + i];
      PartitionReport& report = reports[first + i];
      RC_ASSIGN_OR_RETURN(auto bronze_bars, StageBronze(run, *bronze_base, symbol, tf, work[i], report));
      return StageSilver(run, *bronze_base, bronze_marks, *silver_base, symbol, tf, std::move(bronze_bars), work[i],
                         report);
    };
    Status built = ForEachInParallel(work.size(), std::min(workers, work.size()), build);
    std::vector<lake::delta::StagedPartition> bronze_staged;
    std::vector<lake::delta::StagedPartition> silver_staged;
    std::map<std::string, int64_t> raw_marks_built;
    for (size_t i = 0; i < work.size(); ++i) {
      const std::string key = LayerTable::PartitionKey(selected[first + i].first, selected[first + i].second);
      if (work[i].bronze) {
        raw_marks_built[key] = work[i].raw_mark;
        bronze_staged.push_back(std::move(*work[i].bronze));
      }
      if (work[i].silver) silver_staged.push_back(std::move(*work[i].silver));
    }
    if (!built) {
      bronze.table().DiscardStaged(bronze_staged);
      silver.table().DiscardStaged(silver_staged);
      return tl::unexpected(built.error());
    }
    auto bronze_commit = bronze.CommitStaged(*bronze_base, std::move(bronze_staged), raw_marks_built,
                                             MakeBatchLineage("raw/bars", run.raw_snapshot->version, raw_marks_built));
    if (!bronze_commit) {
      silver.table().DiscardStaged(silver_staged);
      return tl::unexpected(bronze_commit.error());
    }
    // Silver's watermarks: the bronze commit for the partitions it rebuilt.
    std::map<std::string, int64_t> bronze_marks_built;
    for (size_t i = 0; i < work.size(); ++i) {
      if (!reports[first + i].silver_rebuilt) continue;
      const std::string key = LayerTable::PartitionKey(selected[first + i].first, selected[first + i].second);
      const bool rebuilt_with_rows = reports[first + i].bronze_rebuilt && reports[first + i].bronze_rows > 0;
      bronze_marks_built[key] = rebuilt_with_rows ? bronze_commit->version : work[i].bronze_mark;
    }
    auto silver_commit =
        silver.CommitStaged(*silver_base, std::move(silver_staged), bronze_marks_built,
                            MakeBatchLineage("bronze/bars", bronze_commit->version, bronze_marks_built,
                                             {{"feature_set_version", set.name()}}));
    if (!silver_commit) return tl::unexpected(silver_commit.error());
    for (size_t i = 0; i < work.size(); ++i) {
      PartitionReport& report = reports[first + i];
      if (report.bronze_rebuilt) {
        report.bronze_version = bronze_commit->version;
        monitoring::IngestionBarsTotal().WithLabels({"bronze"}).Inc(static_cast<double>(report.bronze_rows));
      }
      if (!report.silver_rebuilt) continue;
      report.silver_version = silver_commit->version;
      monitoring::IngestionBarsTotal().WithLabels({"silver"}).Inc(static_cast<double>(report.silver_rows));
      if (work[i].newest_open) {
        const TimestampUs newest_close = BarCloseTime(report.symbol, report.timeframe, *work[i].newest_open);
        monitoring::IngestionLagSeconds()
            .WithLabels({report.symbol.str(), std::string(report.timeframe.ToString())})
            .Set(static_cast<double>(now - newest_close) / 1e6);
      }
    }
    first = last;
  }
  if (reports.empty() && (options.symbol || options.timeframe)) {
    return NotFound("no raw data for " + (options.symbol ? options.symbol->str() : std::string("any symbol")) + " " +
                    (options.timeframe ? std::string(options.timeframe->ToString()) : std::string("")) +
                    " (ingest, import-csv or sim first)");
  }
  return reports;
}

}  // namespace rc::data::pipeline
