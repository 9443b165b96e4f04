// The encoder works on a complete array (levels and indices are produced
// whole per page), so it can look ahead for runs instead of keeping the
// streaming state machine of Arrow's RleEncoder: a run of >= 8 equal values is
// emitted as RLE after topping the pending literal values up to a multiple of
// 8 with values taken from the start of that run.
#include "lake/parquet/internal/encoding/rle_hybrid.h"

#include <algorithm>

#include "lake/parquet/internal/bytes.h"
#include "lake/parquet/internal/encoding/bit_packing.h"

namespace rc::lake::parquet::internal {
namespace {

constexpr size_t kMinRleRun = 8;

template <typename T>
void AppendLiteral(const T* values, size_t count, int bit_width, std::string* out) {
  if (count == 0) return;
  const size_t groups = (count + 7) / 8;
  AppendVarint(out, (static_cast<uint64_t>(groups) << 1) | 1);
  uint32_t padded[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  const size_t full = count / 8 * 8;
  // Pack whole groups straight from the input; only the last partial group is
  // copied so it can be zero-padded.
  if constexpr (sizeof(T) == sizeof(uint32_t)) {
    PackBits32(reinterpret_cast<const uint32_t*>(values), full, bit_width, out);
  } else {
    for (size_t base = 0; base < full; base += 8) {
      for (size_t idx = 0; idx < 8; ++idx) padded[idx] = values[base + idx];
      PackBits32(padded, 8, bit_width, out);
    }
  }
  if (full < count) {
    std::fill(std::begin(padded), std::end(padded), 0u);
    for (size_t idx = full; idx < count; ++idx) padded[idx - full] = values[idx];
    PackBits32(padded, 8, bit_width, out);
  }
}

void AppendRle(uint32_t value, size_t count, int bit_width, std::string* out) {
  AppendVarint(out, static_cast<uint64_t>(count) << 1);
  const int value_bytes = (bit_width + 7) / 8;
  for (int byte = 0; byte < value_bytes; ++byte) out->push_back(static_cast<char>((value >> (8 * byte)) & 0xFF));
}

template <typename T>
void EncodeImpl(const T* values, size_t count, int bit_width, std::string* out) {
  size_t literal_start = 0;
  size_t pos = 0;
  while (pos < count) {
    size_t run_end = pos + 1;
    while (run_end < count && values[run_end] == values[pos]) ++run_end;
    const size_t run = run_end - pos;
    if (run >= kMinRleRun) {
      // Literal runs must hold a multiple of 8 values unless they end the
      // stream, so borrow the first few values of this run to fill the group.
      const size_t pending = pos - literal_start;
      const size_t borrow = (8 - pending % 8) % 8;
      AppendLiteral(values + literal_start, pending + borrow, bit_width, out);
      AppendRle(values[pos], run - borrow, bit_width, out);
      literal_start = run_end;
    }
    pos = run_end;
  }
  AppendLiteral(values + literal_start, count - literal_start, bit_width, out);
}

}  // namespace

void EncodeRleHybrid(const uint32_t* values, size_t count, int bit_width, std::string* out) {
  EncodeImpl(values, count, bit_width, out);
}
void EncodeRleHybrid(const uint8_t* values, size_t count, int bit_width, std::string* out) {
  EncodeImpl(values, count, bit_width, out);
}

RleHybridDecoder::RleHybridDecoder(const uint8_t* data, size_t size, int bit_width)
    : data_(data), size_(size), bit_width_(bit_width) {}

bool RleHybridDecoder::NextRun() {
  ByteReader reader(data_ + pos_, size_ - pos_);
  uint64_t header = 0;
  if (!reader.ReadVarint(&header)) return false;
  if (header & 1) {
    const uint64_t groups = header >> 1;
    if (groups == 0 || groups > (uint64_t{1} << 40)) return false;
    const uint64_t declared_bytes = groups * static_cast<uint64_t>(bit_width_);
    // Some writers declare a full last group but end the buffer early: use what
    // is there and let the caller's count decide whether it was enough.
    const size_t avail = std::min<uint64_t>(declared_bytes, reader.remaining());
    packed_data_ = reader.current();
    packed_size_ = avail;
    packed_index_ = 0;
    packed_left_ = bit_width_ == 0 ? groups * 8 : std::min<uint64_t>(groups * 8, avail * 8 / bit_width_);
    reader.Skip(avail);
  } else {
    rle_left_ = header >> 1;
    const int value_bytes = (bit_width_ + 7) / 8;
    const uint8_t* raw = nullptr;
    if (!reader.ReadBytes(static_cast<size_t>(value_bytes), &raw)) return false;
    uint32_t value = 0;
    for (int byte = 0; byte < value_bytes; ++byte) value |= static_cast<uint32_t>(raw[byte]) << (8 * byte);
    if (bit_width_ < 32 && (value >> bit_width_) != 0) return false;
    rle_value_ = value;
    if (rle_left_ == 0) return false;
  }
  pos_ += reader.position();
  return true;
}

template <typename T>
size_t RleHybridDecoder::DecodeImpl(T* out, size_t count) {
  size_t done = 0;
  uint32_t scratch[64];
  while (done < count) {
    if (rle_left_ > 0) {
      const size_t take = static_cast<size_t>(std::min<uint64_t>(rle_left_, count - done));
      std::fill(out + done, out + done + take, static_cast<T>(rle_value_));
      rle_left_ -= take;
      done += take;
    } else if (packed_left_ > 0) {
      size_t take = static_cast<size_t>(std::min<uint64_t>(packed_left_, count - done));
      const size_t bit_offset = static_cast<size_t>(packed_index_) * static_cast<size_t>(bit_width_);
      if constexpr (sizeof(T) == sizeof(uint32_t)) {
        UnpackBits32(packed_data_, packed_size_, bit_offset, take, bit_width_, reinterpret_cast<uint32_t*>(out + done));
      } else {
        take = std::min<size_t>(take, 64);
        UnpackBits32(packed_data_, packed_size_, bit_offset, take, bit_width_, scratch);
        for (size_t idx = 0; idx < take; ++idx) out[done + idx] = static_cast<T>(scratch[idx]);
      }
      packed_left_ -= take;
      packed_index_ += take;
      done += take;
    } else if (pos_ >= size_ || !NextRun()) {
      break;
    }
  }
  return done;
}

size_t RleHybridDecoder::Decode(uint32_t* out, size_t count) { return DecodeImpl(out, count); }
size_t RleHybridDecoder::Decode(uint8_t* out, size_t count) { return DecodeImpl(out, count); }

}  // namespace rc::lake::parquet::internal
