// Column chunk reader. Pages are read until the chunk's num_values levels are
// decoded (docs/formats.md §1.1); each page may use its own encoding (writers fall
// back from dictionary to PLAIN mid-chunk). Every size read from the file is
// checked against the bytes actually present before it is used, and decoded
// output is charged to a DecodeBudget so that a few bytes of RLE runs cannot
// make us allocate gigabytes.
#include "lake/parquet/internal/column_reader.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "lake/parquet/internal/bytes.h"
#include "lake/parquet/internal/codec.h"
#include "lake/parquet/internal/encoding/delta.h"
#include "lake/parquet/internal/encoding/plain.h"
#include "lake/parquet/internal/encoding/rle_hybrid.h"

namespace rc::lake::parquet::internal {
namespace {

// A page may decompress to at most this many bytes, or 1024x the chunk's
// compressed size if that is larger (zstd/snappy on constant data).
constexpr int64_t kBasePageLimit = int64_t{16} << 20;

std::string TypeName(format::Type::type type) {
  switch (type) {
    case format::Type::BOOLEAN:
      return "BOOLEAN";
    case format::Type::INT32:
      return "INT32";
    case format::Type::INT64:
      return "INT64";
    case format::Type::INT96:
      return "INT96";
    case format::Type::FLOAT:
      return "FLOAT";
    case format::Type::DOUBLE:
      return "DOUBLE";
    case format::Type::BYTE_ARRAY:
      return "BYTE_ARRAY";
    case format::Type::FIXED_LEN_BYTE_ARRAY:
      return "FIXED_LEN_BYTE_ARRAY";
  }
  return "type " + std::to_string(static_cast<int>(type));
}

template <typename T>
constexpr size_t MinPlainBytes() {
  if constexpr (std::is_same_v<T, std::string>) return 4;
  if constexpr (std::is_same_v<T, uint8_t>) return 0;  // bit-packed
  return sizeof(T);
}

// A data page located in its chunk, nothing decompressed yet.
struct DataPage {
  bool v2 = false;
  int32_t encoding = 0;
  size_t count = 0;  // level entries (rows of a flat column)
  const uint8_t* raw = nullptr;
  size_t raw_size = 0;   // bytes stored in the file
  size_t full_size = 0;  // bytes after decompression
  // v2 only: uncompressed repetition then definition levels at the front of raw.
  size_t rep_len = 0;
  size_t def_len = 0;
  bool values_compressed = true;  // v2's is_compressed (v1 pages follow the codec)
};

// A data page's sections after decompression (absent levels are empty).
struct PageBody {
  const uint8_t* rep = nullptr;
  size_t rep_size = 0;
  const uint8_t* def = nullptr;
  size_t def_size = 0;
  const uint8_t* values = nullptr;
  size_t values_size = 0;
};

class ChunkDecoder {
 public:
  ChunkDecoder(const LeafInfo& leaf, const format::ColumnMetaData& meta, DecodeBudget* budget, DecodeScratch* scratch)
      : leaf_(leaf), meta_(meta), budget_(budget), scratch_(scratch) {}

  Status Corrupt(const std::string& why) const { return DataCorrupt("column '" + leaf_.name + "': " + why, leaf_.name); }
  Status NotSupported(const std::string& what) const {
    return Unsupported("column '" + leaf_.name + "': " + what, leaf_.name);
  }

  Status Charge(int64_t bytes) {
    if (!budget_->TryCharge(bytes)) {
      return NotSupported("decoded data would exceed the reader's limit (1024x the file size)");
    }
    return Ok();
  }

  // Checks the chunk's metadata and places it in `file` (entries = its num_values).
  Status Begin(const uint8_t* file, size_t data_end, int64_t entries);

  // Flat leaves: fills values[0, rows) and, when nullable, validity[0, rows).
  template <typename T>
  Status RunFlat(T* values, uint8_t* validity, bool* has_nulls);

  // Nested leaves: appends every entry's levels to `levels` and the present
  // values only to `values`.
  template <typename T>
  Status RunLeveled(ColumnVector<T>* values, LeveledColumn* levels);

