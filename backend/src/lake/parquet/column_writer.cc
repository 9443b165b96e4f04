// Column chunk writer. Each chunk is written in three steps, all on whole
// vectors: (1) gather the non-null values (no copy when the column has no
// nulls), (2) if dictionary encoding is on, map values to dictionary indices
// until the dictionary's PLAIN size would pass dictionary_max_bytes — rows up
// to that point become RLE_DICTIONARY pages, the rest PLAIN pages of the same
// chunk, as Arrow's FallbackToPlainEncoding does; a numeric chunk whose first
// kDictionaryProbeValues values are mostly distinct (or whose first kDistinctPrefixValues are all
// distinct) is PLAIN throughout — and (3) cut the rows into
// pages of about data_page_bytes and compress each page body.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "lake/parquet/internal/bytes.h"
#include "lake/parquet/internal/codec.h"
#include "lake/parquet/internal/column_writer.h"
#include "lake/parquet/internal/encoding/plain.h"
#include "lake/parquet/internal/encoding/rle_hybrid.h"

namespace rc::lake::parquet::internal {
namespace {

// Arrow drops statistics larger than this (DEFAULT_MAX_STATISTICS_SIZE).
constexpr size_t kMaxStatBytes = 4096;
// Upper bound of rows in one page, well inside the i32 page header fields.
constexpr size_t kMaxPageRows = size_t{1} << 24;
// Values of a numeric chunk (all of a smaller one) looked at before deciding
// that it is mostly distinct and not worth a dictionary.
// Small, because the probe's hashing is wasted when the dictionary is given up
// (a 2,000-row silver partition: ~45 numeric columns per file).
constexpr size_t kDictionaryProbeValues = 512;
// A numeric chunk whose first kDistinctPrefixValues values are all distinct
// (features, prices of a continuous series, timestamps) is given up at once:
// in a 2,000-row partition the 512-value probe costs as much as encoding.
constexpr size_t kDistinctPrefixValues = 64;

// In-memory storage type -> the value type the encoders see.
template <typename T>
using ViewOf = std::conditional_t<std::is_same_v<T, std::string>, std::string_view, T>;

template <typename V>
constexpr format::Type::type PhysicalTypeOf() {
  if constexpr (std::is_same_v<V, uint8_t>) return format::Type::BOOLEAN;
  if constexpr (std::is_same_v<V, int32_t>) return format::Type::INT32;
  if constexpr (std::is_same_v<V, int64_t>) return format::Type::INT64;
  if constexpr (std::is_same_v<V, float>) return format::Type::FLOAT;
  if constexpr (std::is_same_v<V, double>) return format::Type::DOUBLE;
  return format::Type::BYTE_ARRAY;
}

template <typename V>
size_t PlainSize(const V& value) {
  if constexpr (std::is_same_v<V, std::string_view>) {
    return 4 + value.size();
  } else {
    (void)value;
    return sizeof(V);
  }
}

// Dictionary of fixed-width values keyed by bit pattern (so -0.0/+0.0 and NaN
// payloads round-trip exactly), open addressing with linear probing.
template <typename V>
class FixedDictionary {
 public:
  // Room for the values the first rehash would hold (512: also the probe of a
  // mostly distinct chunk), so a probe does not grow its vectors ten times.
  FixedDictionary() {
    keys_.reserve(512);
    entries_.reserve(512);
    Rehash(1024);
  }

  // Index of `value`, or -1.
  int64_t Find(V value) const {
    const uint64_t key = KeyOf(value);
    for (size_t slot = Hash(key); slots_[slot] >= 0; slot = (slot + 1) & mask_) {
      if (keys_[static_cast<size_t>(slots_[slot])] == key) return slots_[slot];
    }
    return -1;
  }
  // Adds a value that Find() did not find; returns its index.
  uint32_t Add(V value) {
    const uint64_t key = KeyOf(value);
    size_t slot = Hash(key);
    while (slots_[slot] >= 0) slot = (slot + 1) & mask_;
    const auto idx = static_cast<uint32_t>(entries_.size());
    entries_.push_back(value);
    keys_.push_back(key);
    slots_[slot] = static_cast<int32_t>(idx);
    if (entries_.size() * 2 > slots_.size()) Rehash(slots_.size() * 2);
    return idx;
  }
  size_t size() const { return entries_.size(); }
  const std::vector<V>& entries() const { return entries_; }

