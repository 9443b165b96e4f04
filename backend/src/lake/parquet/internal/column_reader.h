// File: lake/parquet/internal/column_reader.h
//
// Decodes one column chunk (all its pages) of a flat column into a Column,
// and maps Parquet schema leaves to our ColumnTypes.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "lake/column_batch.h"
#include "lake/parquet/internal/thrift_io.h"

namespace rc::lake::parquet::internal {

// How an INT64 timestamp column's unit converts to microseconds.
enum class TimeUnitScale { kNone, kMillis, kMicros, kNanos };

struct LeafInfo {
  std::string name;
  ColumnType type = ColumnType::kDouble;
  bool nullable = true;
  format::Type::type physical = format::Type::DOUBLE;
  TimeUnitScale time_scale = TimeUnitScale::kNone;
  // Levels of a leaf inside a nested (struct / list / map) column; a flat
  // leaf has max_rep 0 and max_def 0 (required) or 1 (optional).
  int max_def = 0;
  int max_rep = 0;
  bool nested = false;  // read through ReadLeveledColumnChunk only
  // Why a nested leaf cannot be decoded (e.g. "DECIMAL"); empty when it can.
  // Such a leaf only fails when it is read, so that the rest of its file stays readable.
  std::string unsupported;
};

// Maps a schema leaf to a LeafInfo. Errors: kUnsupported naming the column
// and the feature (DECIMAL, unsigned 64-bit, nested, ...).
Result<LeafInfo> MapLeaf(const format::SchemaElement& element);

// Decoded bytes still allowed for this Read (guards against files whose
// runs expand to far more data than they occupy). The row groups of one
// column decode on several threads at once, all charging its budget.
class DecodeBudget {
 public:
  explicit DecodeBudget(int64_t bytes) : bytes_left_(bytes) {}
  int64_t left() const { return bytes_left_.load(std::memory_order_relaxed); }
  // Takes `bytes` from the budget; false, taking nothing, when fewer are left.
  bool TryCharge(int64_t bytes);

 private:
  std::atomic<int64_t> bytes_left_;
};

// Buffers one decoding thread reuses from chunk to chunk: a fresh page buffer
// per chunk costs a page fault per 4 KiB, which showed up in read profiles.
class DecodeScratch {
 public:
  // At least `size` bytes; the contents are whatever the last page left.
  uint8_t* Page(size_t size);
  std::vector<uint32_t>& indices() { return indices_; }

 private:
  std::unique_ptr<uint8_t[]> page_;
  size_t page_capacity_ = 0;
  std::vector<uint32_t> indices_;
};

// Decodes the `rows` rows of the chunk described by `meta` into rows
// [first_row, first_row + rows) of `out`, which the caller has already sized
// (values; validity too for nullable leaves, 1 = present) and whose fixed
// size it has charged to `budget` (string bytes are charged here). Sets
// *has_nulls when a row is null (left alone otherwise). `file` is the whole
// file; `data_end` is where the footer begins (chunks must lie before it).
// Errors: kDataCorrupt / kUnsupported with the column as field.
Status ReadColumnChunk(const LeafInfo& leaf, const format::ColumnMetaData& meta, const uint8_t* file,
                       size_t data_end, int64_t rows, DecodeBudget* budget, DecodeScratch* scratch, Column* out,
                       size_t first_row, bool* has_nulls);

// A nested leaf's column chunk as Parquet stores it: one repetition and one
// definition level per entry, and the values of the entries whose definition
// level is max_def (only those; `values.validity` stays empty).
struct LeveledColumn {
  std::vector<int16_t> def;
  std::vector<int16_t> rep;
  Column values;
};

// Appends the chunk's entries (meta.num_values of them) to `out`, whose
// `values` must hold the storage type of `leaf.type`. Errors as ReadColumnChunk,
// and kDataCorrupt for levels above the leaf's maximum.
Status ReadLeveledColumnChunk(const LeafInfo& leaf, const format::ColumnMetaData& meta, const uint8_t* file,
                              size_t data_end, DecodeBudget* budget, LeveledColumn* out);

// Encoding name for messages ("RLE_DICTIONARY", "encoding 42").
std::string EncodingName(int32_t encoding);

}  // namespace rc::lake::parquet::internal