 private:
  // Reads page headers up to the next data page, decoding a dictionary page
  // on the way; `left` entries of the chunk are still to come.
  template <typename T>
  Status NextDataPage(int64_t left, DataPage* page);
  // The page's levels and values, decompressed into scratch (v1 bodies whole,
  // v2 values only; v2 levels are read where they lie).
  Status SplitBody(const DataPage& page, PageBody* body);
  // Decompresses `size` stored bytes to `out_size` bytes into `dst` (scratch
  // when null; an uncompressed section is then used where it lies).
  Status Inflate(const uint8_t* src, size_t size, size_t out_size, bool compressed, uint8_t* dst,
                 const uint8_t** view);
  // True when the page's values section is exactly `count` PLAIN values of T
  // with no levels before it, so it can be decompressed straight into the output.
  template <typename T>
  bool IsDirectPlain(const DataPage& page) const;
  template <typename T>
  Status DecodeValues(int32_t encoding, const uint8_t* data, size_t size, size_t count, T* out);
  template <typename T>
  Status DecodeDictionaryIndices(const uint8_t* data, size_t size, size_t count, T* out);
  template <typename T>
  Status DecodeDictionaryPage(const format::PageHeader& header, const uint8_t* data, size_t size);
  // Appends `count` levels of bit width BitWidth(max_level) (0 = all zero).
  Status DecodeLevels(const uint8_t* data, size_t size, size_t count, int max_level, const char* what,
                      std::vector<int16_t>* out);

  const LeafInfo& leaf_;
  const format::ColumnMetaData& meta_;
  DecodeBudget* budget_;
  DecodeScratch* scratch_;
  ByteReader chunk_{nullptr, 0};
  int64_t entries_ = 0;
  int64_t page_limit_ = 0;
  int32_t codec_ = kCodecUncompressed;
  bool leveled_ = false;  // RunLeveled: pages carry the leaf's nested levels
  // Type-erased dictionary storage: the vector matching T is used.
  std::vector<uint8_t> dict_bool_;
  std::vector<int32_t> dict_i32_;
  std::vector<int64_t> dict_i64_;
  std::vector<float> dict_f32_;
  std::vector<double> dict_f64_;
  std::vector<std::string> dict_str_;
  bool have_dictionary_ = false;

