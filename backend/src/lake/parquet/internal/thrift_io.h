// File: lake/parquet/internal/thrift_io.h
//
// Thrift compact-protocol (de)serialisation of the Parquet metadata structs.
// Includes the build-generated parquet_types.h, so this header may only be
// included from .cc files under lake/parquet/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "parquet_types.h"

namespace rc::lake::parquet::internal {

namespace format = ::rc::lake::parquet::format;

// Appends the compact encoding of `value` to `out`.
Status SerializeThrift(const format::FileMetaData& value, std::string* out);
Status SerializeThrift(const format::PageHeader& value, std::string* out);

// Decodes one struct from the start of `data` and returns the bytes it used.
// Strings and containers are limited to `size` (no allocation larger than the
// input), nesting to 64 levels. Errors: kDataCorrupt with `what` in the
// message (Thrift exceptions are caught here).
Result<size_t> DeserializeThrift(const uint8_t* data, size_t size, format::FileMetaData* out, std::string_view what);
Result<size_t> DeserializeThrift(const uint8_t* data, size_t size, format::PageHeader* out, std::string_view what);

}  // namespace rc::lake::parquet::internal
