// File: lake/parquet/internal/encoding/bit_packing.h
//
// LSB-first bit packing as used by the RLE/bit-packed hybrid, dictionary
// indices, PLAIN booleans and DELTA_BINARY_PACKED miniblocks (docs/formats.md §1.4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace rc::lake::parquet::internal {

// Appends `count` values of `bit_width` bits (0..64) each, packed LSB first;
// the last byte is zero-padded. Appends exactly ceil(count*bit_width/8) bytes.
void PackBits(const uint64_t* values, size_t count, int bit_width, std::string* out);
void PackBits32(const uint32_t* values, size_t count, int bit_width, std::string* out);

// Unpacks `count` values of `bit_width` bits (0..64) starting at bit
// `bit_offset` of `data`. The caller guarantees that `data` holds at least
// ceil((bit_offset + count*bit_width)/8) bytes; bytes beyond that are never read.
void UnpackBits(const uint8_t* data, size_t data_size, size_t bit_offset, size_t count, int bit_width,
                uint64_t* out);
void UnpackBits32(const uint8_t* data, size_t data_size, size_t bit_offset, size_t count, int bit_width,
                  uint32_t* out);

}  // namespace rc::lake::parquet::internal
