// PLAIN strings and booleans; the fixed-width cases are memcpy in the header.
#include "lake/parquet/internal/encoding/plain.h"

#include <limits>

#include "lake/parquet/internal/bytes.h"

namespace rc::lake::parquet::internal {

void EncodePlain(const std::string_view* values, size_t count, std::string* out) {
  size_t total = 0;
  for (size_t idx = 0; idx < count; ++idx) total += 4 + values[idx].size();
  size_t pos = out->size();
  out->resize(pos + total);
  char* dst = out->data();
  for (size_t idx = 0; idx < count; ++idx) {
    const auto len = static_cast<uint32_t>(values[idx].size());
    std::memcpy(dst + pos, &len, 4);
    if (len > 0) std::memcpy(dst + pos + 4, values[idx].data(), len);
    pos += 4 + len;
  }
}

int64_t DecodePlainInt96(const uint8_t* data, size_t size, size_t count, int64_t* out) {
  constexpr int64_t kUnixEpochJulianDay = 2440588;
  constexpr int64_t kNanosPerDay = int64_t{86400} * 1000 * 1000 * 1000;
  constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000 * 1000;
  // Days whose every instant fits in int64 microseconds (about +-292,000 years).
  constexpr int64_t kMaxDays = std::numeric_limits<int64_t>::max() / kMicrosPerDay - 1;
  if (count > size / kInt96Bytes) return -1;
  for (size_t idx = 0; idx < count; ++idx) {
    const uint8_t* value = data + idx * kInt96Bytes;
    const auto nanos_of_day = LoadLittleEndian<int64_t>(value);
    const int64_t days = static_cast<int64_t>(LoadLittleEndian<uint32_t>(value + 8)) - kUnixEpochJulianDay;
    if (nanos_of_day < 0 || nanos_of_day >= kNanosPerDay || days > kMaxDays || days < -kMaxDays) return -1;
    out[idx] = days * kMicrosPerDay + nanos_of_day / 1000;
  }
  return static_cast<int64_t>(count * kInt96Bytes);
}

void EncodePlainBools(const uint8_t* values, size_t count, std::string* out) {
  const size_t start = out->size();
  out->resize(start + (count + 7) / 8, '\0');
  auto* dst = reinterpret_cast<uint8_t*>(out->data() + start);
  for (size_t idx = 0; idx < count; ++idx) {
    if (values[idx]) dst[idx >> 3] |= static_cast<uint8_t>(1u << (idx & 7));
  }
}

int64_t DecodePlain(const uint8_t* data, size_t size, size_t count, std::string* out) {
  ByteReader reader(data, size);
  for (size_t idx = 0; idx < count; ++idx) {
    uint32_t len = 0;
    const uint8_t* bytes = nullptr;
    if (!reader.ReadLittleEndian(&len) || !reader.ReadBytes(len, &bytes)) return -1;
    out[idx].assign(reinterpret_cast<const char*>(bytes), len);
  }
  return static_cast<int64_t>(reader.position());
}

int64_t DecodePlainBools(const uint8_t* data, size_t size, size_t count, uint8_t* out) {
  const size_t bytes = (count + 7) / 8;
  if (bytes > size) return -1;
  for (size_t idx = 0; idx < count; ++idx) out[idx] = (data[idx >> 3] >> (idx & 7)) & 1;
  return static_cast<int64_t>(bytes);
}

}  // namespace rc::lake::parquet::internal
