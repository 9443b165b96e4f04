#include "core/symbol.h"

#include <gtest/gtest.h>

#include "testing/matchers.h"

namespace rc {
namespace {

using ::rc::testing::ErrorIs;
using ::rc::testing::IsOk;

TEST(SymbolTest, AcceptsYahooStyleSymbols) {
  for (const char* text : {"TCS.NS", "INFY.NS", "^NSEI", "AAPL", "BTC-USD", "EURUSD=X", "M&M.NS", "BRK-B"}) {
    auto symbol = Symbol::Parse(text);
    ASSERT_THAT(symbol, IsOk()) << text;
    EXPECT_EQ(symbol->str(), text);
  }
}

TEST(SymbolTest, LowerCaseIsNormalisedToUpperCase) {
  auto symbol = Symbol::Parse("tcs.ns");
  ASSERT_THAT(symbol, IsOk());
  EXPECT_EQ(symbol->str(), "TCS.NS");
}

TEST(SymbolTest, RejectsPathTraversalAndSeparators) {
  EXPECT_THAT(Symbol::Parse("../x"), ErrorIs(ErrorCode::kInvalidArgument, "symbol"));
  EXPECT_THAT(Symbol::Parse("a/b"), ErrorIs(ErrorCode::kInvalidArgument, "symbol"));
  EXPECT_THAT(Symbol::Parse("A..B"), ErrorIs(ErrorCode::kInvalidArgument, "symbol"));
  EXPECT_THAT(Symbol::Parse("..."), ErrorIs(ErrorCode::kInvalidArgument, "symbol"));
  EXPECT_THAT(Symbol::Parse("A\\B"), ErrorIs(ErrorCode::kInvalidArgument, "symbol"));
  EXPECT_THAT(Symbol::Parse("A B"), ErrorIs(ErrorCode::kInvalidArgument, "symbol"));
  EXPECT_THAT(Symbol::Parse(std::string("A\0B", 3)), ErrorIs(ErrorCode::kInvalidArgument, "symbol"));
}

TEST(SymbolTest, RejectsEmptyLongAndUnicode) {
  EXPECT_THAT(Symbol::Parse(""), ErrorIs(ErrorCode::kInvalidArgument, "symbol"));
  EXPECT_THAT(Symbol::Parse(std::string(200, 'A')), ErrorIs(ErrorCode::kInvalidArgument, "symbol"));
  EXPECT_THAT(Symbol::Parse(std::string(33, 'A')), ErrorIs(ErrorCode::kInvalidArgument, "symbol"));
  EXPECT_THAT(Symbol::Parse(std::string(32, 'A')), IsOk());
  EXPECT_THAT(Symbol::Parse("TCS\xC3\xA9"), ErrorIs(ErrorCode::kInvalidArgument, "symbol"));
  EXPECT_THAT(Symbol::Parse(".NS"), ErrorIs(ErrorCode::kInvalidArgument, "symbol"));
}

TEST(SymbolTest, ErrorNamesTheCallerField) {
  EXPECT_THAT(Symbol::Parse("a/b", "body.symbol"), ErrorIs(ErrorCode::kInvalidArgument, "body.symbol"));
}

TEST(SymbolTest, SplitsTickerAndExchangeSuffix) {
  auto tcs = Symbol::Parse("TCS.NS");
  ASSERT_THAT(tcs, IsOk());
  EXPECT_EQ(tcs->Ticker(), "TCS");
  EXPECT_EQ(tcs->ExchangeSuffix(), "NS");
  auto aapl = Symbol::Parse("AAPL");
  ASSERT_THAT(aapl, IsOk());
  EXPECT_EQ(aapl->Ticker(), "AAPL");
  EXPECT_EQ(aapl->ExchangeSuffix(), "");
}

}  // namespace
}  // namespace rc