  template <typename T>
  std::vector<T>& Dictionary() {
    if constexpr (std::is_same_v<T, uint8_t>) return dict_bool_;
    if constexpr (std::is_same_v<T, int32_t>) return dict_i32_;
    if constexpr (std::is_same_v<T, int64_t>) return dict_i64_;
    if constexpr (std::is_same_v<T, float>) return dict_f32_;
    if constexpr (std::is_same_v<T, double>) return dict_f64_;
    if constexpr (std::is_same_v<T, std::string>) return dict_str_;
  }
};

template <typename T>
Status ChunkDecoder::DecodeDictionaryPage(const format::PageHeader& header, const uint8_t* data, size_t size) {
  if (have_dictionary_) return Corrupt("more than one dictionary page");
  if (!header.__isset.dictionary_page_header) return Corrupt("dictionary page without its header");
  const auto& dict_header = header.dictionary_page_header;
  if (dict_header.__isset.encoding && dict_header.encoding != format::Encoding::PLAIN &&
      dict_header.encoding != format::Encoding::PLAIN_DICTIONARY) {
    return NotSupported("dictionary page encoding " + EncodingName(dict_header.encoding));
  }
  if (!dict_header.__isset.num_values || dict_header.num_values < 0) return Corrupt("bad dictionary size");
  const auto count = static_cast<size_t>(dict_header.num_values);
  constexpr size_t kMin = MinPlainBytes<T>();
  if ((kMin > 0 && count > size / kMin) || (kMin == 0 && count > size * 8)) {
    return Corrupt("dictionary page holds fewer bytes than its " + std::to_string(count) + " entries need");
  }
  std::vector<T>& dict = Dictionary<T>();
  dict.resize(count);
  int64_t used = 0;
  if constexpr (std::is_same_v<T, uint8_t>) {
    used = DecodePlainBools(data, size, count, dict.data());
  } else if constexpr (std::is_same_v<T, int64_t>) {
    used = leaf_.physical == format::Type::INT96 ? DecodePlainInt96(data, size, count, dict.data())
                                                 : DecodePlain(data, size, count, dict.data());
  } else {
    used = DecodePlain(data, size, count, dict.data());
  }
  if (used < 0) return Corrupt("truncated dictionary page");
  have_dictionary_ = true;
  return Ok();
}

Status ChunkDecoder::DecodeLevels(const uint8_t* data, size_t size, size_t count, int max_level, const char* what,
                                  std::vector<int16_t>* out) {
  const size_t base = out->size();
  if (max_level == 0) {
    out->resize(base + count, 0);
    return Ok();
  }
  std::vector<uint32_t> decoded(count);
  RleHybridDecoder decoder(data, size, BitWidth(static_cast<uint64_t>(max_level)));
  if (decoder.Decode(decoded.data(), count) != count) return Corrupt(std::string("truncated ") + what + " levels");
  out->resize(base + count);
  for (size_t idx = 0; idx < count; ++idx) {
    if (decoded[idx] > static_cast<uint32_t>(max_level)) {
      return Corrupt(std::string(what) + " level " + std::to_string(decoded[idx]) + " above the maximum " +
                     std::to_string(max_level));
    }
    (*out)[base + idx] = static_cast<int16_t>(decoded[idx]);
  }
  return Ok();
}

template <typename T>
Status ChunkDecoder::DecodeDictionaryIndices(const uint8_t* data, size_t size, size_t count, T* out) {
  if (!have_dictionary_) return Corrupt("dictionary-encoded page without a dictionary page");
  if (size < 1) return Corrupt("dictionary page data without a bit width");
  const int bit_width = data[0];
  if (bit_width > 32) return Corrupt("dictionary index bit width " + std::to_string(bit_width));
  std::vector<uint32_t>& indices = scratch_->indices();
  if (indices.size() < count) indices.resize(count);
  RleHybridDecoder decoder(data + 1, size - 1, bit_width);
  if (decoder.Decode(indices.data(), count) != count) return Corrupt("truncated dictionary indices");
  const std::vector<T>& dict = Dictionary<T>();
  // Checked in one pass before any value is copied, so the copy loop has no branches.
  uint32_t max_index = 0;
  for (size_t idx = 0; idx < count; ++idx) max_index = std::max(max_index, indices[idx]);
  if (count > 0 && max_index >= dict.size()) return Corrupt("dictionary index out of range");
  if constexpr (std::is_same_v<T, std::string>) {
    int64_t bytes = 0;
    for (size_t idx = 0; idx < count; ++idx) bytes += static_cast<int64_t>(dict[indices[idx]].size());
    RC_RETURN_IF_ERROR(Charge(bytes));
  }
  for (size_t idx = 0; idx < count; ++idx) out[idx] = dict[indices[idx]];
  return Ok();
}

template <typename T>
Status ChunkDecoder::DecodeValues(int32_t encoding, const uint8_t* data, size_t size, size_t count, T* out) {
  int64_t used = -1;
  if (leaf_.physical == format::Type::INT96) {
    // 12-byte values: only PLAIN (and dictionaries of PLAIN values) exist for them.
    if constexpr (std::is_same_v<T, int64_t>) {
      if (encoding == format::Encoding::PLAIN) {
        used = DecodePlainInt96(data, size, count, out);
        if (used < 0) return Corrupt("truncated or malformed INT96 timestamps");
        return Ok();
      }
    }
    if (encoding != format::Encoding::PLAIN_DICTIONARY && encoding != format::Encoding::RLE_DICTIONARY) {
      return NotSupported("encoding " + EncodingName(encoding) + " for INT96");
    }
  }
  switch (encoding) {
    case format::Encoding::PLAIN:
      if constexpr (std::is_same_v<T, uint8_t>) {
        used = DecodePlainBools(data, size, count, out);
      } else {
        constexpr size_t kMin = MinPlainBytes<T>();
        if (count > size / kMin) return Corrupt("page holds fewer bytes than its values need");
        used = DecodePlain(data, size, count, out);
      }
      break;
    case format::Encoding::PLAIN_DICTIONARY:
    case format::Encoding::RLE_DICTIONARY:
      RC_RETURN_IF_ERROR(DecodeDictionaryIndices(data, size, count, out));
      used = 0;
      break;
    case format::Encoding::RLE:
      if constexpr (std::is_same_v<T, uint8_t>) {
        ByteReader reader(data, size);
        uint32_t len = 0;
        const uint8_t* runs = nullptr;
        if (!reader.ReadLittleEndian(&len) || !reader.ReadBytes(len, &runs)) {
          return Corrupt("truncated RLE boolean values");
        }
        RleHybridDecoder decoder(runs, len, 1);
        if (decoder.Decode(out, count) != count) return Corrupt("truncated RLE boolean values");
        used = 0;
      } else {
        return NotSupported("encoding RLE for " + TypeName(leaf_.physical));
      }
      break;
    case format::Encoding::DELTA_BINARY_PACKED:
      if constexpr (std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>) {
        used = DecodeDeltaBinaryPacked(data, size, count, out);
      } else {
        return NotSupported("encoding DELTA_BINARY_PACKED for " + TypeName(leaf_.physical));
      }
      break;
    case format::Encoding::DELTA_LENGTH_BYTE_ARRAY:
    case format::Encoding::DELTA_BYTE_ARRAY:
      if constexpr (std::is_same_v<T, std::string>) {
        used = encoding == format::Encoding::DELTA_BYTE_ARRAY ? DecodeDeltaByteArray(data, size, count, out)
                                                              : DecodeDeltaLengthByteArray(data, size, count, out);
      } else {
        return NotSupported("encoding " + EncodingName(encoding) + " for " + TypeName(leaf_.physical));
      }
      break;
    case format::Encoding::BYTE_STREAM_SPLIT:
      if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, uint8_t>) {
        used = DecodeByteStreamSplit(data, size, count, sizeof(T), reinterpret_cast<uint8_t*>(out));
      } else {
        return NotSupported("encoding BYTE_STREAM_SPLIT for " + TypeName(leaf_.physical));
      }
      break;
    default:
      return NotSupported("encoding " + EncodingName(encoding));
  }
  if (used < 0) return Corrupt("truncated or malformed " + EncodingName(encoding) + " values");
  if constexpr (std::is_same_v<T, std::string>) {
    if (encoding != format::Encoding::PLAIN_DICTIONARY && encoding != format::Encoding::RLE_DICTIONARY) {
      int64_t bytes = 0;
      for (size_t idx = 0; idx < count; ++idx) bytes += static_cast<int64_t>(out[idx].size());
      RC_RETURN_IF_ERROR(Charge(bytes));
    }
  }
  return Ok();
}

Status ChunkDecoder::Begin(const uint8_t* file, size_t data_end, int64_t entries) {
  if (!meta_.__isset.codec || !IsCodecSupported(meta_.codec)) {
    return NotSupported("compression codec " + CodecName(meta_.codec));
  }
  if (!meta_.__isset.data_page_offset || !meta_.__isset.total_compressed_size || !meta_.__isset.num_values) {
    return Corrupt("column metadata lacks offsets or sizes");
  }
  int64_t start = meta_.data_page_offset;
  if (meta_.__isset.dictionary_page_offset && meta_.dictionary_page_offset > 0 &&
      meta_.dictionary_page_offset < start) {
    start = meta_.dictionary_page_offset;
  }
  const int64_t length = meta_.total_compressed_size;
  if (start < 0 || length < 0 || start > static_cast<int64_t>(data_end) ||
      length > static_cast<int64_t>(data_end) - start) {
    return Corrupt("column chunk [" + std::to_string(start) + ", +" + std::to_string(length) +
                   ") lies outside the file's data");
  }
  if (meta_.num_values != entries) {
    return Corrupt("chunk has " + std::to_string(meta_.num_values) + " values but the row group has " +
                   std::to_string(entries) + " rows");
  }
  entries_ = entries;
  page_limit_ = std::max(kBasePageLimit, length * 1024);
  codec_ = meta_.codec;
  chunk_ = ByteReader(file + start, static_cast<size_t>(length));
  return Ok();
}

Status ChunkDecoder::Inflate(const uint8_t* src, size_t size, size_t out_size, bool compressed, uint8_t* dst,
                             const uint8_t** view) {
  if (!compressed || codec_ == kCodecUncompressed) {
    if (size != out_size) return Corrupt("uncompressed page sizes disagree");
    if (dst == nullptr) {
      *view = src;
      return Ok();
    }
    if (size > 0) std::memcpy(dst, src, size);
    *view = dst;
    return Ok();
  }
  uint8_t* target = dst != nullptr ? dst : scratch_->Page(out_size);
  Status status = Decompress(codec_, src, size, target, out_size);
  if (!status) return tl::unexpected(WithContext(status.error(), "column '" + leaf_.name + "'"));
  *view = target;
  return Ok();
}

template <typename T>
Status ChunkDecoder::NextDataPage(int64_t left, DataPage* page) {
  while (true) {
    if (chunk_.remaining() == 0) {
      return Corrupt("chunk ends after " + std::to_string(entries_ - left) + " of " + std::to_string(entries_) +
                     " values");
    }
    format::PageHeader header;
    RC_ASSIGN_OR_RETURN(size_t header_size, DeserializeThrift(chunk_.current(), chunk_.remaining(), &header,
                                                              "column '" + leaf_.name + "' page header"));
    chunk_.Skip(header_size);
    if (!header.__isset.type || !header.__isset.compressed_page_size || !header.__isset.uncompressed_page_size) {
      return Corrupt("page header lacks type or sizes");
    }
    if (header.compressed_page_size < 0 || static_cast<size_t>(header.compressed_page_size) > chunk_.remaining()) {
      return Corrupt("page of " + std::to_string(header.compressed_page_size) + " bytes runs past the chunk");
    }
    if (header.uncompressed_page_size < 0 || header.uncompressed_page_size > page_limit_) {
      return Corrupt("page claims " + std::to_string(header.uncompressed_page_size) + " uncompressed bytes");
    }
    page->raw = chunk_.current();
    page->raw_size = static_cast<size_t>(header.compressed_page_size);
    page->full_size = static_cast<size_t>(header.uncompressed_page_size);
    chunk_.Skip(page->raw_size);

    if (header.type == format::PageType::DICTIONARY_PAGE) {
      if (left != entries_) return Corrupt("dictionary page after data pages");
      const uint8_t* body = nullptr;
      RC_RETURN_IF_ERROR(Inflate(page->raw, page->raw_size, page->full_size, true, nullptr, &body));
      RC_RETURN_IF_ERROR(DecodeDictionaryPage<T>(header, body, page->full_size));
      continue;
    }
    if (header.type != format::PageType::DATA_PAGE && header.type != format::PageType::DATA_PAGE_V2) {
      continue;  // index pages and future page types carry no values
    }
    page->v2 = header.type == format::PageType::DATA_PAGE_V2;
    int64_t page_values = 0;
    if (!page->v2) {
      if (!header.__isset.data_page_header) return Corrupt("data page without its header");
      const auto& data_header = header.data_page_header;
      if (!data_header.__isset.num_values || !data_header.__isset.encoding) return Corrupt("incomplete data page header");
      page_values = data_header.num_values;
      page->encoding = data_header.encoding;
    } else {
      if (!header.__isset.data_page_header_v2) return Corrupt("data page v2 without its header");
      const auto& data_header = header.data_page_header_v2;
      if (!data_header.__isset.num_values || !data_header.__isset.encoding ||
          !data_header.__isset.definition_levels_byte_length || !data_header.__isset.repetition_levels_byte_length) {
        return Corrupt("incomplete data page v2 header");
      }
      page_values = data_header.num_values;
      page->encoding = data_header.encoding;
      const int64_t def_len = data_header.definition_levels_byte_length;
      const int64_t rep_len = data_header.repetition_levels_byte_length;
      if (def_len < 0 || rep_len < 0 || def_len + rep_len > static_cast<int64_t>(page->raw_size) ||
          def_len + rep_len > static_cast<int64_t>(page->full_size)) {
        return Corrupt("data page v2 level lengths exceed the page");
      }
      if (rep_len != 0 && leaf_.max_rep == 0) return Corrupt("repetition levels in a column that does not repeat");
      if (def_len != 0 && (leveled_ ? leaf_.max_def == 0 : !leaf_.nullable)) {
        return Corrupt("definition levels in a required column");
      }
      page->rep_len = static_cast<size_t>(rep_len);
      page->def_len = static_cast<size_t>(def_len);
      page->values_compressed = !data_header.__isset.is_compressed || data_header.is_compressed;
    }
    if (page_values < 0 || page_values > left) {
      return Corrupt("page has " + std::to_string(page_values) + " values, " + std::to_string(left) + " remain");
    }
    page->count = static_cast<size_t>(page_values);
    return Ok();
  }
}

Status ChunkDecoder::SplitBody(const DataPage& page, PageBody* body) {
  if (page.v2) {
    // v2 levels are never compressed (repetition first); only the values section may be.
    const size_t skip = page.rep_len + page.def_len;
    body->rep = page.raw;
    body->rep_size = page.rep_len;
    body->def = page.raw + page.rep_len;
    body->def_size = page.def_len;
    body->values_size = page.full_size - skip;
    return Inflate(page.raw + skip, page.raw_size - skip, body->values_size, page.values_compressed, nullptr,
                   &body->values);
  }
  const uint8_t* data = nullptr;
  RC_RETURN_IF_ERROR(Inflate(page.raw, page.raw_size, page.full_size, true, nullptr, &data));
  ByteReader reader(data, page.full_size);
  // v1 levels: u32le-prefixed repetition levels, then definition levels.
  auto read_levels = [&reader](const uint8_t** levels, size_t* size) {
    uint32_t len = 0;
    if (!reader.ReadLittleEndian(&len) || !reader.ReadBytes(len, levels)) return false;
    *size = len;
    return true;
  };
  if (leaf_.max_rep > 0 && !read_levels(&body->rep, &body->rep_size)) return Corrupt("truncated repetition levels");
  const bool has_def = leveled_ ? leaf_.max_def > 0 : leaf_.nullable;
  if (has_def && !read_levels(&body->def, &body->def_size)) return Corrupt("truncated definition levels");
  body->values = reader.current();
  body->values_size = reader.remaining();
  return Ok();
}

template <typename T>
bool ChunkDecoder::IsDirectPlain(const DataPage& page) const {
  if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, uint8_t>) {
    return page.encoding == format::Encoding::PLAIN && !leaf_.nullable && leaf_.max_rep == 0 &&
           leaf_.physical != format::Type::INT96 && page.rep_len == 0 && page.def_len == 0 &&
           page.full_size == page.count * sizeof(T);
  } else {
    (void)page;
    return false;
  }
}

