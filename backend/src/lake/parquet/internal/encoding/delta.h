// File: lake/parquet/internal/encoding/delta.h
//
// Decoders for the DELTA_* encodings that DuckDB (PARQUET_VERSION V2) and
// pyarrow (column_encoding=...) write: DELTA_BINARY_PACKED (5) for INT32/INT64,
// DELTA_LENGTH_BYTE_ARRAY (6) and DELTA_BYTE_ARRAY (7) for BYTE_ARRAY, and
// BYTE_STREAM_SPLIT (9) for fixed-width types. We read these but never write
// them. All decoders return the bytes consumed, or -1 on malformed input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace rc::lake::parquet::internal {

// Decodes exactly `count` values (the stream may hold more: extra ignored).
int64_t DecodeDeltaBinaryPacked(const uint8_t* data, size_t size, size_t count, int64_t* out);
int64_t DecodeDeltaBinaryPacked(const uint8_t* data, size_t size, size_t count, int32_t* out);
int64_t DecodeDeltaLengthByteArray(const uint8_t* data, size_t size, size_t count, std::string* out);
int64_t DecodeDeltaByteArray(const uint8_t* data, size_t size, size_t count, std::string* out);
// `width` = sizeof the value type; `out` receives count*width bytes.
int64_t DecodeByteStreamSplit(const uint8_t* data, size_t size, size_t count, size_t width, uint8_t* out);

}  // namespace rc::lake::parquet::internal
