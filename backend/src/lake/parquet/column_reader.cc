// Column chunk reader. Pages are read until the chunk's num_values levels are
// decoded (docs/formats.md §1.1); each page may use its own encoding (writers fall
// back from dictionary to PLAIN mid-chunk). Every size read from the file is
// checked against the bytes actually present before it is used, and decoded
// output is charged to a DecodeBudget so that a few bytes of RLE runs cannot
// make us allocate gigabytes.
#include "lake/parquet/internal/column_reader.h"

#include <algorithm>
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

// Byte buffer that grows without zero-filling (pages are overwritten whole).
class PageBuffer {
 public:
  uint8_t* Reserve(size_t size) {
    if (size > capacity_) {
      data_.reset(new uint8_t[size]);
      capacity_ = size;
    }
    return data_.get();
  }

 private:
  std::unique_ptr<uint8_t[]> data_;
  size_t capacity_ = 0;
};

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

template <typename T>
int64_t ValueCost(const T& value) {
  if constexpr (std::is_same_v<T, std::string>) {
    return static_cast<int64_t>(sizeof(std::string) + value.size());
  } else {
    (void)value;
    return static_cast<int64_t>(sizeof(T));
  }
}

class ChunkDecoder {
 public:
  ChunkDecoder(const LeafInfo& leaf, const format::ColumnMetaData& meta, DecodeBudget* budget)
      : leaf_(leaf), meta_(meta), budget_(budget) {}

  Status Corrupt(const std::string& why) const { return DataCorrupt("column '" + leaf_.name + "': " + why, leaf_.name); }
  Status NotSupported(const std::string& what) const {
    return Unsupported("column '" + leaf_.name + "': " + what, leaf_.name);
  }

  Status Charge(int64_t bytes) {
    if (bytes > budget_->bytes_left) {
      return NotSupported("decoded data would exceed the reader's limit (1024x the file size)");
    }
    budget_->bytes_left -= bytes;
    return Ok();
  }

  // Decodes the chunk's pages. Flat leaves (`levels` null) fill one value and,
  // when nullable, one validity byte per row; nested leaves fill `levels` with
  // every entry's levels and `values` with the present values only.
  template <typename T>
  Status Run(const uint8_t* file, size_t data_end, int64_t rows, std::vector<T>* values,
             std::vector<uint8_t>* validity, LeveledColumn* levels = nullptr);

 private:
  template <typename T>
  Status DecodeValues(int32_t encoding, const uint8_t* data, size_t size, size_t count, T* out, bool v2);
  template <typename T>
  Status DecodeDictionaryPage(const format::PageHeader& header, const uint8_t* data, size_t size);
  // Appends `count` levels of bit width BitWidth(max_level) (0 = all zero).
  Status DecodeLevels(const uint8_t* data, size_t size, size_t count, int max_level, const char* what,
                      std::vector<int16_t>* out);

