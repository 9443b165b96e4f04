#include "core/percent_encoding.h"

#include <gtest/gtest.h>

namespace rc {
namespace {

bool KeepLetters(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

TEST(PercentEncodingTest, EncodesExactlyTheBytesTheCallerDoesNotKeep) {
  EXPECT_EQ(PercentEncode("abC", KeepLetters), "abC");
  EXPECT_EQ(PercentEncode("a b/c", KeepLetters), "a%20b%2Fc");
  EXPECT_EQ(PercentEncode("", KeepLetters), "");
  // Bytes above 0x7F and NUL are escaped per byte, in upper-case hex.
  EXPECT_EQ(PercentEncode(std::string_view("\xC3\xA9\0z", 4), KeepLetters), "%C3%A9%00z");
  EXPECT_EQ(PercentEncode("%", [](unsigned char) { return false; }), "%25");
}

TEST(PercentEncodingTest, DecodeReversesEncodeForEveryByte) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  const std::string encoded = PercentEncode(all, KeepLetters);
  auto decoded = PercentDecode(encoded);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, all);
}

TEST(PercentEncodingTest, DecodeAcceptsEitherHexCaseAndRejectsMalformedEscapes) {
  EXPECT_EQ(PercentDecode("a%2fb%2Fc"), std::optional<std::string>("a/b/c"));
  EXPECT_EQ(PercentDecode("plain"), std::optional<std::string>("plain"));
  EXPECT_EQ(PercentDecode("%41"), std::optional<std::string>("A"));  // an escape that ends the text
  EXPECT_EQ(PercentDecode("a%"), std::nullopt);
  EXPECT_EQ(PercentDecode("a%4"), std::nullopt);
  EXPECT_EQ(PercentDecode("a%4g"), std::nullopt);
  EXPECT_EQ(PercentDecode("%zz1"), std::nullopt);
}

}  // namespace
}  // namespace rc