 private:
  static uint64_t KeyOf(V value) {
    uint64_t key = 0;
    std::memcpy(&key, &value, sizeof(V));
    return key;
  }
  // Fibonacci hashing: the top bits of the product mix every bit of the key
  // (timestamps and prices often share their low bits).
  size_t Hash(uint64_t key) const { return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_); }
  void Rehash(size_t capacity) {
    slots_.assign(capacity, -1);
    mask_ = capacity - 1;
    shift_ = 64 - std::countr_zero(capacity);
    for (size_t idx = 0; idx < keys_.size(); ++idx) {
      size_t slot = Hash(keys_[idx]);
      while (slots_[slot] >= 0) slot = (slot + 1) & mask_;
      slots_[slot] = static_cast<int32_t>(idx);
    }
  }
  std::vector<int32_t> slots_;
  std::vector<uint64_t> keys_;
  std::vector<V> entries_;
  size_t mask_ = 0;
  int shift_ = 64;
};

class StringDictionary {
 public:
  StringDictionary() { index_.reserve(1024); }
  int64_t Find(std::string_view value) const {
    auto it = index_.find(value);
    return it == index_.end() ? int64_t{-1} : static_cast<int64_t>(it->second);
  }
  uint32_t Add(std::string_view value) {
    const auto idx = static_cast<uint32_t>(entries_.size());
    index_.emplace(value, idx);
    entries_.push_back(value);
    return idx;
  }
  size_t size() const { return entries_.size(); }
  const std::vector<std::string_view>& entries() const { return entries_; }

 private:
  std::unordered_map<std::string_view, uint32_t> index_;
  std::vector<std::string_view> entries_;
};

template <typename V>
using DictionaryFor = std::conditional_t<std::is_same_v<V, std::string_view>, StringDictionary, FixedDictionary<V>>;

template <typename V>
void AppendPlain(const V* values, size_t count, std::string* out) {
  if constexpr (std::is_same_v<V, uint8_t>) {
    EncodePlainBools(values, count, out);
  } else {
    EncodePlain(values, count, out);
  }
}

template <typename V>
std::string StatBytes(const V& value) {
  if constexpr (std::is_same_v<V, std::string_view>) {
    return std::string(value);
  } else {
    std::string out;
    AppendLittleEndian(&out, value);
    return out;
  }
}

// min/max/null_count over the chunk's non-null values (docs/formats.md §1.6).
template <typename V>
format::Statistics ComputeStatistics(const V* values, size_t count, int64_t null_count) {
  format::Statistics stats;
  stats.__set_null_count(null_count);
  bool any = false;
  V min_value{};
  V max_value{};
  int64_t nan_count = 0;
  if constexpr (std::is_floating_point_v<V>) {
    // Branch-free: a NaN compares false both ways, so it never becomes a
    // bound; it is only counted. Starting from +-infinity gives the same
    // bounds as starting from the first non-NaN value (equal zeros are
    // normalised below either way).
    // Four independent accumulators keep four compares in flight; which of
    // two equal zeros wins may differ from a sequential scan, but a zero
    // bound is normalised below.
    constexpr size_t kLanes = 4;
    V mins[kLanes];
    V maxs[kLanes];
    int64_t nans[kLanes] = {};
    for (size_t lane = 0; lane < kLanes; ++lane) {
      mins[lane] = std::numeric_limits<V>::infinity();
      maxs[lane] = -std::numeric_limits<V>::infinity();
    }
    size_t idx = 0;
    for (; idx + kLanes <= count; idx += kLanes) {
      for (size_t lane = 0; lane < kLanes; ++lane) {
        const V value = values[idx + lane];
        nans[lane] += value != value ? 1 : 0;
        mins[lane] = value < mins[lane] ? value : mins[lane];
        maxs[lane] = maxs[lane] < value ? value : maxs[lane];
      }
    }
    for (; idx < count; ++idx) {
      const V value = values[idx];
      nans[0] += value != value ? 1 : 0;
      mins[0] = value < mins[0] ? value : mins[0];
      maxs[0] = maxs[0] < value ? value : maxs[0];
    }
    min_value = mins[0];
    max_value = maxs[0];
    for (size_t lane = 0; lane < kLanes; ++lane) {
      min_value = mins[lane] < min_value ? mins[lane] : min_value;
      max_value = max_value < maxs[lane] ? maxs[lane] : max_value;
      nan_count += nans[lane];
    }
    any = nan_count < static_cast<int64_t>(count);
  } else {
    for (size_t idx = 0; idx < count; ++idx) {
      const V& value = values[idx];
      if (!any) {
        min_value = value;
        max_value = value;
        any = true;
      } else {
        if (value < min_value) min_value = value;
        if (max_value < value) max_value = value;
      }
    }
  }
  if constexpr (std::is_floating_point_v<V>) {
    stats.__set_nan_count(nan_count);
    // A zero min is written as -0.0 and a zero max as +0.0, so that readers
    // comparing either zero against the bounds stay correct.
    if (any && min_value == 0) min_value = -V{0};
    if (any && max_value == 0) max_value = V{0};
  }
  if (!any) return stats;
  std::string min_bytes = StatBytes(min_value);
  std::string max_bytes = StatBytes(max_value);
  if (min_bytes.size() > kMaxStatBytes || max_bytes.size() > kMaxStatBytes) return stats;
  // Legacy min/max are signed-order only: not for strings or booleans.
  if constexpr (!std::is_same_v<V, std::string_view> && !std::is_same_v<V, uint8_t>) {
    stats.__set_min(min_bytes);
    stats.__set_max(max_bytes);
  }
  stats.__set_min_value(std::move(min_bytes));
  stats.__set_max_value(std::move(max_bytes));
  stats.__set_is_min_value_exact(true);
  stats.__set_is_max_value_exact(true);
  return stats;
}

struct ChunkSink {
  const WriteOptions* options;
  std::string* file;
  int32_t codec;
  int64_t total_uncompressed = 0;
  int64_t total_compressed = 0;
  int64_t first_data_page = -1;
  int64_t dictionary_page = -1;
  int32_t dict_data_pages = 0;
  int32_t plain_data_pages = 0;
  std::string compressed;  // reused between pages