template <typename T>
Status ChunkDecoder::RunFlat(T* values, uint8_t* validity, bool* has_nulls) {
  size_t done = 0;
  while (static_cast<int64_t>(done) < entries_) {
    DataPage page;
    RC_RETURN_IF_ERROR(NextDataPage<T>(entries_ - static_cast<int64_t>(done), &page));
    const size_t count = page.count;
    T* out = values + done;
    if (IsDirectPlain<T>(page)) {
      // The common case of numeric columns: no copy through a page buffer.
      const uint8_t* view = nullptr;
      RC_RETURN_IF_ERROR(Inflate(page.raw, page.raw_size, page.full_size, !page.v2 || page.values_compressed,
                                 reinterpret_cast<uint8_t*>(out), &view));
      done += count;
      continue;
    }
    PageBody body;
    RC_RETURN_IF_ERROR(SplitBody(page, &body));
    size_t non_null = count;
    const uint8_t* valid = nullptr;
    if (leaf_.nullable) {
      uint8_t* page_validity = validity + done;
      RleHybridDecoder decoder(body.def, body.def_size, 1);
      if (decoder.Decode(page_validity, count) != count) return Corrupt("truncated definition levels");
      non_null = static_cast<size_t>(std::count(page_validity, page_validity + count, uint8_t{1}));
      valid = page_validity;
    }
    if (non_null == count) {
      RC_RETURN_IF_ERROR(DecodeValues(page.encoding, body.values, body.values_size, count, out));
    } else {
      // The present values are decoded into the tail of the page's rows and
      // moved forward to their rows: the k-th present value never lands past
      // where it was decoded, and nulls take the default value.
      *has_nulls = true;
      const size_t first = count - non_null;
      RC_RETURN_IF_ERROR(DecodeValues(page.encoding, body.values, body.values_size, non_null, out + first));
      size_t next = first;
      for (size_t idx = 0; idx < count; ++idx) {
        if (valid[idx] == 0) {
          out[idx] = T{};
        } else {
          if (next != idx) out[idx] = std::move(out[next]);
          ++next;
        }
      }
    }
    done += count;
  }
  return Ok();
}

