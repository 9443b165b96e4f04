// File: lake/parquet/internal/codec.h
//
// Page compression (docs/formats.md §1.5): raw Snappy blocks, RFC 1952 gzip
// members, zstd frames. Codec ids are the Parquet CompressionCodec values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace rc::lake::parquet::internal {

enum CodecId : int32_t {
  kCodecUncompressed = 0,
  kCodecSnappy = 1,
  kCodecGzip = 2,
  kCodecLzo = 3,
  kCodecBrotli = 4,
  kCodecLz4 = 5,
  kCodecZstd = 6,
  kCodecLz4Raw = 7,
};

// "SNAPPY", "GZIP", ... or "codec <n>".
std::string CodecName(int32_t codec);
bool IsCodecSupported(int32_t codec);

// Replaces `out` with `data` compressed by `codec` (uncompressed: a copy).
// `level` is used by zstd only. Errors: kInternal when the library fails.
Status Compress(int32_t codec, int level, const uint8_t* data, size_t size, std::string* out);

// Decompresses `data` into exactly `out_size` bytes at `out`. Errors:
// kDataCorrupt when the stream is invalid or its length differs from
// `out_size`; kUnsupported for codecs we cannot decode.
Status Decompress(int32_t codec, const uint8_t* data, size_t size, uint8_t* out, size_t out_size);

}  // namespace rc::lake::parquet::internal