  Status AddPage(format::PageHeader header, const std::string& body) {
    RC_RETURN_IF_ERROR(Compress(codec, options->zstd_level, reinterpret_cast<const uint8_t*>(body.data()), body.size(),
                                &compressed));
    if (body.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max()) ||
        compressed.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
      return InvalidArgument("data_page_bytes", "a page exceeds 2 GiB");
    }
    header.__set_uncompressed_page_size(static_cast<int32_t>(body.size()));
    header.__set_compressed_page_size(static_cast<int32_t>(compressed.size()));
    const auto offset = static_cast<int64_t>(file->size());
    RC_RETURN_IF_ERROR(SerializeThrift(header, file));
    const auto header_size = static_cast<int64_t>(file->size()) - offset;
    file->append(compressed);
    total_uncompressed += header_size + static_cast<int64_t>(body.size());
    total_compressed += header_size + static_cast<int64_t>(compressed.size());
    if (header.type == format::PageType::DICTIONARY_PAGE) {
      dictionary_page = offset;
    } else if (first_data_page < 0) {
      first_data_page = offset;
    }
    return Ok();
  }
};

format::PageHeader DataPageHeader(size_t rows, format::Encoding::type encoding) {
  format::DataPageHeader data;
  data.__set_num_values(static_cast<int32_t>(rows));
  data.__set_encoding(encoding);
  data.__set_definition_level_encoding(format::Encoding::RLE);
  data.__set_repetition_level_encoding(format::Encoding::RLE);
  format::PageHeader header;
  header.__set_type(format::PageType::DATA_PAGE);
  header.__set_data_page_header(data);
  return header;
}

// Appends v1 definition levels (u32le length + hybrid) for rows [begin, end).
void AppendDefinitionLevels(const uint8_t* levels, size_t begin, size_t end, std::string* body) {
  const size_t len_pos = body->size();
  body->append(4, '\0');
  if (levels == nullptr) {
    // No nulls: one RLE run of 1s.
    AppendVarint(body, static_cast<uint64_t>(end - begin) << 1);
    body->push_back(1);
  } else {
    EncodeRleHybrid(levels + begin, end - begin, 1, body);
  }
  const auto len = static_cast<uint32_t>(body->size() - len_pos - 4);
  std::memcpy(body->data() + len_pos, &len, 4);
}

