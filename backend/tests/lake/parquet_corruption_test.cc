// Damaged and hostile inputs: truncation at every length, every byte
// flipped, hand-made footers with bad sizes. The reader must return
// kDataCorrupt / kUnsupported (never crash, never allocate absurdly).
#include <random>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "lake/parquet/parquet.h"
#include "lake/parquet_test_util.h"
#include "testing/matchers.h"

namespace rc::lake::parquet {
namespace {

using rc::lake::testing::FillColumn;
using rc::lake::testing::NullPattern;
using rc::testing::ErrorIs;
using rc::testing::IsOk;

std::string SmallFile(Codec codec) {
  Schema schema{{{"ts", ColumnType::kTimestampMicros, false},
                 {"s", ColumnType::kString, true},
                 {"v", ColumnType::kDouble, true},
                 {"b", ColumnType::kBool, true}}};
  ColumnBatch batch(schema);
  std::mt19937_64 rng(5);
  for (size_t col = 0; col < schema.fields.size(); ++col) FillColumn(&batch, col, 60, NullPattern::kSome, 6, rng);
  WriteOptions options;
  options.codec = codec;
  options.row_group_rows = 25;
  options.data_page_bytes = 64;
  auto bytes = Encode(batch, options);
  EXPECT_THAT(bytes, IsOk());
  return bytes.value_or("");
}

// Opens and reads; returns the error code or nullopt on success.
std::optional<ErrorCode> OpenAndRead(std::string bytes) {
  auto reader = Reader::OpenBuffer(std::move(bytes));
  if (!reader) return reader.error().code;
  auto batch = reader->Read();
  if (!batch) return batch.error().code;
  return std::nullopt;
}

bool IsDataError(std::optional<ErrorCode> code) {
  return code == ErrorCode::kDataCorrupt || code == ErrorCode::kUnsupported;
}

std::string CodecTestName(const ::testing::TestParamInfo<Codec>& info) {
  static const char* const kNames[] = {"Uncompressed", "Snappy", "Gzip", "Zstd"};
  return kNames[static_cast<int>(info.param)];
}

class CorruptionTest : public ::testing::TestWithParam<Codec> {};

TEST_P(CorruptionTest, EveryTruncationIsAnError) {
  const std::string file = SmallFile(GetParam());
  ASSERT_FALSE(file.empty());
  for (size_t len = 0; len < file.size(); ++len) {
    const auto code = OpenAndRead(file.substr(0, len));
    ASSERT_TRUE(IsDataError(code)) << "length " << len;
  }
}

TEST_P(CorruptionTest, TruncatedDataWithIntactFooterIsAnError) {
  // Keep the footer but zero out the page bytes after each position.
  const std::string file = SmallFile(GetParam());
  const uint32_t footer_len = static_cast<uint8_t>(file[file.size() - 8]) |
                              static_cast<uint32_t>(static_cast<uint8_t>(file[file.size() - 7])) << 8;
  const size_t data_end = file.size() - 8 - footer_len;
  for (size_t pos = 4; pos < data_end; pos += 3) {
    std::string damaged = file;
    damaged.replace(pos, data_end - pos, data_end - pos, '\0');
    const auto code = OpenAndRead(damaged);
    EXPECT_TRUE(!code.has_value() || IsDataError(code)) << "pos " << pos;
  }
}

TEST_P(CorruptionTest, EveryFlippedByteIsHandled) {
  const std::string file = SmallFile(GetParam());
  size_t errors = 0;
  for (size_t pos = 0; pos < file.size(); ++pos) {
    for (uint8_t mask : {uint8_t{0xFF}, uint8_t{0x01}, uint8_t{0x80}}) {
      std::string damaged = file;
      damaged[pos] = static_cast<char>(damaged[pos] ^ mask);
      const auto code = OpenAndRead(damaged);
      // A flip inside a value may still decode (to another value); anything
      // else must be reported as a data error.
      ASSERT_TRUE(!code.has_value() || IsDataError(code)) << "pos " << pos;
      errors += code.has_value() ? 1 : 0;
    }
  }
  EXPECT_GT(errors, file.size());
}

INSTANTIATE_TEST_SUITE_P(Codecs, CorruptionTest,
                         ::testing::Values(Codec::kUncompressed, Codec::kSnappy, Codec::kGzip, Codec::kZstd),
                         CodecTestName);

TEST(ParquetFooterTest, BadMagicIsDataCorrupt) {
  std::string file = SmallFile(Codec::kSnappy);
  file[0] = 'X';
  EXPECT_THAT(Reader::OpenBuffer(file), ErrorIs(ErrorCode::kDataCorrupt));
}

TEST(ParquetFooterTest, EncryptedFooterMagicIsUnsupported) {
  std::string file = SmallFile(Codec::kSnappy);
  file.replace(file.size() - 4, 4, "PARE");
  EXPECT_THAT(Reader::OpenBuffer(file), ErrorIs(ErrorCode::kUnsupported));
}

TEST(ParquetFooterTest, HugeFooterLengthIsDataCorrupt) {
  std::string file = SmallFile(Codec::kSnappy);
  file.replace(file.size() - 8, 4, std::string("\xff\xff\xff\x7f", 4));
  EXPECT_THAT(Reader::OpenBuffer(file), ErrorIs(ErrorCode::kDataCorrupt));
}

TEST(ParquetFooterTest, TinyInputsAreDataCorrupt) {
  for (const std::string& bytes : {std::string(), std::string("PAR1"), std::string("PAR1PAR1"),
                                   std::string("PAR1\0\0\0\0PAR1", 12)}) {
    EXPECT_THAT(Reader::OpenBuffer(bytes), ErrorIs(ErrorCode::kDataCorrupt));
  }
}

TEST(ParquetFooterTest, GarbageFooterIsDataCorruptNotAnException) {
  // A footer of 0xFF bytes: Thrift field headers with absurd types/lengths.
  std::string file = "PAR1" + std::string(64, '\xff');
  file += std::string("\x40\x00\x00\x00", 4);
  file += "PAR1";
  EXPECT_THAT(Reader::OpenBuffer(file), ErrorIs(ErrorCode::kDataCorrupt));
}


// Regression (found by UBSan): a page header whose PageType is outside the
// enum was loaded as the enum. Byte 4 is the first page header's field header
// (0x15: field 1, i32) and byte 5 its zigzag-varint page type.
TEST(ParquetPageHeaderTest, OutOfRangePageTypeIsRejectedNotLoaded) {
  std::string file = SmallFile(Codec::kSnappy);
  ASSERT_EQ(static_cast<unsigned char>(file[4]), 0x15);
  auto read = [](const std::string& bytes) -> Result<ColumnBatch> {
    RC_ASSIGN_OR_RETURN(auto reader, Reader::OpenBuffer(bytes));
    return reader.Read();
  };
  std::string unknown = file;
  unknown[5] = 0x54;  // zigzag(42): a page type from the future
  EXPECT_THAT(read(unknown), ErrorIs(ErrorCode::kUnsupported));
  std::string negative = file;
  negative[5] = 0x01;  // zigzag(-1)
  EXPECT_THAT(read(negative), ErrorIs(ErrorCode::kDataCorrupt));
}

}  // namespace
}  // namespace rc::lake::parquet