template <typename T>
Status ChunkDecoder::RunLeveled(ColumnVector<T>* values, LeveledColumn* levels) {
  leveled_ = true;
  int64_t left = entries_;
  while (left > 0) {
    DataPage page;
    RC_RETURN_IF_ERROR(NextDataPage<T>(left, &page));
    PageBody body;
    RC_RETURN_IF_ERROR(SplitBody(page, &body));
    const size_t count = page.count;
    RC_RETURN_IF_ERROR(Charge(static_cast<int64_t>(count * (sizeof(T) + 2 * sizeof(int16_t)))));
    RC_RETURN_IF_ERROR(DecodeLevels(body.rep, body.rep_size, count, leaf_.max_rep, "repetition", &levels->rep));
    RC_RETURN_IF_ERROR(DecodeLevels(body.def, body.def_size, count, leaf_.max_def, "definition", &levels->def));
    const auto page_def = levels->def.end() - static_cast<std::ptrdiff_t>(count);
    const auto present = static_cast<size_t>(std::count(page_def, levels->def.end(), int16_t(leaf_.max_def)));
    const size_t base = values->size();
    values->resize_for_overwrite(base + present);  // DecodeValues writes all of them
    RC_RETURN_IF_ERROR(DecodeValues(page.encoding, body.values, body.values_size, present, values->data() + base));
    left -= page.count;
  }
  return Ok();
}

}  // namespace

