// File: lake/parquet/internal/encoding/plain.h
//
// PLAIN encoding (docs/formats.md §1.4): fixed-width values little-endian back to
// back, booleans bit-packed LSB first, BYTE_ARRAY as u32le length + bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace rc::lake::parquet::internal {

template <typename T>
inline void EncodePlain(const T* values, size_t count, std::string* out) {
  const size_t start = out->size();
  out->resize(start + count * sizeof(T));
  if (count > 0) std::memcpy(out->data() + start, values, count * sizeof(T));
}
void EncodePlain(const std::string_view* values, size_t count, std::string* out);
// Booleans (one byte 0/1 per value in memory).
void EncodePlainBools(const uint8_t* values, size_t count, std::string* out);

// Decoders return the number of input bytes consumed, or -1 when `size` is
// too short for `count` values (or a string length runs past the end).
template <typename T>
inline int64_t DecodePlain(const uint8_t* data, size_t size, size_t count, T* out) {
  if (count > size / sizeof(T)) return -1;
  if (count > 0) std::memcpy(out, data, count * sizeof(T));
  return static_cast<int64_t>(count * sizeof(T));
}
int64_t DecodePlain(const uint8_t* data, size_t size, size_t count, std::string* out);
// INT96 timestamps (Spark's and Impala's default): 12 bytes each, u64le
// nanoseconds of the day then u32le Julian day number, converted to UTC
// microseconds since the epoch (nanoseconds floored). -1 also when a value is
// malformed: nanoseconds outside one day, or a day beyond int64 microseconds.
int64_t DecodePlainInt96(const uint8_t* data, size_t size, size_t count, int64_t* out);
inline constexpr size_t kInt96Bytes = 12;
int64_t DecodePlainBools(const uint8_t* data, size_t size, size_t count, uint8_t* out);

}  // namespace rc::lake::parquet::internal
