#include "core/strings.h"

#include <gtest/gtest.h>

namespace rc {
namespace {

TEST(StringsTest, AsciiLowerTouchesOnlyAsciiLetters) {
  EXPECT_EQ(AsciiLower("Content-Type: TEXT/Plain"), "content-type: text/plain");
  EXPECT_EQ(AsciiLower("\xC3\x89T\xC3\x89"), "\xC3\x89t\xC3\x89");  // UTF-8 bytes untouched
  EXPECT_EQ(AsciiLower(""), "");
}

TEST(StringsTest, TrimAsciiRemovesSurroundingWhitespaceOnly) {
  EXPECT_EQ(TrimAscii("  a b \t\r\n"), "a b");
  EXPECT_EQ(TrimAscii("\v\f"), "");
  EXPECT_EQ(TrimAscii("x"), "x");
  const std::string_view text = " keep ";
  EXPECT_EQ(TrimAscii(text).data(), text.data() + 1);  // a view, not a copy
}

}  // namespace
}  // namespace rc