std::string EncodingName(int32_t encoding) {
  switch (encoding) {
    case format::Encoding::PLAIN:
      return "PLAIN";
    case format::Encoding::PLAIN_DICTIONARY:
      return "PLAIN_DICTIONARY";
    case format::Encoding::RLE:
      return "RLE";
    case format::Encoding::BIT_PACKED:
      return "BIT_PACKED";
    case format::Encoding::DELTA_BINARY_PACKED:
      return "DELTA_BINARY_PACKED";
    case format::Encoding::DELTA_LENGTH_BYTE_ARRAY:
      return "DELTA_LENGTH_BYTE_ARRAY";
    case format::Encoding::DELTA_BYTE_ARRAY:
      return "DELTA_BYTE_ARRAY";
    case format::Encoding::RLE_DICTIONARY:
      return "RLE_DICTIONARY";
    case format::Encoding::BYTE_STREAM_SPLIT:
      return "BYTE_STREAM_SPLIT";
    default:
      return "encoding " + std::to_string(encoding);
  }
}

Result<LeafInfo> MapLeaf(const format::SchemaElement& element) {
  LeafInfo leaf;
  leaf.name = element.name;
  auto unsupported = [&](const std::string& what) {
    return Unsupported("column '" + leaf.name + "': " + what, leaf.name);
  };
  if (!element.__isset.type) return unsupported("nested (group) columns");
  if (element.__isset.repetition_type && element.repetition_type == format::FieldRepetitionType::REPEATED) {
    return unsupported("repeated (nested) columns");
  }
  leaf.nullable = !element.__isset.repetition_type || element.repetition_type != format::FieldRepetitionType::REQUIRED;
  leaf.physical = element.type;
  const bool has_logical = element.__isset.logicalType;
  const auto& logical = element.logicalType;
  const bool has_converted = element.__isset.converted_type;
  const auto converted = element.converted_type;
  if (has_logical && logical.__isset.DECIMAL) return unsupported("DECIMAL");
  if (has_converted && converted == format::ConvertedType::DECIMAL) return unsupported("DECIMAL");
  if (has_logical && (logical.__isset.TIME || logical.__isset.UUID || logical.__isset.FLOAT16 ||
                      logical.__isset.MAP || logical.__isset.LIST)) {
    return unsupported("logical type other than STRING, DATE, INTEGER, TIMESTAMP");
  }
  if (has_converted && (converted == format::ConvertedType::TIME_MILLIS ||
                        converted == format::ConvertedType::TIME_MICROS ||
                        converted == format::ConvertedType::INTERVAL || converted == format::ConvertedType::MAP ||
                        converted == format::ConvertedType::LIST ||
                        converted == format::ConvertedType::MAP_KEY_VALUE)) {
    return unsupported("converted type " + std::to_string(static_cast<int>(converted)));
  }
  switch (element.type) {
    case format::Type::BOOLEAN:
      leaf.type = ColumnType::kBool;
      return leaf;
    case format::Type::INT32:
      if ((has_logical && logical.__isset.DATE) || (has_converted && converted == format::ConvertedType::DATE)) {
        leaf.type = ColumnType::kDate;
        return leaf;
      }
      if ((has_logical && logical.__isset.INTEGER && !logical.INTEGER.isSigned && logical.INTEGER.bitWidth >= 32) ||
          (has_converted && converted == format::ConvertedType::UINT_32)) {
        return unsupported("unsigned 32-bit integers");
      }
      leaf.type = ColumnType::kInt32;
      return leaf;
    case format::Type::INT64:
      if (has_logical && logical.__isset.TIMESTAMP) {
        leaf.type = ColumnType::kTimestampMicros;
        const auto& unit = logical.TIMESTAMP.unit;
        leaf.time_scale = unit.__isset.MILLIS   ? TimeUnitScale::kMillis
                          : unit.__isset.NANOS  ? TimeUnitScale::kNanos
                          : unit.__isset.MICROS ? TimeUnitScale::kMicros
                                                : TimeUnitScale::kNone;
        if (leaf.time_scale == TimeUnitScale::kNone) return unsupported("timestamp with an unknown unit");
        return leaf;
      }
      if (has_converted && (converted == format::ConvertedType::TIMESTAMP_MILLIS ||
                            converted == format::ConvertedType::TIMESTAMP_MICROS)) {
        // ConvertedType-only timestamps are UTC-adjusted (docs/formats.md §1.3).
        leaf.type = ColumnType::kTimestampMicros;
        leaf.time_scale = converted == format::ConvertedType::TIMESTAMP_MILLIS ? TimeUnitScale::kMillis
                                                                              : TimeUnitScale::kMicros;
        return leaf;
      }
      if ((has_logical && logical.__isset.INTEGER && !logical.INTEGER.isSigned) ||
          (has_converted && converted == format::ConvertedType::UINT_64)) {
        return unsupported("unsigned 64-bit integers");
      }
      leaf.type = ColumnType::kInt64;
      return leaf;
    case format::Type::INT96:
      // Spark's default timestamp encoding (spark.sql.parquet.outputTimestampType=INT96): UTC instants.
      leaf.type = ColumnType::kTimestampMicros;
      return leaf;
    case format::Type::FLOAT:
      leaf.type = ColumnType::kFloat;
      return leaf;
    case format::Type::DOUBLE:
      leaf.type = ColumnType::kDouble;
      return leaf;
    case format::Type::BYTE_ARRAY:
      // STRING/UTF8/ENUM/JSON and unannotated binary are all read as bytes.
      leaf.type = ColumnType::kString;
      return leaf;
    case format::Type::FIXED_LEN_BYTE_ARRAY:
      return unsupported("FIXED_LEN_BYTE_ARRAY");
  }
  return unsupported("physical type " + std::to_string(static_cast<int>(element.type)));
}

