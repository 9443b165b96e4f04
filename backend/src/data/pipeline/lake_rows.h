// File: data/pipeline/lake_rows.h
//
// Conversions between the pipeline's row types and lake ColumnBatches, by
// column NAME (so column order in the layer schemas is free). Every value read
// from the lake is checked: a batch that lacks a column, or holds an unknown
// session name, is kDataCorrupt naming the column.
#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/symbol.h"
#include "core/timeframe.h"
#include "data/pipeline/bronze.h"
#include "data/pipeline/silver.h"
#include "lake/column_batch.h"

namespace rc::data::pipeline {

// One fetch's bars of one partition -> a batch with `schema`'s columns
// (symbol, timeframe, ts, open, high, low, close, volume, provider,
// fetched_at, batch_id), every row with the fetch's provider, time and batch id.
Result<lake::ColumnBatch> RawToBatch(const lake::Schema& schema, const Symbol& symbol, Timeframe tf,
                                     const std::vector<RawBar>& bars, const std::string& provider,
                                     TimestampUs fetched_at, const std::string& batch_id);
// Consumes `batch` (its strings move into the records). Reads only
// kRawRecordColumns; the others may be absent (ReadOptions::columns).
Result<std::vector<RawRecord>> RawFromBatch(lake::ColumnBatch batch);
inline const std::vector<std::string> kRawRecordColumns = {"ts",       "open",       "high",    "low",   "close",
                                                           "volume",   "provider",   "fetched_at", "batch_id"};

// Bronze rows <-> batch (symbol, timeframe, ts, open..volume, session, gap_before, provider, batch_id).
Result<lake::ColumnBatch> BronzeToBatch(const lake::Schema& schema, const Symbol& symbol, Timeframe tf,
                                        const std::vector<BronzeBar>& rows);
Result<std::vector<BronzeBar>> BronzeFromBatch(const lake::ColumnBatch& batch);
// Bronze built from one partition's raw rows as read from the lake
// (kRawRecordColumns): BuildBronze's rules (ApplyBronzeRules) without a
// RawRecord, a BronzeBar or a copied string per row; rows[i].raw_row is the
// row of `raw` it came from (its provider and batch id stay there).
struct BronzeFromRaw {
  lake::ColumnBatch raw;
  std::vector<BronzeRow> rows;  // ascending by open time
  BronzeStats stats;
};
// Errors: kDataCorrupt naming a column `raw` lacks.
Result<BronzeFromRaw> BuildBronzeFromBatch(const Symbol& symbol, Timeframe tf, lake::ColumnBatch raw, TimestampUs now);
// Fills `chunk` (bronze's data-file schema: BronzeToBatch's columns without
// symbol and timeframe) with `rows` of `bronze`, reusing its buffers (a string
// column's strings keep their capacity): one chunk of a bronze partition
// staged in chunks (delta::Table::StagePartitionChunks). Errors: kDataCorrupt
// naming a missing column.
Status FillBronzeChunk(const BronzeFromRaw& bronze, std::span<const BronzeRow> rows, lake::ColumnBatch& chunk);
// The columns BronzeFromBatch reads (the partition columns are not among them).
inline const std::vector<std::string> kBronzeBarColumns = {"ts",      "open",       "high",     "low",     "close",
                                                           "volume",  "session",    "gap_before", "provider", "batch_id"};

// Silver -> batch: bar columns, every feature column, every target column and
// feature_set_version; `schema` must contain them all (NaN targets become nulls).
// Takes `silver` by value: its feature and target columns move into the batch.
Result<lake::ColumnBatch> SilverToBatch(const lake::Schema& schema, const Symbol& symbol, Timeframe tf,
                                        SilverResult silver);

// Silver built in chunks of at most `chunk_rows` rows (the pipeline's path):
// the features are computed chunk by chunk through one FeatureState into the
// chunk's own columns, so a partition's ~41 feature columns are never all in
// memory and the chunk's buffers are reused (hot in cache) for the next one.
//
//   RC_ASSIGN_OR_RETURN(auto silver, SilverChunks::Start(symbol, tf, bronze, set, horizons, 65536));
//   table.StagePartitionChunks(base, partition, [&](ColumnBatch& chunk) { return silver.Next(chunk); });
class SilverChunks {
 public:
  // Errors: as BuildSilver (kInvalidArgument "horizon"); kInvalidArgument
  // ("chunk_rows") for 0.
  // `regular_bars`: the partition's regular-session bronze bars (RegularBars).
  static Result<SilverChunks> Start(const Symbol& symbol, Timeframe tf, std::vector<Bar> regular_bars,
                                    const features::FeatureSet& set, const std::vector<int>& horizons_minutes,
                                    size_t chunk_rows);
  // Fills `chunk` (silver's data-file schema: SilverToBatch's columns without
  // symbol and timeframe) with the next rows: the rows SilverToBatch(
  // BuildSilver(...)) holds there. Returns false when every row was given.
  // Errors: kDataCorrupt naming a column the schema lacks.
  Result<bool> Next(lake::ColumnBatch& chunk);

  size_t rows() const { return silver_.bars.size(); }
  std::optional<TimestampUs> newest_open() const;
  const std::string& feature_set_version() const { return silver_.feature_set_version; }

 private:
  SilverChunks(SilverResult silver, const features::FeatureSet& set, const ExchangeCalendar& calendar,
               size_t chunk_rows);
  SilverResult silver_;  // bars and targets (no features)
  const features::FeatureSet* set_;
  std::unique_ptr<features::FeatureState> state_;
  std::vector<std::string> feature_names_;
  size_t chunk_rows_;
  size_t next_row_ = 0;
};

// Parses "regular"/"pre"/"post"/"closed". Errors: kDataCorrupt (field "session").
Result<MarketSession> ParseSession(std::string_view name);

// The wire form of a bronze bar: one item of GET /api/bars and the data of a
// "bar" message on the bars:SYMBOL:TF channel (ts, open, high, low, close,
// volume, session, gap_before).
boost::json::object BronzeBarJson(const BronzeBar& bar);

}  // namespace rc::data::pipeline
