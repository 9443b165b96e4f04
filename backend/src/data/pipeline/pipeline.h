// File: data/pipeline/pipeline.h
//
// The ingestion pipeline over the lake: providers -> data/raw/bars (CommitRaw),
// then raw -> bronze -> silver per (symbol, timeframe) partition (RunPipeline).
//
// Incremental and idempotent at partition granularity: each bronze (silver)
// commit records in its commitInfo lineage the partition and the newest raw
// (bronze) file version it was built from; a partition whose source has not
// changed since is skipped, so re-running commits nothing. A changed partition
// is rebuilt from all its source rows and replaced atomically (features need
// the full history for warm-up, and "latest fetch wins" may rewrite old bars).
//
//   rc::data::pipeline::PipelineOptions opt{.data_dir = settings.data_dir, .horizons_minutes = {180}};
//   RC_ASSIGN_OR_RETURN(auto reports, rc::data::pipeline::RunPipeline(opt));
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/symbol.h"
#include "core/timeframe.h"
#include "data/pipeline/bronze.h"
#include "data/providers/provider.h"
#include "data/providers/replay_provider.h"
#include "features/feature_set.h"

namespace rc::data::pipeline {

struct RawCommit {
  int64_t version = -1;  // raw table version committed (-1 when nothing was written)
  int64_t rows = 0;
  std::string batch_id;
};

// Appends a provider's bars to data/raw/bars as one batch (nulls kept; the
// still-forming last bar is kept too — bronze drops it). Errors: as the lake.
Result<RawCommit> CommitRaw(const std::string& data_dir, const Symbol& symbol, Timeframe tf,
                            const FetchResult& fetched);

// One series' fetch, for CommitRawBatch.
struct SeriesFetch {
  Symbol symbol;
  Timeframe timeframe;
  const FetchResult* fetched = nullptr;  // not owned; must outlive the call
};

// CommitRaw for several series in ONE raw commit (a bar close of many
// watched series): each series' bars get their own batch id. Returns one
// RawCommit per series, in order (version -1 and no batch id for a series
// without bars). Errors: kInvalidArgument ("fetched") for a null fetch; as
// the lake (nothing is committed then).
Result<std::vector<RawCommit>> CommitRawBatch(const std::string& data_dir, const std::vector<SeriesFetch>& series);

// Every raw bar of one series, ascending, the latest fetch of each bar
// winning (as bronze decides). A lake without a raw table, or without the
// partition, has no bars (the table is not created). Errors: as the lake.
Result<std::vector<RawBar>> ReadRawBars(const std::string& data_dir, const Symbol& symbol, Timeframe tf);

// ReadRawBars over `data_dir`: the replay provider's REPLAY_SOURCE=lake:raw.
SeriesReader LakeRawReader(std::string data_dir);

// True when `data_dir` holds no raw bars at all (no raw table, or no partition).
Result<bool> RawLakeIsEmpty(const std::string& data_dir);

struct PipelineOptions {
  std::string data_dir = "./data";
  std::vector<int> horizons_minutes = {180};
  const features::FeatureSet* feature_set = nullptr;  // Default: features::FeatureSet::Default()
  TimestampUs now = 0;                                 // Default (0): the wall clock; bars forming at `now` wait
  std::optional<Symbol> symbol;                        // restrict to one symbol
  std::optional<Timeframe> timeframe;                  // restrict to one timeframe
  // Restrict to these partitions (empty: all); e.g. the series of one bar close.
  std::vector<std::pair<Symbol, Timeframe>> partitions;
  // Partitions built at once (each a series of its own). Default (0): two per
  // core, at most 8. Each worker holds one partition's rows in memory.
  int workers = 0;
  // Partitions are committed in batches: ONE bronze and ONE silver commit per
  // batch of at most `batch_partitions` partitions whose raw files hold at
  // most `batch_source_bytes` (a single bigger partition is a batch of its
  // own). Bounds what a crash makes the next run redo. Both must be >= 1.
  int batch_partitions = 256;
  // Bronze and silver files are written in chunks of this many rows (each a
  // Parquet row group; silver's features are computed a chunk at a time), so
  // a partition's memory is bounded by its bars, not by its ~50 written
  // columns. Must be >= 1; divides max_rows_per_file (1 Mi) by default.
  int64_t chunk_rows = 64 * 1024;
  int64_t batch_source_bytes = int64_t{256} << 20;
};

struct PartitionReport {
  Symbol symbol;
  Timeframe timeframe;
  bool bronze_rebuilt = false;
  bool silver_rebuilt = false;
  int64_t bronze_version = -1;  // version committed (or -1 when unchanged)
  int64_t silver_version = -1;
  int64_t bronze_rows = 0;
  int64_t silver_rows = 0;
  BronzeStats stats;            // filled when bronze was rebuilt (or appended to)
  // LiveAppender (data/pipeline/append.h): the new bars were appended instead
  // of the partitions rebuilt; bronze_rows / silver_rows are the rows added,
  // bronze_version / silver_version the append commits (-1 when none).
  bool appended = false;
};

// Runs raw -> bronze -> silver for every raw partition (or those selected).
// Partitions are built on up to `workers` threads and committed in batches
// (one bronze and one silver commit per batch); reports come back in
// partition order. Errors: kInvalidArgument (field "workers" < 0,
// "batch_partitions" / "batch_source_bytes" < 1); kNotFound when a selected
// symbol/timeframe has no raw data; kConflict when the silver table exists
// with other feature/target columns, or a concurrent writer replaced one of
// the batch's partitions; lake errors (the first failing partition's; its
// batch's files are discarded, earlier batches stay committed).
Result<std::vector<PartitionReport>> RunPipeline(const PipelineOptions& options);

}  // namespace rc::data::pipeline
