#include "core/strings.h"

#include <gtest/gtest.h>

namespace rc {
namespace {

TEST(StringsTest, AsciiLowerTouchesOnlyAsciiLetters) {
  EXPECT_EQ(AsciiLower("Content-Type: TEXT/Plain"), "content-type: text/plain");
  EXPECT_EQ(AsciiLower("\xC3\x89T\xC3\x89"), "\xC3\x89t\xC3\x89");  // UTF-8 bytes untouched
  EXPECT_EQ(AsciiLower(""), "");
}

TEST(StringsTest, EqualsIgnoringAsciiCaseFoldsOnlyAsciiLetters) {
  EXPECT_TRUE(EqualsIgnoringAsciiCase("NaN", "nan"));
  EXPECT_TRUE(EqualsIgnoringAsciiCase("", ""));
  EXPECT_FALSE(EqualsIgnoringAsciiCase("nan", "nan "));
  EXPECT_FALSE(EqualsIgnoringAsciiCase("[", "{"));  // they differ in the case bit but are not letters
  EXPECT_FALSE(EqualsIgnoringAsciiCase("\xC3\x89", "\xC3\xA9"));  // É vs é: UTF-8 bytes compare as they are
}

TEST(StringsTest, TrimAsciiRemovesSurroundingWhitespaceOnly) {
  EXPECT_EQ(TrimAscii("  a b \t\r\n"), "a b");
  EXPECT_EQ(TrimAscii("\v\f"), "");
  EXPECT_EQ(TrimAscii("x"), "x");
  const std::string_view text = " keep ";
  EXPECT_EQ(TrimAscii(text).data(), text.data() + 1);  // a view, not a copy
}

TEST(StringsTest, RecognisesWellFormedUtf8) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii\t"));
  EXPECT_TRUE(IsValidUtf8("\xE2\x82\xB9 \xF0\x9F\x93\x88"));  // rupee sign, chart emoji
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));                         // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));                    // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));                // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("ab\xE2\x82"));                       // truncated
  EXPECT_FALSE(IsValidUtf8("\x80"));                              // a continuation byte alone
}

}  // namespace
}  // namespace rc