// Rows per page for fixed-width data: ~data_page_bytes of encoded values.
size_t FixedPageRows(int64_t page_bytes, size_t bits_per_value) {
  const size_t rows = static_cast<size_t>(page_bytes) * 8 / std::max<size_t>(bits_per_value, 1);
  return std::clamp<size_t>(rows, 1, kMaxPageRows);
}

template <typename T>
Status WriteChunkTyped(const Field& field, const ColumnVector<T>& column_values, const std::vector<uint8_t>& validity,
                       size_t row_begin, size_t rows, const WriteOptions& options, std::string* file,
                       format::ColumnMetaData* meta) {
  using V = ViewOf<T>;
  // Step 1: definition levels and non-null values.
  std::vector<uint8_t> levels;
  const bool has_validity = field.nullable && !validity.empty();
  if (has_validity) {
    levels.resize(rows);
    for (size_t row = 0; row < rows; ++row) levels[row] = validity[row_begin + row] != 0 ? 1 : 0;
  }
  std::vector<V> gathered;
  const V* values = nullptr;
  size_t num_values = rows;
  if constexpr (std::is_same_v<V, T>) {
    if (!has_validity) values = column_values.data() + row_begin;
  }
  if (values == nullptr) {
    if constexpr (std::is_same_v<V, T>) {
      // Fixed-width values with nulls: compacted without a branch per row
      // (every row is written, the cursor advances past present ones only).
      gathered.resize(rows);
      size_t kept = 0;
      for (size_t row = 0; row < rows; ++row) {
        gathered[kept] = column_values[row_begin + row];
        kept += levels[row];
      }
      gathered.resize(kept);
    } else {
      gathered.reserve(rows);
      for (size_t row = 0; row < rows; ++row) {
        if (!has_validity || levels[row]) gathered.push_back(V(column_values[row_begin + row]));
      }
    }
    values = gathered.data();
    num_values = gathered.size();
  }
  const auto null_count = static_cast<int64_t>(rows - num_values);
  const uint8_t* level_ptr = has_validity ? levels.data() : nullptr;

  // Step 2: dictionary for a prefix of the rows.
  DictionaryFor<V> dictionary;
  std::vector<uint32_t> indices;
  size_t dict_rows = 0;    // rows [0, dict_rows) are dictionary encoded
  size_t dict_values = 0;  // their non-null values
  const bool try_dictionary = options.dictionary && !std::is_same_v<V, uint8_t> && num_values > 0;
  bool mostly_distinct = false;
  if (try_dictionary) {
    indices.reserve(num_values);
    size_t dict_bytes = 0;
    const auto max_bytes = static_cast<size_t>(options.dictionary_max_bytes);
    for (size_t row = 0; row < rows; ++row) {
      if (level_ptr != nullptr && !level_ptr[row]) {
        ++dict_rows;
        continue;
      }
      const V& value = values[dict_values];
      int64_t idx = -1;
      if constexpr (std::is_same_v<V, std::string_view>) {
        // Strings come in runs (a batch id, a provider, a session per row):
        // the previous value's index is reused without hashing the string.
        if (dict_values > 0 && value == values[dict_values - 1]) idx = indices.back();
      }
      if (idx < 0) idx = dictionary.Find(value);
      if (idx < 0) {
        if (dict_bytes + PlainSize(value) > max_bytes) break;
        dict_bytes += PlainSize(value);
        idx = dictionary.Add(value);
      }
      indices.push_back(static_cast<uint32_t>(idx));
      ++dict_values;
      ++dict_rows;
      // Numbers whose first values are mostly distinct (prices, features,
      // timestamps) would fill the dictionary with values used about once
      // each and then fall back to PLAIN anyway: such a chunk is written
      // PLAIN from the start, which is smaller and skips the hash probes.
      if constexpr (!std::is_same_v<V, std::string_view>) {
        if (dict_values == kDistinctPrefixValues && num_values > kDistinctPrefixValues &&
            dictionary.size() == dict_values) {
          mostly_distinct = true;
          break;
        }
        if (dict_values == std::min(kDictionaryProbeValues, num_values) && dictionary.size() * 2 > dict_values) {
          mostly_distinct = true;
          break;
        }
      }
    }
    if (dictionary.size() == 0 || mostly_distinct) {
      dict_rows = 0;
      dict_values = 0;
    }
  }

  ChunkSink sink{&options, file, CodecId(options.codec)};
  std::string body;
  if (dict_rows > 0) {
    body.clear();
    AppendPlain(dictionary.entries().data(), dictionary.size(), &body);
    format::DictionaryPageHeader dict_header;
    dict_header.__set_num_values(static_cast<int32_t>(dictionary.size()));
    dict_header.__set_encoding(format::Encoding::PLAIN);
    format::PageHeader header;
    header.__set_type(format::PageType::DICTIONARY_PAGE);
    header.__set_dictionary_page_header(dict_header);
    RC_RETURN_IF_ERROR(sink.AddPage(header, body));

    const int bit_width = std::max(1, BitWidth(dictionary.size() - 1));
    const size_t page_rows = FixedPageRows(options.data_page_bytes, static_cast<size_t>(bit_width));
    size_t value_pos = 0;
    for (size_t begin = 0; begin < dict_rows; begin += page_rows) {
      const size_t end = std::min(dict_rows, begin + page_rows);
      size_t page_values = end - begin;
      if (level_ptr != nullptr) page_values = static_cast<size_t>(std::count(level_ptr + begin, level_ptr + end, 1));
      body.clear();
      if (field.nullable) AppendDefinitionLevels(level_ptr, begin, end, &body);
      body.push_back(static_cast<char>(bit_width));
      EncodeRleHybrid(indices.data() + value_pos, page_values, bit_width, &body);
      value_pos += page_values;
      RC_RETURN_IF_ERROR(sink.AddPage(DataPageHeader(end - begin, format::Encoding::RLE_DICTIONARY), body));
      ++sink.dict_data_pages;
    }
  }

  // Step 3: PLAIN pages for the remaining rows (all rows without dictionary).
  size_t value_pos = dict_values;
  size_t begin = dict_rows;
  const size_t fixed_rows =
      FixedPageRows(options.data_page_bytes, std::is_same_v<V, uint8_t> ? 1 : sizeof(V) * 8);
  while (begin < rows) {
    size_t end = 0;
    size_t page_values = 0;
    if constexpr (std::is_same_v<V, std::string_view>) {
      size_t bytes = 0;
      end = begin;
      size_t vpos = value_pos;
      while (end < rows && end - begin < kMaxPageRows && bytes < static_cast<size_t>(options.data_page_bytes)) {
        if (level_ptr == nullptr || level_ptr[end]) bytes += PlainSize(values[vpos++]);
        ++end;
      }
      page_values = vpos - value_pos;
    } else {
      end = std::min(rows, begin + fixed_rows);
      page_values = end - begin;
      if (level_ptr != nullptr) page_values = static_cast<size_t>(std::count(level_ptr + begin, level_ptr + end, 1));
    }
    body.clear();
    if (field.nullable) AppendDefinitionLevels(level_ptr, begin, end, &body);
    AppendPlain(values + value_pos, page_values, &body);
    value_pos += page_values;
    RC_RETURN_IF_ERROR(sink.AddPage(DataPageHeader(end - begin, format::Encoding::PLAIN), body));
    ++sink.plain_data_pages;
    begin = end;
  }

  meta->__set_type(PhysicalTypeOf<V>());
  std::vector<format::Encoding::type> encodings = {format::Encoding::PLAIN, format::Encoding::RLE};
  if (sink.dict_data_pages > 0) encodings.push_back(format::Encoding::RLE_DICTIONARY);
  meta->__set_encodings(encodings);
  meta->__set_path_in_schema({field.name});
  meta->__set_codec(static_cast<format::CompressionCodec::type>(sink.codec));
  meta->__set_num_values(static_cast<int64_t>(rows));
  meta->__set_total_uncompressed_size(sink.total_uncompressed);
  meta->__set_total_compressed_size(sink.total_compressed);
  meta->__set_data_page_offset(sink.first_data_page);
  if (sink.dictionary_page >= 0) meta->__set_dictionary_page_offset(sink.dictionary_page);
  meta->__set_statistics(ComputeStatistics(values, num_values, null_count));
  std::vector<format::PageEncodingStats> encoding_stats;
  auto add_stat = [&](format::PageType::type type, format::Encoding::type encoding, int32_t count) {
    if (count == 0) return;
    format::PageEncodingStats stat;
    stat.__set_page_type(type);
    stat.__set_encoding(encoding);
    stat.__set_count(count);
    encoding_stats.push_back(stat);
  };
  add_stat(format::PageType::DICTIONARY_PAGE, format::Encoding::PLAIN, sink.dictionary_page >= 0 ? 1 : 0);
  add_stat(format::PageType::DATA_PAGE, format::Encoding::RLE_DICTIONARY, sink.dict_data_pages);
  add_stat(format::PageType::DATA_PAGE, format::Encoding::PLAIN, sink.plain_data_pages);
  meta->__set_encoding_stats(encoding_stats);
  return Ok();
}

