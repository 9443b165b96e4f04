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

#include <optional>
#include <string>
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
  // Partitions built at once (each a series of its own). Default (0): two per
  // core, at most 8. Each worker holds one partition's rows in memory.
  int workers = 0;
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
  BronzeStats stats;            // filled when bronze was rebuilt
};

// Runs raw -> bronze -> silver for every raw partition (or the one selected).
// Partitions are built on up to `workers` threads; reports come back in
// partition order. Errors: kInvalidArgument (field "workers" < 0); kNotFound
// when a selected partition has no raw data; kConflict when the silver table
// exists with other feature/target columns; lake errors (the first failing
// partition's; partitions already committed stay committed).
Result<std::vector<PartitionReport>> RunPipeline(const PipelineOptions& options);

}  // namespace rc::data::pipeline
