// Parquet writer front door: validates the batch and options, then lays out
// "PAR1", row groups of row_group_rows rows (each one chunk per column, see
// column_writer.cc) and the Thrift FileMetaData footer (docs/formats.md §1.7).
#include <algorithm>
#include <cstdio>
#include <functional>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "core/build_info.h"
#include "lake/parquet/internal/bytes.h"
#include "lake/parquet/internal/column_writer.h"
#include "lake/parquet/internal/thrift_io.h"
#include "lake/parquet/parquet.h"

namespace rc::lake::parquet {
namespace {

namespace format = internal::format;

constexpr char kMagic[] = "PAR1";

Status ValidateOptions(const WriteOptions& options) {
  if (options.row_group_rows <= 0) return InvalidArgument("row_group_rows", "must be positive");
  if (options.data_page_bytes <= 0) return InvalidArgument("data_page_bytes", "must be positive");
  if (options.dictionary_max_bytes < 0) return InvalidArgument("dictionary_max_bytes", "must not be negative");
  if (options.codec == Codec::kZstd && (options.zstd_level < -7 || options.zstd_level > 22)) {
    return InvalidArgument("zstd_level", "must be in [-7, 22]");
  }
  switch (options.codec) {
    case Codec::kUncompressed:
    case Codec::kSnappy:
    case Codec::kGzip:
    case Codec::kZstd:
      break;
    default:
      return InvalidArgument("codec", "unknown codec");
  }
  for (const auto& [key, value] : options.key_value_metadata) {
    if (key.empty()) return InvalidArgument("key_value_metadata", "empty key");
  }
  return Ok();
}

}  // namespace

namespace {

// Pieces EncodeTo (and a StreamWriter) hands over: big enough that write(2)
// calls are few, small enough that one reused buffer stays cheap (a column
// chunk of 1M doubles is 8 MB, and a piece ends after a whole chunk).
constexpr size_t kEncodePieceBytes = size_t{4} << 20;

}  // namespace

// The file laid out so far: "PAR1" and the complete row groups, of which
// everything but the last incomplete piece was handed to `write`.
struct StreamWriter::State {
  Schema schema;
  WriteOptions options;
  std::function<Status(std::string_view)> write;
  size_t flush_bytes = 0;
  std::string file;      // bytes not yet handed to `write`
  int64_t flushed = 0;   // bytes handed to `write` so far
  int64_t rows = 0;
  std::vector<format::RowGroup> row_groups;
  bool finished = false;

  // Hands `file` over when it holds at least flush_bytes (then empties it):
  // offsets in the metadata count the bytes flushed before.
  Status FlushIfFull() {
    if (file.size() < flush_bytes) return Ok();
    RC_RETURN_IF_ERROR(write(file));
    flushed += static_cast<int64_t>(file.size());
    file.clear();
    return Ok();
  }

  // One row group of rows [begin, begin + count) of `batch`.
  Status WriteRowGroup(const ColumnBatch& batch, size_t begin, size_t count) {
    format::RowGroup group;
    const auto group_offset = flushed + static_cast<int64_t>(file.size());
    std::vector<format::ColumnChunk> chunks(schema.fields.size());
    int64_t uncompressed = 0;
    int64_t compressed = 0;
    for (size_t col = 0; col < schema.fields.size(); ++col) {
      RC_RETURN_IF_ERROR(internal::WriteColumnChunk(schema.fields[col], batch.column(col), begin, count, options,
                                                    &file, &chunks[col]));
      // The chunk writer counts offsets from the start of `file`.
      format::ColumnMetaData& chunk_meta = chunks[col].meta_data;
      chunk_meta.data_page_offset += flushed;
      if (chunk_meta.__isset.dictionary_page_offset) chunk_meta.dictionary_page_offset += flushed;
      uncompressed += chunk_meta.total_uncompressed_size;
      compressed += chunk_meta.total_compressed_size;
      RC_RETURN_IF_ERROR(FlushIfFull());
    }
    group.__set_columns(chunks);
    group.__set_total_byte_size(uncompressed);
    group.__set_num_rows(static_cast<int64_t>(count));
    group.__set_file_offset(group_offset);
    group.__set_total_compressed_size(compressed);
    // ordinal is an i16; files with more row groups simply omit it.
    if (row_groups.size() <= 32767) group.__set_ordinal(static_cast<int16_t>(row_groups.size()));
    row_groups.push_back(std::move(group));
    rows += static_cast<int64_t>(count);
    return Ok();
  }

