// File: lake/parquet/internal/encoding/rle_hybrid.h
//
// The RLE / bit-packed hybrid (Parquet encoding RLE = 3, docs/formats.md §1.4), used
// for definition levels, dictionary indices and RLE booleans. The encoders
// write the runs only; callers add the u32le length prefix where the page
// format wants one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace rc::lake::parquet::internal {

// Appends the hybrid encoding of `values` (each < 2^bit_width, bit_width 0..32):
// runs of 8 or more equal values become RLE runs, the rest bit-packed groups
// of 8 (the final group zero-padded).
void EncodeRleHybrid(const uint32_t* values, size_t count, int bit_width, std::string* out);
void EncodeRleHybrid(const uint8_t* values, size_t count, int bit_width, std::string* out);

// Decodes hybrid runs from untrusted bytes.
class RleHybridDecoder {
 public:
  // `bit_width` must be 0..32 (callers check it before constructing).
  RleHybridDecoder(const uint8_t* data, size_t size, int bit_width);

  // Writes up to `count` values to `out`; returns how many were decoded.
  // Fewer than `count` means the input ended or is malformed.
  size_t Decode(uint32_t* out, size_t count);
  size_t Decode(uint8_t* out, size_t count);

  // Bytes consumed so far (whole runs).
  size_t consumed() const { return pos_; }

 private:
  bool NextRun();
  template <typename T>
  size_t DecodeImpl(T* out, size_t count);

  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  int bit_width_;
  // Current run: either `rle_left_` copies of `rle_value_`, or `packed_left_`
  // values bit-packed from `packed_data_` starting at value `packed_index_`.
  uint64_t rle_left_ = 0;
  uint32_t rle_value_ = 0;
  uint64_t packed_left_ = 0;
  const uint8_t* packed_data_ = nullptr;
  size_t packed_size_ = 0;
  uint64_t packed_index_ = 0;
};

}  // namespace rc::lake::parquet::internal
