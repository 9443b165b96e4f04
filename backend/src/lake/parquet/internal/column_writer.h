// File: lake/parquet/internal/column_writer.h
//
// Encodes one column chunk (rows [row_begin, row_begin+row_count) of one
// column) as pages appended to the file buffer, and fills its ColumnChunk
// metadata. Used by writer.cc once per (row group, column).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "lake/column_batch.h"
#include "lake/parquet/internal/thrift_io.h"
#include "lake/parquet/parquet.h"

namespace rc::lake::parquet::internal {

// Physical type, repetition and annotations of `field` as a schema leaf
// (docs/formats.md §1.1).
format::SchemaElement SchemaElementFor(const Field& field);

// Appends the chunk's pages to `file` (whose size is the absolute offset of
// the first page) and describes them in `chunk`. The column must have been
// validated against `field`.
Status WriteColumnChunk(const Field& field, const Column& column, size_t row_begin, size_t row_count,
                        const WriteOptions& options, std::string* file, format::ColumnChunk* chunk);

// Appends the chunk of one leaf of a nested column: every entry's repetition
// and definition levels (`rep` empty when max_rep is 0) and the values of the
// entries at max_def (`present`, no validity), as PLAIN v1 data pages that
// start at record boundaries. `element` is the leaf's schema element.
Status WriteLeveledColumnChunk(const format::SchemaElement& element, const std::vector<std::string>& path_in_schema,
                               int max_def, int max_rep, const std::vector<int16_t>& def,
                               const std::vector<int16_t>& rep, const Column& present, const WriteOptions& options,
                               std::string* file, format::ColumnChunk* chunk);

// The Parquet codec id for `codec`.
int32_t CodecId(Codec codec);

}  // namespace rc::lake::parquet::internal