namespace {
// Converts `count` INT64 timestamps to microseconds in place.
void ScaleTimestamps(TimeUnitScale scale, int64_t* ts, size_t count) {
  for (size_t row = 0; row < count; ++row) {
    if (scale == TimeUnitScale::kMillis) {
      // Saturate instead of overflowing for values beyond +-292 millennia.
      const int64_t ms = ts[row];
      constexpr int64_t kLimit = std::numeric_limits<int64_t>::max() / 1000;
      ts[row] = ms > kLimit ? std::numeric_limits<int64_t>::max()
                : ms < -kLimit ? std::numeric_limits<int64_t>::min()
                               : ms * 1000;
    } else {
      // Floor division so that pre-1970 instants round towards the past.
      const int64_t ns = ts[row];
      ts[row] = ns / 1000 - ((ns % 1000) < 0 ? 1 : 0);
    }
  }
}
}  // namespace

Status ReadLeveledColumnChunk(const LeafInfo& leaf, const format::ColumnMetaData& meta, const uint8_t* file,
                              size_t data_end, DecodeBudget* budget, LeveledColumn* out) {
  DecodeScratch scratch;
  ChunkDecoder decoder(leaf, meta, budget, &scratch);
  if (!meta.__isset.type || meta.type != leaf.physical) {
    return decoder.Corrupt("chunk type differs from the schema type " + TypeName(leaf.physical));
  }
  if (!meta.__isset.num_values || meta.num_values < 0) return decoder.Corrupt("chunk has no valid num_values");
  RC_RETURN_IF_ERROR(decoder.Begin(file, data_end, meta.num_values));
  const size_t first_row = std::visit([](const auto& vec) { return vec.size(); }, out->values.values);
  RC_RETURN_IF_ERROR(
      std::visit([&](auto& vec) { return decoder.RunLeveled(&vec, out); }, out->values.values));
  if (leaf.time_scale == TimeUnitScale::kMillis || leaf.time_scale == TimeUnitScale::kNanos) {
    auto& ts = std::get<ColumnVector<int64_t>>(out->values.values);
    ScaleTimestamps(leaf.time_scale, ts.data() + first_row, ts.size() - first_row);
  }
  return Ok();
}