// Appends v1 levels (u32le length + hybrid) of entries [begin, end).
void AppendLevels(const std::vector<int16_t>& levels, size_t begin, size_t end, int max_level, std::string* body) {
  std::vector<uint32_t> widened(levels.begin() + static_cast<std::ptrdiff_t>(begin),
                                levels.begin() + static_cast<std::ptrdiff_t>(end));
  const size_t len_pos = body->size();
  body->append(4, '\0');
  EncodeRleHybrid(widened.data(), widened.size(), BitWidth(static_cast<uint64_t>(max_level)), body);
  const auto len = static_cast<uint32_t>(body->size() - len_pos - 4);
  std::memcpy(body->data() + len_pos, &len, 4);
}

template <typename T>
Status WriteLeveledTyped(const ColumnVector<T>& present, int max_def, int max_rep, const std::vector<int16_t>& def,
                         const std::vector<int16_t>& rep, const WriteOptions& options, std::string* file,
                         format::ColumnMetaData* meta) {
  using V = ViewOf<T>;
  const std::vector<V> values(present.begin(), present.end());
  const size_t entries = def.size();
  ChunkSink sink{&options, file, CodecId(options.codec)};
  std::string body;
  size_t begin = 0;
  size_t value_pos = 0;
  while (begin < entries) {
    // A page ends at a record boundary (repetition level 0) once it holds
    // about data_page_bytes, so that no record spans two pages.
    size_t end = begin;
    size_t bytes = 0;
    size_t page_values = 0;
    while (end < entries) {
      const bool record_start = max_rep == 0 || rep[end] == 0;
      if (end > begin && record_start &&
          (bytes >= static_cast<size_t>(options.data_page_bytes) || end - begin >= kMaxPageRows)) {
        break;
      }
      if (def[end] == max_def) bytes += PlainSize(values[value_pos + page_values++]);
      bytes += 1;
      ++end;
    }
    body.clear();
    if (max_rep > 0) AppendLevels(rep, begin, end, max_rep, &body);
    if (max_def > 0) AppendLevels(def, begin, end, max_def, &body);
    AppendPlain(values.data() + value_pos, page_values, &body);
    RC_RETURN_IF_ERROR(sink.AddPage(DataPageHeader(end - begin, format::Encoding::PLAIN), body));
    ++sink.plain_data_pages;
    value_pos += page_values;
    begin = end;
  }
  meta->__set_type(PhysicalTypeOf<V>());
  meta->__set_encodings({format::Encoding::PLAIN, format::Encoding::RLE});
  meta->__set_codec(static_cast<format::CompressionCodec::type>(sink.codec));
  meta->__set_num_values(static_cast<int64_t>(entries));
  meta->__set_total_uncompressed_size(sink.total_uncompressed);
  meta->__set_total_compressed_size(sink.total_compressed);
  meta->__set_data_page_offset(sink.first_data_page);
  meta->__set_statistics(
      ComputeStatistics(values.data(), values.size(), static_cast<int64_t>(entries - values.size())));
  format::PageEncodingStats stat;
  stat.__set_page_type(format::PageType::DATA_PAGE);
  stat.__set_encoding(format::Encoding::PLAIN);
  stat.__set_count(sink.plain_data_pages);
  meta->__set_encoding_stats({stat});
  return Ok();
}

}  // namespace

