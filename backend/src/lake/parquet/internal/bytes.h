// File: lake/parquet/internal/bytes.h
//
// Little-endian byte helpers shared by the Parquet encoders and decoders:
// appending fixed-width values and ULEB128 varints to a std::string buffer,
// and a bounds-checked cursor over untrusted bytes (every read checks the
// remaining length first; nothing reads past `size`).
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>

namespace rc::lake::parquet::internal {

static_assert(std::endian::native == std::endian::little, "Parquet I/O assumes a little-endian host");

template <typename T>
inline void AppendLittleEndian(std::string* out, T value) {
  char raw[sizeof(T)];
  std::memcpy(raw, &value, sizeof(T));
  out->append(raw, sizeof(T));
}

template <typename T>
inline T LoadLittleEndian(const uint8_t* data) {
  T value;
  std::memcpy(&value, data, sizeof(T));
  return value;
}

inline void AppendVarint(std::string* out, uint64_t value) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

inline uint64_t ZigZagEncode(int64_t value) {
  return (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
}
inline int64_t ZigZagDecode(uint64_t value) {
  return static_cast<int64_t>((value >> 1) ^ (~(value & 1) + 1));
}

// Number of bits needed to represent `value` (0 for 0).
inline int BitWidth(uint64_t value) { return static_cast<int>(std::bit_width(value)); }

// A cursor over bytes from a file. Every accessor returns false (and leaves
// the cursor unspecified) when the input is too short or malformed.
class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  size_t remaining() const { return size_ - pos_; }
  size_t position() const { return pos_; }
  const uint8_t* current() const { return data_ + pos_; }

  bool ReadVarint(uint64_t* value) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= size_) return false;
      const uint8_t byte = data_[pos_++];
      result |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) {
        *value = result;
        return true;
      }
    }
    return false;  // more than 10 bytes: not a valid 64-bit varint
  }

  bool ReadZigZag(int64_t* value) {
    uint64_t raw = 0;
    if (!ReadVarint(&raw)) return false;
    *value = ZigZagDecode(raw);
    return true;
  }

  bool ReadBytes(size_t count, const uint8_t** out) {
    if (count > remaining()) return false;
    *out = data_ + pos_;
    pos_ += count;
    return true;
  }

  template <typename T>
  bool ReadLittleEndian(T* value) {
    if (sizeof(T) > remaining()) return false;
    *value = LoadLittleEndian<T>(data_ + pos_);
    pos_ += sizeof(T);
    return true;
  }

  bool Skip(size_t count) {
    if (count > remaining()) return false;
    pos_ += count;
    return true;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace rc::lake::parquet::internal