Status ReadColumnChunk(const LeafInfo& leaf, const format::ColumnMetaData& meta, const uint8_t* file,
                       size_t data_end, int64_t rows, DecodeBudget* budget, DecodeScratch* scratch, Column* out,
                       size_t first_row, bool* has_nulls) {
  ChunkDecoder decoder(leaf, meta, budget, scratch);
  if (!meta.__isset.type || meta.type != leaf.physical) {
    return decoder.Corrupt("chunk type differs from the schema type " + TypeName(leaf.physical));
  }
  const size_t size = std::visit([](const auto& vec) { return vec.size(); }, out->values);
  if (rows < 0 || first_row > size || static_cast<uint64_t>(rows) > size - first_row ||
      (leaf.nullable && out->validity.size() != size)) {
    return Internal("column '" + leaf.name + "': output not sized for the chunk's rows");
  }
  RC_RETURN_IF_ERROR(decoder.Begin(file, data_end, rows));
  uint8_t* validity = leaf.nullable ? out->validity.data() + first_row : nullptr;
  RC_RETURN_IF_ERROR(std::visit(
      [&](auto& vec) { return decoder.RunFlat(vec.data() + first_row, validity, has_nulls); }, out->values));
  if (leaf.time_scale == TimeUnitScale::kMillis || leaf.time_scale == TimeUnitScale::kNanos) {
    ScaleTimestamps(leaf.time_scale, std::get<ColumnVector<int64_t>>(out->values).data() + first_row,
                    static_cast<size_t>(rows));
  }
  return Ok();
}

bool DecodeBudget::TryCharge(int64_t bytes) {
  int64_t left = bytes_left_.load(std::memory_order_relaxed);
  do {
    if (bytes < 0 || bytes > left) return false;
  } while (!bytes_left_.compare_exchange_weak(left, left - bytes, std::memory_order_relaxed));
  return true;
}

uint8_t* DecodeScratch::Page(size_t size) {
  // Not zero-filled: every page overwrites the bytes it uses.
  if (size > page_capacity_) {
    page_.reset(new uint8_t[size]);
    page_capacity_ = size;
  }
  return page_.get();
}

}  // namespace rc::lake::parquet::internal
