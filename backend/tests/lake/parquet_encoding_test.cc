// Exact-byte checks of our encoders against the worked examples of
// docs/formats.md §1.2 (page header) and §1.4 (RLE / bit-packed hybrid), plus
// decoder checks for encodings we only read.
#include <cstring>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lake/parquet/internal/encoding/bit_packing.h"
#include "lake/parquet/internal/encoding/delta.h"
#include "lake/parquet/internal/encoding/plain.h"
#include "lake/parquet/internal/encoding/rle_hybrid.h"
#include "lake/parquet/parquet.h"
#include "testing/matchers.h"

namespace rc::lake::parquet::internal {
namespace {

std::string Hex(const std::string& bytes) {
  static const char* kDigits = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : bytes) {
    if (!out.empty()) out += ' ';
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

const uint8_t* U8(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

TEST(RleHybridTest, SpecBitPackedExampleZeroToSevenWidthThree) {
  std::vector<uint32_t> values = {0, 1, 2, 3, 4, 5, 6, 7};
  std::string out;
  PackBits32(values.data(), values.size(), 3, &out);
  EXPECT_EQ(Hex(out), "88 C6 FA");
  std::vector<uint32_t> back(8);
  UnpackBits32(U8(out), out.size(), 0, 8, 3, back.data());
  EXPECT_EQ(back, values);
}

TEST(RleHybridTest, FiveLevelsBecomeOneBitPackedGroup) {
  const uint8_t levels[] = {1, 1, 0, 1, 1};
  std::string out;
  EncodeRleHybrid(levels, 5, 1, &out);
  EXPECT_EQ(Hex(out), "03 1B");  // v1 adds the prefix 02 00 00 00
  uint8_t back[5];
  RleHybridDecoder decoder(U8(out), out.size(), 1);
  ASSERT_EQ(decoder.Decode(back, 5), 5u);
  EXPECT_THAT(back, ::testing::ElementsAre(1, 1, 0, 1, 1));
}

TEST(RleHybridTest, HundredOnesBecomeOneRleRun) {
  std::vector<uint8_t> levels(100, 1);
  std::string out;
  EncodeRleHybrid(levels.data(), levels.size(), 1, &out);
  EXPECT_EQ(Hex(out), "C8 01 01");
}

TEST(RleHybridTest, MixedRunsRoundTripAtEveryWidth) {
  for (int width = 1; width <= 32; ++width) {
    const uint32_t max = width == 32 ? 0xFFFFFFFFu : ((1u << width) - 1);
    std::vector<uint32_t> values;
    for (uint32_t idx = 0; idx < 37; ++idx) values.push_back((idx * 2654435761u) & max);
    values.insert(values.end(), 50, max);
    for (uint32_t idx = 0; idx < 13; ++idx) values.push_back(idx & max);
    std::string out;
    EncodeRleHybrid(values.data(), values.size(), width, &out);
    std::vector<uint32_t> back(values.size());
    RleHybridDecoder decoder(U8(out), out.size(), width);
    ASSERT_EQ(decoder.Decode(back.data(), back.size()), back.size()) << "width " << width;
    EXPECT_EQ(back, values) << "width " << width;
  }
}

TEST(RleHybridTest, DecoderStopsAtTruncatedInput) {
  std::vector<uint32_t> values(64);
  for (uint32_t idx = 0; idx < 64; ++idx) values[idx] = idx % 7;
  std::string out;
  EncodeRleHybrid(values.data(), values.size(), 3, &out);
  for (size_t cut = 0; cut < out.size(); ++cut) {
    std::vector<uint32_t> back(64);
    RleHybridDecoder decoder(U8(out), cut, 3);
    EXPECT_LT(decoder.Decode(back.data(), 64), 64u) << "cut " << cut;
  }
}

TEST(RleHybridTest, RleValueWiderThanBitWidthIsRejected) {
  const std::string bytes("\x04\x05", 2);  // run of 2 of value 5 at width 1
  uint32_t back[2];
  RleHybridDecoder decoder(U8(bytes), bytes.size(), 1);
  EXPECT_EQ(decoder.Decode(back, 2), 0u);
}

TEST(RleHybridTest, WidthZeroYieldsZeros) {
  const std::string bytes("\x0A", 1);  // RLE run of 5, no value bytes
  uint32_t back[5] = {9, 9, 9, 9, 9};
  RleHybridDecoder decoder(U8(bytes), bytes.size(), 0);
  ASSERT_EQ(decoder.Decode(back, 5), 5u);
  EXPECT_THAT(back, ::testing::Each(0u));
}

TEST(PlainTest, BooleansPackLsbFirst) {
  const uint8_t values[] = {1, 0, 1, 1, 0, 0, 0, 0, 1};
  std::string out;
  EncodePlainBools(values, 9, &out);
  EXPECT_EQ(Hex(out), "0D 01");
  uint8_t back[9];
  ASSERT_EQ(DecodePlainBools(U8(out), out.size(), 9, back), 2);
  EXPECT_THAT(back, ::testing::ElementsAreArray(values));
}

TEST(PlainTest, StringsAreLengthPrefixed) {
  const std::string_view values[] = {"ab", ""};
  std::string out;
  EncodePlain(values, 2, &out);
  EXPECT_EQ(Hex(out), "02 00 00 00 61 62 00 00 00 00");
  std::string back[2];
  EXPECT_EQ(DecodePlain(U8(out), out.size(), 2, back), 10);
  EXPECT_EQ(back[0], "ab");
  EXPECT_EQ(DecodePlain(U8(out), 5, 2, back), -1);
}

// INT96 as Spark writes it by default: u64le nanoseconds of the day, u32le Julian day.
std::string Int96(uint64_t nanos_of_day, uint32_t julian_day) {
  std::string out(12, '\0');
  std::memcpy(out.data(), &nanos_of_day, 8);
  std::memcpy(out.data() + 8, &julian_day, 4);
  return out;
}

TEST(PlainTest, Int96TimestampsBecomeUtcMicroseconds) {
  // 2024-05-03T03:45:00.123456789Z: Julian day 2460434, 13500.123456789 s into the day.
  const std::string data = Int96(13'500'123'456'789, 2460434) + Int96(0, 2440588) + Int96(86'399'999'999'999, 2440587);
  std::vector<int64_t> out(3);
  ASSERT_EQ(DecodePlainInt96(reinterpret_cast<const uint8_t*>(data.data()), data.size(), 3, out.data()), 36);
  EXPECT_EQ(out[0], int64_t{1714707900} * 1'000'000 + 123'456);  // nanoseconds floored to micros
  EXPECT_EQ(out[1], 0);                                          // the Unix epoch
  EXPECT_EQ(out[2], -1);                                         // the last microsecond of 1969
}

TEST(PlainTest, MalformedOrTruncatedInt96IsRejected) {
  auto decode = [](const std::string& data, size_t count) {
    std::vector<int64_t> out(count);
    return DecodePlainInt96(reinterpret_cast<const uint8_t*>(data.data()), data.size(), count, out.data());
  };
  EXPECT_EQ(decode(Int96(0, 2460434).substr(0, 11), 1), -1);               // truncated
  EXPECT_EQ(decode(Int96(86'400'000'000'000, 2460434), 1), -1);            // a day has fewer nanoseconds
  EXPECT_EQ(decode(Int96(uint64_t{1} << 63, 2460434), 1), -1);             // negative nanoseconds
  EXPECT_EQ(decode(Int96(0, 0xFFFFFFFFu), 1), -1);                         // beyond int64 microseconds
}

TEST(DeltaTest, SpecExampleOneToFive) {
  // block 128, 4 miniblocks, 5 values, first 1; min delta 1, widths 0.
  const std::string bytes("\x80\x01\x04\x05\x02\x02\x00\x00\x00\x00", 10);
  int64_t out[5];
  EXPECT_EQ(DecodeDeltaBinaryPacked(U8(bytes), bytes.size(), 5, out), 10);
  EXPECT_THAT(out, ::testing::ElementsAre(1, 2, 3, 4, 5));
  int32_t out32[5];
  EXPECT_EQ(DecodeDeltaBinaryPacked(U8(bytes), bytes.size(), 5, out32), 10);
  EXPECT_THAT(out32, ::testing::ElementsAre(1, 2, 3, 4, 5));
}

TEST(DeltaTest, BadHeaderOrShortStreamIsRejected) {
  const std::string bad_block("\x81\x01\x04\x05\x02", 5);  // block size 129
  int64_t out[5];
  EXPECT_EQ(DecodeDeltaBinaryPacked(U8(bad_block), bad_block.size(), 5, out), -1);
  const std::string short_stream("\x80\x01\x04\x05\x02\x02\x00", 7);
  EXPECT_EQ(DecodeDeltaBinaryPacked(U8(short_stream), short_stream.size(), 5, out), -1);
}

TEST(DeltaTest, LengthByteArrayDecodesLengthsThenBytes) {
  // Lengths 1,2 (first 1, min delta 1, width 0) then "abc".
  std::string bytes("\x80\x01\x04\x02\x02\x02\x00\x00\x00\x00", 10);
  bytes += "abc";
  std::string out[2];
  EXPECT_EQ(DecodeDeltaLengthByteArray(U8(bytes), bytes.size(), 2, out), 13);
  EXPECT_EQ(out[0], "a");
  EXPECT_EQ(out[1], "bc");
}

TEST(ByteStreamSplitTest, InterleavesBytesOfEachValue) {
  const std::string bytes("\x01\x02\x03\x04\x05\x06\x07\x08", 8);  // two floats
  uint8_t out[8];
  EXPECT_EQ(DecodeByteStreamSplit(U8(bytes), bytes.size(), 2, 4, out), 8);
  EXPECT_THAT(out, ::testing::ElementsAre(1, 3, 5, 7, 2, 4, 6, 8));
}

// docs/formats.md §1.2: a DATA_PAGE of 10 values, 100 bytes, PLAIN, levels RLE.
// Ten 6-byte strings PLAIN-encoded are exactly 100 bytes, so a required
// string column with dictionary off and no compression reproduces it.
TEST(PageHeaderTest, MatchesWorkedExampleOfFormatsDoc) {
  ColumnBatch batch(Schema{{{"s", ColumnType::kString, false}}});
  for (int idx = 0; idx < 10; ++idx) batch.Strings(0).push_back("value" + std::to_string(idx));
  WriteOptions options;
  options.codec = Codec::kUncompressed;
  options.dictionary = false;
  auto bytes = Encode(batch, options);
  ASSERT_THAT(bytes, rc::testing::IsOk());
  EXPECT_EQ(bytes->substr(0, 4), "PAR1");
  EXPECT_EQ(Hex(bytes->substr(4, 19)), "15 00 15 C8 01 15 C8 01 2C 15 14 15 00 15 06 15 06 00 00");
  EXPECT_EQ(bytes->substr(bytes->size() - 4), "PAR1");
}

}  // namespace
}  // namespace rc::lake::parquet::internal
