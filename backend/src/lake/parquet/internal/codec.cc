// Codec glue. zstd contexts are kept per thread because creating one costs
// more than compressing a small page. Gzip decoding loops over concatenated
// members (the Parquet spec says readers should accept them: docs/formats.md §1.5).
#include "lake/parquet/internal/codec.h"

#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <memory>

namespace rc::lake::parquet::internal {
namespace {

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* ctx) const { ZSTD_freeCCtx(ctx); }
};
struct DCtxDeleter {
  void operator()(ZSTD_DCtx* ctx) const { ZSTD_freeDCtx(ctx); }
};

ZSTD_CCtx* ThreadCCtx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxDeleter> ctx(ZSTD_createCCtx());
  return ctx.get();
}
ZSTD_DCtx* ThreadDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> ctx(ZSTD_createDCtx());
  return ctx.get();
}

Status GzipCompress(const uint8_t* data, size_t size, std::string* out) {
  z_stream stream{};
  // windowBits 15 + 16 selects the gzip (RFC 1952) wrapper.
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Internal("gzip: deflateInit2 failed");
  }
  out->resize(deflateBound(&stream, static_cast<uLong>(size)) + 32);
  stream.next_in = const_cast<Bytef*>(data);
  stream.avail_in = static_cast<uInt>(size);
  stream.next_out = reinterpret_cast<Bytef*>(out->data());
  stream.avail_out = static_cast<uInt>(out->size());
  const int rc = deflate(&stream, Z_FINISH);
  const size_t produced = stream.total_out;
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) return Internal("gzip: deflate did not finish");
  out->resize(produced);
  return Ok();
}

Status GzipDecompress(const uint8_t* data, size_t size, uint8_t* out, size_t out_size) {
  z_stream stream{};
  // 15 + 32: accept gzip or zlib headers (auto-detect).
  if (inflateInit2(&stream, 15 + 32) != Z_OK) return Internal("gzip: inflateInit2 failed");
  stream.next_in = const_cast<Bytef*>(data);
  stream.avail_in = static_cast<uInt>(size);
  stream.next_out = out;
  stream.avail_out = static_cast<uInt>(out_size);
  Status status = Ok();
  while (true) {
    const int rc = inflate(&stream, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) {
      // Another member may follow; trailing zero padding is tolerated.
      if (stream.avail_in == 0 || *stream.next_in == 0) break;
      if (inflateReset(&stream) != Z_OK) {
        status = DataCorrupt("gzip: cannot continue with the next member");
        break;
      }
      continue;
    }
    if (rc == Z_BUF_ERROR && stream.avail_out == 0) {
      status = DataCorrupt("gzip: page decompresses to more than its declared size");
      break;
    }
    if (rc != Z_OK) {
      status = DataCorrupt(std::string("gzip: ") + (stream.msg != nullptr ? stream.msg : "invalid stream"));
      break;
    }
  }
  const size_t produced = out_size - stream.avail_out;
  inflateEnd(&stream);
  if (!status) return status;
  if (produced != out_size) return DataCorrupt("gzip: page decompresses to fewer bytes than declared");
  return Ok();
}

}  // namespace

std::string CodecName(int32_t codec) {
  switch (codec) {
    case kCodecUncompressed:
      return "UNCOMPRESSED";
    case kCodecSnappy:
      return "SNAPPY";
    case kCodecGzip:
      return "GZIP";
    case kCodecLzo:
      return "LZO";
    case kCodecBrotli:
      return "BROTLI";
    case kCodecLz4:
      return "LZ4";
    case kCodecZstd:
      return "ZSTD";
    case kCodecLz4Raw:
      return "LZ4_RAW";
    default:
      return "codec " + std::to_string(codec);
  }
}

bool IsCodecSupported(int32_t codec) {
  return codec == kCodecUncompressed || codec == kCodecSnappy || codec == kCodecGzip || codec == kCodecZstd;
}

Status Compress(int32_t codec, int level, const uint8_t* data, size_t size, std::string* out) {
  switch (codec) {
    case kCodecUncompressed:
      out->assign(reinterpret_cast<const char*>(data), size);
      return Ok();
    case kCodecSnappy: {
      out->resize(snappy::MaxCompressedLength(size));
      size_t produced = 0;
      snappy::RawCompress(reinterpret_cast<const char*>(data), size, out->data(), &produced);
      out->resize(produced);
      return Ok();
    }
    case kCodecGzip:
      return GzipCompress(data, size, out);
    case kCodecZstd: {
      out->resize(ZSTD_compressBound(size));
      const size_t produced = ZSTD_compressCCtx(ThreadCCtx(), out->data(), out->size(), data, size, level);
      if (ZSTD_isError(produced)) return Internal(std::string("zstd: ") + ZSTD_getErrorName(produced));
      out->resize(produced);
      return Ok();
    }
    default:
      return Unsupported("compression codec " + CodecName(codec));
  }
}

Status Decompress(int32_t codec, const uint8_t* data, size_t size, uint8_t* out, size_t out_size) {
  switch (codec) {
    case kCodecUncompressed:
      if (size != out_size) return DataCorrupt("uncompressed page size differs from its compressed size");
      if (size > 0) std::memcpy(out, data, size);
      return Ok();
    case kCodecSnappy: {
      size_t length = 0;
      if (!snappy::GetUncompressedLength(reinterpret_cast<const char*>(data), size, &length)) {
        return DataCorrupt("snappy: invalid block header");
      }
      if (length != out_size) return DataCorrupt("snappy: block length differs from the declared page size");
      if (!snappy::RawUncompress(reinterpret_cast<const char*>(data), size, reinterpret_cast<char*>(out))) {
        return DataCorrupt("snappy: invalid block");
      }
      return Ok();
    }
    case kCodecGzip:
      return GzipDecompress(data, size, out, out_size);
    case kCodecZstd: {
      const size_t produced = ZSTD_decompressDCtx(ThreadDCtx(), out, out_size, data, size);
      if (ZSTD_isError(produced)) return DataCorrupt(std::string("zstd: ") + ZSTD_getErrorName(produced));
      if (produced != out_size) return DataCorrupt("zstd: page decompresses to fewer bytes than declared");
      return Ok();
    }
    default:
      return Unsupported("compression codec " + CodecName(codec));
  }
}

}  // namespace rc::lake::parquet::internal
