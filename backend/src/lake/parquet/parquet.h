// File: lake/parquet/parquet.h
//
// Front door of Regimecast's own Parquet implementation (no Parquet library is
// packaged for C++ in Debian 12). Flat columns through this API; see docs/formats.md §1 and
// docs/lake_format.md (nested struct/list/map columns are read and written
// only inside the lake, for Delta checkpoints). Metadata is Thrift compact protocol (code generated
// from lake/parquet/parquet.thrift at build time, used only inside this folder).
//
//   rc::lake::parquet::WriteOptions options;  // snappy, dictionary on
//   RC_RETURN_IF_ERROR(rc::lake::parquet::WriteFile("/tmp/x.parquet", batch, options));
//   RC_ASSIGN_OR_RETURN(auto reader, rc::lake::parquet::Reader::OpenFile("/tmp/x.parquet"));
//   RC_ASSIGN_OR_RETURN(rc::lake::ColumnBatch rows, reader.Read({.columns = {"ts", "close"}}));
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/error.h"
#include "lake/column_batch.h"

namespace rc::lake::parquet {

namespace internal {
struct ReaderAccess;
}  // namespace internal

enum class Codec { kUncompressed, kSnappy, kGzip, kZstd };

struct WriteOptions {
  Codec codec = Codec::kSnappy;               // Default: snappy (as pyarrow and DuckDB)
  int zstd_level = 1;                         // Default: 1 (pyarrow's and Arrow's default)
  int64_t row_group_rows = 1 << 20;           // Default: 1 Mi rows per row group
  int64_t data_page_bytes = 1 << 20;          // Default: ~1 MiB uncompressed per data page
  bool dictionary = true;                     // Default: try dictionary encoding per column chunk
  int64_t dictionary_max_bytes = 1 << 20;     // Default: fall back to PLAIN past 1 MiB of dictionary
  std::vector<std::pair<std::string, std::string>> key_value_metadata;  // written to FileMetaData
};

// Encodes `batch` as a complete Parquet file in memory. Errors: kInvalidArgument
// when the batch does not Validate().
Result<std::string> Encode(const ColumnBatch& batch, const WriteOptions& options);

// Encodes `batch` as Encode does, handing the file to `write` in pieces of a
// few MiB as they are complete (one reused buffer, not the whole file in
// memory; the lake streams data files to disk this way). Returns the file's
// size. Errors: as Encode, and the first error `write` returns.
Result<int64_t> EncodeTo(const ColumnBatch& batch, const WriteOptions& options,
                         const std::function<Status(std::string_view)>& write);

// A Parquet file written as its rows come: each WriteRows call adds its rows
// as row groups of at most options.row_group_rows rows (so a producer that
// hands over bounded chunks writes one row group per chunk, and its buffers
// can be reused for the next chunk), Finish adds the footer. The bytes go to
// `write` in pieces of a few MiB from one reused buffer, as EncodeTo's. One
// WriteRows of a whole batch gives the bytes EncodeTo gives.
//
//   RC_ASSIGN_OR_RETURN(auto writer, StreamWriter::Start(schema, options, write));
//   while (next(chunk)) RC_RETURN_IF_ERROR(writer.WriteRows(chunk));
//   RC_ASSIGN_OR_RETURN(int64_t size, writer.Finish());
class StreamWriter {
 public:
  // Errors: kInvalidArgument for bad options or a schema with duplicate names.
  static Result<StreamWriter> Start(Schema schema, WriteOptions options,
                                    std::function<Status(std::string_view)> write);
  // Errors: kInvalidArgument when `rows` has another schema or does not
  // Validate(); the first error of `write`; kInternal after Finish.
  Status WriteRows(const ColumnBatch& rows);
  // Rows written so far.
  int64_t rows() const;
  // Writes the footer and hands over the rest; returns the file's size.
  // Errors: as WriteRows.
  Result<int64_t> Finish();

  struct State;  // writer.cc
  StreamWriter(StreamWriter&&) noexcept;
  StreamWriter& operator=(StreamWriter&&) noexcept;
  ~StreamWriter();

 private:
  friend Result<std::string> Encode(const ColumnBatch& batch, const WriteOptions& options);
  // `flush_bytes` = SIZE_MAX: nothing is handed over (Encode takes the bytes).
  static Result<StreamWriter> StartWithPieces(Schema schema, WriteOptions options,
                                              std::function<Status(std::string_view)> write, size_t flush_bytes);
  std::string TakeUnflushed();
  explicit StreamWriter(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Encodes and writes to `path` (not atomically: the Delta layer writes data
// files under unique names and only references them after they are complete).
Status WriteFile(const std::string& path, const ColumnBatch& batch, const WriteOptions& options);

// Min/max of one column chunk, in the column's storage type; nullopt when
// absent (all nulls, or not written by the producer).
using StatValue = std::variant<bool, int32_t, int64_t, float, double, std::string>;
struct ColumnChunkStats {
  std::optional<StatValue> min;
  std::optional<StatValue> max;
  std::optional<int64_t> null_count;
};

struct RowGroupInfo {
  int64_t num_rows = 0;
  int64_t total_byte_size = 0;
  std::vector<ColumnChunkStats> columns;  // one per schema field
};

struct FileInfo {
  // The flat (primitive, non-repeated) top-level columns; Read() returns these.
  Schema schema;
  // Top-level struct / list / map columns, in file order: Read() rejects them
  // (kUnsupported naming the column); the lake reads Delta checkpoints' nested
  // columns through its internal nested reader.
  std::vector<std::string> nested_columns;
  int64_t num_rows = 0;
  std::string created_by;
  std::vector<RowGroupInfo> row_groups;
  std::vector<std::pair<std::string, std::string>> key_value_metadata;
};

struct ReadOptions {
  // Columns to read, in this order; empty = all, in schema order. Errors: kNotFound.
  std::vector<std::string> columns;
  // Row-group skipping: only row groups whose statistics for this timestamp /
  // int64 column may overlap [min, max] (inclusive) are decoded. Rows are NOT
  // filtered inside a row group; callers filter exactly.
  struct Range {
    std::string column;
    int64_t min = INT64_MIN;
    int64_t max = INT64_MAX;
  };
  std::optional<Range> time_range;
};

class Reader {
 public:
  // Opens and validates the footer. Errors: kIo (cannot read), kDataCorrupt
  // (bad magic, truncated, offsets out of range, undecodable metadata),
  // kUnsupported (encryption, unknown type, nested shapes other than
  // optional structs, LIST and MAP groups) naming the column.
  static Result<Reader> OpenFile(const std::string& path);
  static Result<Reader> OpenBuffer(std::string bytes);

  const FileInfo& info() const;

  // Decodes the requested columns. Errors: kDataCorrupt / kUnsupported naming
  // the column and the feature (e.g. "column 'x': encoding DELTA_BYTE_ARRAY");
  // kUnsupported for a nested column (requested, or all columns requested).
  Result<ColumnBatch> Read(const ReadOptions& options = {}) const;

  // Opaque state (lake/parquet/internal/reader_impl.h).
  struct Impl;

  Reader(Reader&&) noexcept;
  Reader& operator=(Reader&&) noexcept;
  ~Reader();

 private:
  friend struct internal::ReaderAccess;
  explicit Reader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rc::lake::parquet