  const LeafInfo& leaf_;
  const format::ColumnMetaData& meta_;
  DecodeBudget* budget_;
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
Status ChunkDecoder::DecodeValues(int32_t encoding, const uint8_t* data, size_t size, size_t count, T* out,
                                  bool v2) {
  (void)v2;
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
    case format::Encoding::RLE_DICTIONARY: {
      if (!have_dictionary_) return Corrupt("dictionary-encoded page without a dictionary page");
      if (size < 1) return Corrupt("dictionary page data without a bit width");
      const int bit_width = data[0];
      if (bit_width > 32) return Corrupt("dictionary index bit width " + std::to_string(bit_width));
      std::vector<uint32_t> indices(count);
      RleHybridDecoder decoder(data + 1, size - 1, bit_width);
      if (decoder.Decode(indices.data(), count) != count) return Corrupt("truncated dictionary indices");
      const std::vector<T>& dict = Dictionary<T>();
      const size_t dict_size = dict.size();
      for (size_t idx = 0; idx < count; ++idx) {
        if (indices[idx] >= dict_size) return Corrupt("dictionary index out of range");
        if constexpr (std::is_same_v<T, std::string>) {
          RC_RETURN_IF_ERROR(Charge(static_cast<int64_t>(dict[indices[idx]].size())));
        }
        out[idx] = dict[indices[idx]];
      }
      used = 0;
      break;
    }
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

template <typename T>
Status ChunkDecoder::Run(const uint8_t* file, size_t data_end, int64_t rows, std::vector<T>* values,
                         std::vector<uint8_t>* validity, LeveledColumn* levels) {
  const bool nested = levels != nullptr;
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
  if (meta_.num_values != rows) {
    return Corrupt("chunk has " + std::to_string(meta_.num_values) + " values but the row group has " +
                   std::to_string(rows) + " rows");
  }
  const int64_t page_limit = std::max(kBasePageLimit, length * 1024);
  const int32_t codec = meta_.codec;
  ByteReader chunk(file + start, static_cast<size_t>(length));
  PageBuffer page_buffer;
  std::vector<T> scratch;
  int64_t left = rows;
  while (left > 0) {
    if (chunk.remaining() == 0) {
      return Corrupt("chunk ends after " + std::to_string(rows - left) + " of " + std::to_string(rows) + " values");
    }
    format::PageHeader header;
    RC_ASSIGN_OR_RETURN(size_t header_size,
                        DeserializeThrift(chunk.current(), chunk.remaining(), &header, "column '" + leaf_.name + "' page header"));
    chunk.Skip(header_size);
    if (!header.__isset.type || !header.__isset.compressed_page_size || !header.__isset.uncompressed_page_size) {
      return Corrupt("page header lacks type or sizes");
    }
    if (header.compressed_page_size < 0 || static_cast<size_t>(header.compressed_page_size) > chunk.remaining()) {
      return Corrupt("page of " + std::to_string(header.compressed_page_size) + " bytes runs past the chunk");
    }
    if (header.uncompressed_page_size < 0 || header.uncompressed_page_size > page_limit) {
      return Corrupt("page claims " + std::to_string(header.uncompressed_page_size) + " uncompressed bytes");
    }
    const uint8_t* raw = chunk.current();
    const auto raw_size = static_cast<size_t>(header.compressed_page_size);
    const auto full_size = static_cast<size_t>(header.uncompressed_page_size);
    chunk.Skip(raw_size);

    // Decompresses [raw+skip, raw+raw_size) to `out_size` bytes; returns the view.
    auto inflate = [&](size_t skip, size_t out_size, const uint8_t** view) -> Status {
      if (codec == kCodecUncompressed) {
        if (raw_size - skip != out_size) return Corrupt("uncompressed page sizes disagree");
        *view = raw + skip;
        return Ok();
      }
      uint8_t* dst = page_buffer.Reserve(out_size);
      Status status = Decompress(codec, raw + skip, raw_size - skip, dst, out_size);
      if (!status) return tl::unexpected(WithContext(status.error(), "column '" + leaf_.name + "'"));
      *view = dst;
      return Ok();
    };

    if (header.type == format::PageType::DICTIONARY_PAGE) {
      if (left != rows) return Corrupt("dictionary page after data pages");
      const uint8_t* body = nullptr;
      RC_RETURN_IF_ERROR(inflate(0, full_size, &body));
      RC_RETURN_IF_ERROR(DecodeDictionaryPage<T>(header, body, full_size));
      continue;
    }
    if (header.type != format::PageType::DATA_PAGE && header.type != format::PageType::DATA_PAGE_V2) {
      continue;  // index pages and future page types carry no values
    }

    const bool v2 = header.type == format::PageType::DATA_PAGE_V2;
    int64_t page_values = 0;
    int32_t encoding = 0;
    const uint8_t* level_data = nullptr;
    size_t level_size = 0;
    const uint8_t* rep_data = nullptr;  // nested leaves only
    size_t rep_size = 0;
    const uint8_t* value_data = nullptr;
    size_t value_size = 0;
    if (!v2) {
      if (!header.__isset.data_page_header) return Corrupt("data page without its header");
      const auto& data_header = header.data_page_header;
      if (!data_header.__isset.num_values || !data_header.__isset.encoding) return Corrupt("incomplete data page header");
      page_values = data_header.num_values;
      encoding = data_header.encoding;
      const uint8_t* body = nullptr;
      RC_RETURN_IF_ERROR(inflate(0, full_size, &body));
      ByteReader reader(body, full_size);
      if (nested) {
        // v1 nested pages: u32le-prefixed repetition levels, then definition levels.
        uint32_t len = 0;
        if (leaf_.max_rep > 0) {
          if (!reader.ReadLittleEndian(&len) || !reader.ReadBytes(len, &rep_data)) {
            return Corrupt("truncated repetition levels");
          }
          rep_size = len;
        }
        if (leaf_.max_def > 0) {
          if (!reader.ReadLittleEndian(&len) || !reader.ReadBytes(len, &level_data)) {
            return Corrupt("truncated definition levels");
          }
          level_size = len;
        }
      } else if (leaf_.nullable) {
        uint32_t len = 0;
        if (!reader.ReadLittleEndian(&len) || !reader.ReadBytes(len, &level_data)) {
          return Corrupt("truncated definition levels");
        }
        level_size = len;
      }
      value_data = reader.current();
      value_size = reader.remaining();
    } else {
      if (!header.__isset.data_page_header_v2) return Corrupt("data page v2 without its header");
      const auto& data_header = header.data_page_header_v2;
      if (!data_header.__isset.num_values || !data_header.__isset.encoding ||
          !data_header.__isset.definition_levels_byte_length || !data_header.__isset.repetition_levels_byte_length) {
        return Corrupt("incomplete data page v2 header");
      }
      page_values = data_header.num_values;
      encoding = data_header.encoding;
      const int64_t def_len = data_header.definition_levels_byte_length;
      const int64_t rep_len = data_header.repetition_levels_byte_length;
      if (def_len < 0 || rep_len < 0 || def_len + rep_len > static_cast<int64_t>(raw_size) ||
          def_len + rep_len > static_cast<int64_t>(full_size)) {
        return Corrupt("data page v2 level lengths exceed the page");
      }
      if (rep_len != 0 && leaf_.max_rep == 0) return Corrupt("repetition levels in a column that does not repeat");
      if (def_len != 0 && (nested ? leaf_.max_def == 0 : !leaf_.nullable)) {
        return Corrupt("definition levels in a required column");
      }
      // v2 levels are never compressed (repetition first); only the values section may be.
      rep_data = raw;
      rep_size = static_cast<size_t>(rep_len);
      level_data = raw + rep_len;
      level_size = static_cast<size_t>(def_len);
      const auto skip = static_cast<size_t>(def_len + rep_len);
      const size_t values_full = full_size - skip;
      const bool compressed = !data_header.__isset.is_compressed || data_header.is_compressed;
      if (compressed && codec != kCodecUncompressed) {
        RC_RETURN_IF_ERROR(inflate(skip, values_full, &value_data));
      } else {
        if (raw_size - skip != values_full) return Corrupt("uncompressed page sizes disagree");
        value_data = raw + skip;
      }
      value_size = values_full;
    }
    if (page_values < 0 || page_values > left) {
      return Corrupt("page has " + std::to_string(page_values) + " values, " + std::to_string(left) + " remain");
    }
    const auto count = static_cast<size_t>(page_values);
    if (nested) {
      RC_RETURN_IF_ERROR(Charge(static_cast<int64_t>(count * (sizeof(T) + 2 * sizeof(int16_t)))));
      RC_RETURN_IF_ERROR(DecodeLevels(rep_data, rep_size, count, leaf_.max_rep, "repetition", &levels->rep));
      RC_RETURN_IF_ERROR(DecodeLevels(level_data, level_size, count, leaf_.max_def, "definition", &levels->def));
      const auto page_def = levels->def.end() - static_cast<std::ptrdiff_t>(count);
      const auto present = static_cast<size_t>(std::count(page_def, levels->def.end(), int16_t(leaf_.max_def)));
      const size_t base = values->size();
      values->resize(base + present);
      RC_RETURN_IF_ERROR(DecodeValues(encoding, value_data, value_size, present, values->data() + base, v2));
      left -= page_values;
      continue;
    }
    RC_RETURN_IF_ERROR(Charge(static_cast<int64_t>(count * (sizeof(T) + (leaf_.nullable ? 1 : 0)))));
    size_t non_null = count;
    if (leaf_.nullable) {
      const size_t base = validity->size();
      validity->resize(base + count);
      RleHybridDecoder decoder(level_data, level_size, 1);
      if (decoder.Decode(validity->data() + base, count) != count) return Corrupt("truncated definition levels");
      non_null = static_cast<size_t>(std::count(validity->begin() + static_cast<std::ptrdiff_t>(base),
                                                validity->end(), uint8_t{1}));
    }
    const size_t base = values->size();
    values->resize(base + count);
    if (non_null == count) {
      RC_RETURN_IF_ERROR(DecodeValues(encoding, value_data, value_size, count, values->data() + base, v2));
    } else {
      scratch.resize(non_null);
      RC_RETURN_IF_ERROR(DecodeValues(encoding, value_data, value_size, non_null, scratch.data(), v2));
      const uint8_t* valid = validity->data() + (validity->size() - count);
      size_t next = 0;
      for (size_t idx = 0; idx < count; ++idx) {
        if (valid[idx]) (*values)[base + idx] = std::move(scratch[next++]);
      }
    }
    left -= page_values;
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
// Converts the INT64 timestamps of `ts` from `first_row` on to microseconds.
void ScaleTimestamps(TimeUnitScale scale, size_t first_row, std::vector<int64_t>& ts) {
  for (size_t row = first_row; row < ts.size(); ++row) {
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
  ChunkDecoder decoder(leaf, meta, budget);
  if (!meta.__isset.type || meta.type != leaf.physical) {
    return decoder.Corrupt("chunk type differs from the schema type " + TypeName(leaf.physical));
  }
  if (!meta.__isset.num_values || meta.num_values < 0) return decoder.Corrupt("chunk has no valid num_values");
  const size_t first_row = std::visit([](const auto& vec) { return vec.size(); }, out->values.values);
  RC_RETURN_IF_ERROR(std::visit(
      [&](auto& vec) { return decoder.Run(file, data_end, meta.num_values, &vec, nullptr, out); },
      out->values.values));
  if (leaf.time_scale == TimeUnitScale::kMillis || leaf.time_scale == TimeUnitScale::kNanos) {
    ScaleTimestamps(leaf.time_scale, first_row, std::get<std::vector<int64_t>>(out->values.values));
  }
  return Ok();
}

Status ReadColumnChunk(const LeafInfo& leaf, const format::ColumnMetaData& meta, const uint8_t* file,
                       size_t data_end, int64_t rows, DecodeBudget* budget, Column* out) {
  ChunkDecoder decoder(leaf, meta, budget);
  if (!meta.__isset.type || meta.type != leaf.physical) {
    return decoder.Corrupt("chunk type differs from the schema type " + TypeName(leaf.physical));
  }
  std::vector<uint8_t>* validity = leaf.nullable ? &out->validity : nullptr;
  const size_t first_row = std::visit([](const auto& vec) { return vec.size(); }, out->values);
  Status status = std::visit(
      [&](auto& vec) { return decoder.Run(file, data_end, rows, &vec, validity); }, out->values);
  if (!status) return status;
  if (leaf.time_scale == TimeUnitScale::kMillis || leaf.time_scale == TimeUnitScale::kNanos) {
    ScaleTimestamps(leaf.time_scale, first_row, std::get<std::vector<int64_t>>(out->values));
  }
  return Ok();
}

}  // namespace rc::lake::parquet::internal