  // The Thrift FileMetaData footer, its length and the closing magic.
  Status WriteFooter() {
    format::FileMetaData meta;
    meta.__set_version(1);
    std::vector<format::SchemaElement> elements;
    format::SchemaElement root;
    root.__set_name("schema");
    root.__set_num_children(static_cast<int32_t>(schema.fields.size()));
    elements.push_back(root);
    for (const Field& field : schema.fields) elements.push_back(internal::SchemaElementFor(field));
    meta.__set_schema(elements);
    meta.__set_num_rows(rows);
    meta.__set_row_groups(row_groups);
    if (!options.key_value_metadata.empty()) {
      std::vector<format::KeyValue> pairs;
      for (const auto& [key, value] : options.key_value_metadata) {
        format::KeyValue pair;
        pair.__set_key(key);
        pair.__set_value(value);
        pairs.push_back(pair);
      }
      meta.__set_key_value_metadata(pairs);
    }
    meta.__set_created_by(std::string("regimecast version ") + BuildVersion() + " (build " + BuildCommit() + ")");
    format::ColumnOrder order;
    order.__set_TYPE_ORDER(format::TypeDefinedOrder());
    meta.__set_column_orders(std::vector<format::ColumnOrder>(schema.fields.size(), order));

    const size_t footer_start = file.size();
    RC_RETURN_IF_ERROR(internal::SerializeThrift(meta, &file));
    internal::AppendLittleEndian(&file, static_cast<uint32_t>(file.size() - footer_start));
    file.append(kMagic, 4);
    return Ok();
  }
};

Result<StreamWriter> StreamWriter::Start(Schema schema, WriteOptions options,
                                         std::function<Status(std::string_view)> write) {
  return StartWithPieces(std::move(schema), std::move(options), std::move(write), kEncodePieceBytes);
}

Result<StreamWriter> StreamWriter::StartWithPieces(Schema schema, WriteOptions options,
                                                   std::function<Status(std::string_view)> write,
                                                   size_t flush_bytes) {
  RC_RETURN_IF_ERROR(ValidateOptions(options));
  RC_RETURN_IF_ERROR(ColumnBatch(schema).Validate());  // unique names, known types
  auto state = std::make_unique<State>();
  state->schema = std::move(schema);
  state->options = std::move(options);
  state->write = std::move(write);
  state->flush_bytes = flush_bytes;
  if (flush_bytes != std::numeric_limits<size_t>::max()) state->file.reserve(2 * flush_bytes);
  state->file.append(kMagic, 4);
  return StreamWriter(std::move(state));
}

StreamWriter::StreamWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}
StreamWriter::StreamWriter(StreamWriter&&) noexcept = default;
StreamWriter& StreamWriter::operator=(StreamWriter&&) noexcept = default;
StreamWriter::~StreamWriter() = default;

Status StreamWriter::WriteRows(const ColumnBatch& rows) {
  if (state_->finished) return Internal("the Parquet file is already finished");
  if (!(rows.schema() == state_->schema)) {
    return InvalidArgument("rows", "batch schema differs from the file's");
  }
  RC_RETURN_IF_ERROR(rows.Validate());
  const size_t count = rows.num_rows();
  const auto group_rows = static_cast<size_t>(state_->options.row_group_rows);
  for (size_t begin = 0; begin < count; begin += group_rows) {
    RC_RETURN_IF_ERROR(state_->WriteRowGroup(rows, begin, std::min(group_rows, count - begin)));
  }
  return Ok();
}

int64_t StreamWriter::rows() const { return state_->rows; }

Result<int64_t> StreamWriter::Finish() {
  if (state_->finished) return Internal("the Parquet file is already finished");
  state_->finished = true;
  RC_RETURN_IF_ERROR(state_->WriteFooter());
  const int64_t size = state_->flushed + static_cast<int64_t>(state_->file.size());
  if (!state_->file.empty() && state_->flush_bytes != std::numeric_limits<size_t>::max()) {
    RC_RETURN_IF_ERROR(state_->write(state_->file));
    state_->flushed += static_cast<int64_t>(state_->file.size());
    state_->file.clear();
  }
  return size;
}

std::string StreamWriter::TakeUnflushed() { return std::move(state_->file); }


Result<std::string> Encode(const ColumnBatch& batch, const WriteOptions& options) {
  // Reserve the PLAIN size plus page headers and levels, whatever the codec:
  // silver's double columns barely compress, and a string outgrowing its
  // reservation copies the file so far into fresh pages. Untouched reserved
  // pages cost nothing (large blocks are mapped lazily).
  size_t estimate = 4096;
  for (size_t col = 0; col < batch.num_columns(); ++col) {
    estimate += std::visit(
        [](const auto& vec) {
          using T = typename std::decay_t<decltype(vec)>::value_type;
          if constexpr (std::is_same_v<T, std::string>) {
            return vec.size() * 8;
          } else {
            return vec.size() * sizeof(T);
          }
        },
        batch.column(col).values);
  }
  RC_RETURN_IF_ERROR(batch.Validate());
  const auto never = [](std::string_view) -> Status { return Internal("Encode never flushes"); };
  RC_ASSIGN_OR_RETURN(StreamWriter writer,
                      StreamWriter::StartWithPieces(batch.schema(), options, never, std::numeric_limits<size_t>::max()));
  writer.state_->file.reserve(estimate + estimate / 8);
  RC_RETURN_IF_ERROR(writer.WriteRows(batch));
  RC_RETURN_IF_ERROR(writer.Finish());
  return writer.TakeUnflushed();
}

Result<int64_t> EncodeTo(const ColumnBatch& batch, const WriteOptions& options,
                         const std::function<Status(std::string_view)>& write) {
  RC_RETURN_IF_ERROR(batch.Validate());
  RC_ASSIGN_OR_RETURN(StreamWriter writer, StreamWriter::Start(batch.schema(), options, write));
  RC_RETURN_IF_ERROR(writer.WriteRows(batch));
  return writer.Finish();
}

Status WriteFile(const std::string& path, const ColumnBatch& batch, const WriteOptions& options) {
  RC_ASSIGN_OR_RETURN(std::string bytes, Encode(batch, options));
  std::FILE* out = std::fopen(path.c_str(), "wb");
  if (out == nullptr) return IoError("cannot create " + path);
  const size_t written = std::fwrite(bytes.data(), 1, bytes.size(), out);
  const bool flushed = std::fflush(out) == 0;
  const bool closed = std::fclose(out) == 0;
  if (written != bytes.size() || !flushed || !closed) return IoError("cannot write " + path);
  return Ok();
}

}  // namespace rc::lake::parquet
