// Bit packing with a 64-bit accumulator. Values wider than 57 bits can span
// nine bytes, so unpacking reads a second word for them instead of assuming a
// single unaligned 64-bit load covers every value.
#include "lake/parquet/internal/encoding/bit_packing.h"

#include <cstring>

namespace rc::lake::parquet::internal {
namespace {

// A value of up to 64 bits plus up to 7 pending bits needs more than 64 bits.
__extension__ typedef unsigned __int128 Accumulator;

template <typename T>
void PackImpl(const T* values, size_t count, int bit_width, std::string* out) {
  if (bit_width == 0 || count == 0) return;
  const size_t start = out->size();
  const size_t bytes = (count * static_cast<size_t>(bit_width) + 7) / 8;
  out->resize(start + bytes, '\0');
  auto* dst = reinterpret_cast<uint8_t*>(out->data() + start);
  const uint64_t mask = bit_width == 64 ? ~uint64_t{0} : ((uint64_t{1} << bit_width) - 1);
  Accumulator acc = 0;
  int acc_bits = 0;
  size_t pos = 0;
  for (size_t idx = 0; idx < count; ++idx) {
    acc |= static_cast<Accumulator>(static_cast<uint64_t>(values[idx]) & mask) << acc_bits;
    acc_bits += bit_width;
    while (acc_bits >= 8) {
      dst[pos++] = static_cast<uint8_t>(acc);
      acc >>= 8;
      acc_bits -= 8;
    }
  }
  if (acc_bits > 0) dst[pos++] = static_cast<uint8_t>(acc);
}

inline uint64_t LoadUpTo8(const uint8_t* data, size_t data_size, size_t byte) {
  uint64_t word = 0;
  if (byte >= data_size) return 0;
  const size_t avail = data_size - byte;
  std::memcpy(&word, data + byte, avail >= 8 ? 8 : avail);
  return word;
}

template <typename T>
void UnpackImpl(const uint8_t* data, size_t data_size, size_t bit_offset, size_t count, int bit_width, T* out) {
  if (bit_width == 0) {
    for (size_t idx = 0; idx < count; ++idx) out[idx] = 0;
    return;
  }
  const uint64_t mask = bit_width == 64 ? ~uint64_t{0} : ((uint64_t{1} << bit_width) - 1);
  size_t bit = bit_offset;
  size_t idx = 0;
  if (bit_width <= 57) {
    // While a whole 8-byte load stays inside the buffer, one load covers a
    // value (shift <= 7, width <= 57): no bounds check per byte.
    for (; idx < count && (bit >> 3) + 8 <= data_size; ++idx, bit += static_cast<size_t>(bit_width)) {
      uint64_t word = 0;
      std::memcpy(&word, data + (bit >> 3), 8);
      out[idx] = static_cast<T>((word >> (bit & 7)) & mask);
    }
  }
  for (; idx < count; ++idx, bit += static_cast<size_t>(bit_width)) {
    const size_t byte = bit >> 3;
    const int shift = static_cast<int>(bit & 7);
    uint64_t value = LoadUpTo8(data, data_size, byte) >> shift;
    if (shift + bit_width > 64) value |= LoadUpTo8(data, data_size, byte + 8) << (64 - shift);
    out[idx] = static_cast<T>(value & mask);
  }
}

}  // namespace

void PackBits(const uint64_t* values, size_t count, int bit_width, std::string* out) {
  PackImpl(values, count, bit_width, out);
}
void PackBits32(const uint32_t* values, size_t count, int bit_width, std::string* out) {
  PackImpl(values, count, bit_width, out);
}
void UnpackBits(const uint8_t* data, size_t data_size, size_t bit_offset, size_t count, int bit_width,
                uint64_t* out) {
  UnpackImpl(data, data_size, bit_offset, count, bit_width, out);
}
void UnpackBits32(const uint8_t* data, size_t data_size, size_t bit_offset, size_t count, int bit_width,
                  uint32_t* out) {
  UnpackImpl(data, data_size, bit_offset, count, bit_width, out);
}

}  // namespace rc::lake::parquet::internal
