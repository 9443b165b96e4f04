// DELTA_BINARY_PACKED (docs/formats.md §1.4): header <block size> <miniblocks per
// block> <total count> <first value zigzag>, then blocks of <min delta zigzag>
// <one bit width byte per miniblock> <miniblocks>. Arithmetic is done in
// uint64 so that deltas wrap exactly as the writers computed them; int32
// columns wrap to 32 bits at the end, as the spec requires.
#include "lake/parquet/internal/encoding/delta.h"

#include <vector>

#include "lake/parquet/internal/bytes.h"
#include "lake/parquet/internal/encoding/bit_packing.h"

namespace rc::lake::parquet::internal {
namespace {

constexpr uint64_t kMaxBlockSize = 1 << 20;

// Decodes `count` values into uint64 (two's complement). `total_out` receives
// the header's value count so that callers can validate it.
int64_t DecodeDeltaRaw(const uint8_t* data, size_t size, size_t count, uint64_t* out, uint64_t* total_out) {
  ByteReader reader(data, size);
  uint64_t block_size = 0;
  uint64_t miniblocks = 0;
  uint64_t total = 0;
  int64_t first = 0;
  if (!reader.ReadVarint(&block_size) || !reader.ReadVarint(&miniblocks) || !reader.ReadVarint(&total) ||
      !reader.ReadZigZag(&first)) {
    return -1;
  }
  if (block_size == 0 || block_size % 128 != 0 || block_size > kMaxBlockSize || miniblocks == 0 ||
      block_size % miniblocks != 0 || (block_size / miniblocks) % 32 != 0) {
    return -1;
  }
  if (total < count) return -1;
  if (total_out != nullptr) *total_out = total;
  const uint64_t per_miniblock = block_size / miniblocks;
  uint64_t last = static_cast<uint64_t>(first);
  size_t done = 0;
  if (total > 0 && count > 0) out[done++] = last;
  // Values still present in the stream after `done` (we must consume whole
  // blocks for the values the writer wrote, even past `count`, so that a
  // following DELTA_LENGTH_BYTE_ARRAY payload starts at the right byte).
  uint64_t left_in_stream = total == 0 ? 0 : total - 1;
  std::vector<uint64_t> unpacked(per_miniblock);
  while (left_in_stream > 0) {
    int64_t min_delta = 0;
    const uint8_t* widths = nullptr;
    if (!reader.ReadZigZag(&min_delta) || !reader.ReadBytes(miniblocks, &widths)) return -1;
    for (uint64_t mb = 0; mb < miniblocks && left_in_stream > 0; ++mb) {
      const int width = widths[mb];
      if (width > 64) return -1;
      const size_t bytes = static_cast<size_t>(per_miniblock * static_cast<uint64_t>(width) / 8);
      const uint8_t* packed = nullptr;
      if (!reader.ReadBytes(bytes, &packed)) return -1;
      const uint64_t in_this = left_in_stream < per_miniblock ? left_in_stream : per_miniblock;
      left_in_stream -= in_this;
      if (done >= count) continue;
      UnpackBits(packed, bytes, 0, static_cast<size_t>(in_this), width, unpacked.data());
      for (uint64_t idx = 0; idx < in_this && done < count; ++idx) {
        last += static_cast<uint64_t>(min_delta) + unpacked[idx];
        out[done++] = last;
      }
    }
  }
  if (done < count) return -1;
  return static_cast<int64_t>(reader.position());
}

}  // namespace

int64_t DecodeDeltaBinaryPacked(const uint8_t* data, size_t size, size_t count, int64_t* out) {
  static_assert(sizeof(int64_t) == sizeof(uint64_t));
  std::vector<uint64_t> raw(count);
  const int64_t used = DecodeDeltaRaw(data, size, count, raw.data(), nullptr);
  if (used < 0) return -1;
  for (size_t idx = 0; idx < count; ++idx) out[idx] = static_cast<int64_t>(raw[idx]);
  return used;
}

int64_t DecodeDeltaBinaryPacked(const uint8_t* data, size_t size, size_t count, int32_t* out) {
  std::vector<uint64_t> raw(count);
  const int64_t used = DecodeDeltaRaw(data, size, count, raw.data(), nullptr);
  if (used < 0) return -1;
  for (size_t idx = 0; idx < count; ++idx) out[idx] = static_cast<int32_t>(static_cast<uint32_t>(raw[idx]));
  return used;
}

int64_t DecodeDeltaLengthByteArray(const uint8_t* data, size_t size, size_t count, std::string* out) {
  std::vector<uint64_t> lengths(count);
  const int64_t used = DecodeDeltaRaw(data, size, count, lengths.data(), nullptr);
  if (used < 0) return -1;
  ByteReader reader(data + used, size - static_cast<size_t>(used));
  for (size_t idx = 0; idx < count; ++idx) {
    const auto len = static_cast<int64_t>(lengths[idx]);
    const uint8_t* bytes = nullptr;
    if (len < 0 || !reader.ReadBytes(static_cast<size_t>(len), &bytes)) return -1;
    out[idx].assign(reinterpret_cast<const char*>(bytes), static_cast<size_t>(len));
  }
  return used + static_cast<int64_t>(reader.position());
}

int64_t DecodeDeltaByteArray(const uint8_t* data, size_t size, size_t count, std::string* out) {
  std::vector<uint64_t> prefixes(count);
  const int64_t used = DecodeDeltaRaw(data, size, count, prefixes.data(), nullptr);
  if (used < 0) return -1;
  std::vector<std::string> suffixes(count);
  const int64_t used_suffix =
      DecodeDeltaLengthByteArray(data + used, size - static_cast<size_t>(used), count, suffixes.data());
  if (used_suffix < 0) return -1;
  std::string previous;
  for (size_t idx = 0; idx < count; ++idx) {
    const auto prefix = static_cast<int64_t>(prefixes[idx]);
    if (prefix < 0 || static_cast<size_t>(prefix) > previous.size()) return -1;
    std::string value = previous.substr(0, static_cast<size_t>(prefix));
    value += suffixes[idx];
    out[idx] = value;
    previous = std::move(value);
  }
  return used + used_suffix;
}

int64_t DecodeByteStreamSplit(const uint8_t* data, size_t size, size_t count, size_t width, uint8_t* out) {
  if (width == 0 || count > size / width) return -1;
  // The page holds exactly the page's values, so the stream stride is the
  // value count of this call.
  for (size_t byte = 0; byte < width; ++byte) {
    const uint8_t* stream = data + byte * count;
    for (size_t idx = 0; idx < count; ++idx) out[idx * width + byte] = stream[idx];
  }
  return static_cast<int64_t>(count * width);
}

}  // namespace rc::lake::parquet::internal