int32_t CodecId(Codec codec) {
  switch (codec) {
    case Codec::kUncompressed:
      return kCodecUncompressed;
    case Codec::kSnappy:
      return kCodecSnappy;
    case Codec::kGzip:
      return kCodecGzip;
    case Codec::kZstd:
      return kCodecZstd;
  }
  return kCodecUncompressed;
}

format::SchemaElement SchemaElementFor(const Field& field) {
  format::SchemaElement element;
  element.__set_name(field.name);
  element.__set_repetition_type(field.nullable ? format::FieldRepetitionType::OPTIONAL
                                               : format::FieldRepetitionType::REQUIRED);
  format::LogicalType logical;
  switch (field.type) {
    case ColumnType::kBool:
      element.__set_type(format::Type::BOOLEAN);
      break;
    case ColumnType::kInt32:
      element.__set_type(format::Type::INT32);
      break;
    case ColumnType::kInt64:
      element.__set_type(format::Type::INT64);
      break;
    case ColumnType::kFloat:
      element.__set_type(format::Type::FLOAT);
      break;
    case ColumnType::kDouble:
      element.__set_type(format::Type::DOUBLE);
      break;
    case ColumnType::kString:
      element.__set_type(format::Type::BYTE_ARRAY);
      element.__set_converted_type(format::ConvertedType::UTF8);
      logical.__set_STRING(format::StringType());
      element.__set_logicalType(logical);
      break;
    case ColumnType::kTimestampMicros: {
      element.__set_type(format::Type::INT64);
      element.__set_converted_type(format::ConvertedType::TIMESTAMP_MICROS);
      format::TimeUnit unit;
      unit.__set_MICROS(format::MicroSeconds());
      format::TimestampType timestamp;
      timestamp.__set_isAdjustedToUTC(true);
      timestamp.__set_unit(unit);
      logical.__set_TIMESTAMP(timestamp);
      element.__set_logicalType(logical);
      break;
    }
    case ColumnType::kDate:
      element.__set_type(format::Type::INT32);
      element.__set_converted_type(format::ConvertedType::DATE);
      logical.__set_DATE(format::DateType());
      element.__set_logicalType(logical);
      break;
  }
  return element;
}

Status WriteColumnChunk(const Field& field, const Column& column, size_t row_begin, size_t row_count,
                        const WriteOptions& options, std::string* file, format::ColumnChunk* chunk) {
  format::ColumnMetaData meta;
  Status status = std::visit(
      [&](const auto& vec) {
        return WriteChunkTyped(field, vec, column.validity, row_begin, row_count, options, file, &meta);
      },
      column.values);
  if (!status) return tl::unexpected(WithContext(status.error(), "column '" + field.name + "'"));
  chunk->__set_file_offset(0);
  chunk->__set_meta_data(meta);
  return Ok();
}

}  // namespace rc::lake::parquet::internal

namespace rc::lake::parquet::internal {

Status WriteLeveledColumnChunk(const format::SchemaElement& element, const std::vector<std::string>& path_in_schema,
                               int max_def, int max_rep, const std::vector<int16_t>& def,
                               const std::vector<int16_t>& rep, const Column& present, const WriteOptions& options,
                               std::string* file, format::ColumnChunk* chunk) {
  std::string path;
  for (const std::string& part : path_in_schema) path += (path.empty() ? "" : ".") + part;
  if (def.empty()) return Internal("column '" + path + "': a nested chunk needs at least one entry");
  if (max_rep > 0 && rep.size() != def.size()) return Internal("column '" + path + "': level counts differ");
  format::ColumnMetaData meta;
  Status status = std::visit(
      [&](const auto& vec) { return WriteLeveledTyped(vec, max_def, max_rep, def, rep, options, file, &meta); },
      present.values);
  if (!status) return tl::unexpected(WithContext(status.error(), "column '" + path + "'"));
  if (meta.type != element.type) return Internal("column '" + path + "': storage does not match the schema type");
  meta.__set_path_in_schema(path_in_schema);
  chunk->__set_file_offset(0);
  chunk->__set_meta_data(meta);
  return Ok();
}

}  // namespace rc::lake::parquet::internal
