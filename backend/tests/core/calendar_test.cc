#include "core/calendar.h"

#include <gtest/gtest.h>

#include "testing/literals.h"
#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc {
namespace {

using ::rc::testing::ErrorIs;
using ::rc::testing::IsOk;
using ::rc::testing::Iso;
using ::rc::testing::Nse;
using ::rc::testing::Nyse;
using ::rc::testing::Sym;

TEST(CalendarTest, SymbolsMapToTheirExchange) {
  EXPECT_EQ(ExchangeCalendar::ForSymbol(Sym("TCS.NS")).name(), "NSE");
  EXPECT_EQ(ExchangeCalendar::ForSymbol(Sym("^NSEI")).name(), "NSE");
  EXPECT_EQ(ExchangeCalendar::ForSymbol(Sym("AAPL")).name(), "NYSE");
  EXPECT_EQ(ExchangeCalendar::ForSymbol(Sym("BTC-USD")).name(), "24x7");
  EXPECT_THAT(ExchangeCalendar::ByName("LSE"), ErrorIs(ErrorCode::kInvalidArgument, "calendar"));
}

TEST(CalendarTest, NseSessionEdges) {
  // 2024-01-02 is a Tuesday. IST = UTC+05:30: 09:15 IST = 03:45Z, 15:30 IST = 10:00Z.
  EXPECT_EQ(Nse().SessionAt(Iso("2024-01-02T03:29:59Z")), MarketSession::kClosed);   // 08:59:59 IST
  EXPECT_EQ(Nse().SessionAt(Iso("2024-01-02T03:30:00Z")), MarketSession::kPre);      // 09:00 pre-open
  EXPECT_EQ(Nse().SessionAt(Iso("2024-01-02T03:44:59Z")), MarketSession::kPre);
  EXPECT_EQ(Nse().SessionAt(Iso("2024-01-02T03:45:00Z")), MarketSession::kRegular);  // 09:15
  EXPECT_EQ(Nse().SessionAt(Iso("2024-01-02T09:59:59Z")), MarketSession::kRegular);
  EXPECT_EQ(Nse().SessionAt(Iso("2024-01-02T10:00:00Z")), MarketSession::kPost);     // 15:30 closing session
  EXPECT_EQ(Nse().SessionAt(Iso("2024-01-02T10:30:00Z")), MarketSession::kClosed);   // 16:00
}

TEST(CalendarTest, NseWeekendsAndHolidaysAreClosed) {
  EXPECT_EQ(Nse().SessionAt(Iso("2024-01-06T05:00:00Z")), MarketSession::kClosed);  // Saturday
  EXPECT_EQ(Nse().SessionAt(Iso("2024-01-26T05:00:00Z")), MarketSession::kClosed);  // Republic Day
  EXPECT_FALSE(Nse().RegularSession(Nse().LocalDay(Iso("2024-01-26T05:00:00Z"))).has_value());
  EXPECT_TRUE(Nse().IsTradingDay(Nse().LocalDay(Iso("2024-01-25T05:00:00Z"))));
}

TEST(CalendarTest, NseFiveMinuteBarsPerDay) {
  const auto bars = Nse().TradingBars(Iso("2024-01-02T00:00:00Z"), Iso("2024-01-03T00:00:00Z"), Timeframe::k5m);
  ASSERT_EQ(bars.size(), 75u);  // 09:15 .. 15:25 IST
  EXPECT_EQ(bars.front(), Iso("2024-01-02T03:45:00Z"));
  EXPECT_EQ(bars.back(), Iso("2024-01-02T09:55:00Z"));
  // A week containing a holiday (Fri 2024-01-26): 4 trading days.
  EXPECT_EQ(Nse().TradingBars(Iso("2024-01-22T00:00:00Z"), Iso("2024-01-29T00:00:00Z"), Timeframe::k5m).size(),
            3u * 75u);  // 2024-01-22 was also a (special) holiday
}

TEST(CalendarTest, HourBarsAlignToTheSessionOpenAndTheLastIsShort) {
  const auto bars = Nse().TradingBars(Iso("2024-01-02T00:00:00Z"), Iso("2024-01-03T00:00:00Z"), Timeframe::k1h);
  ASSERT_EQ(bars.size(), 7u);  // 09:15 10:15 ... 15:15
  EXPECT_EQ(bars.back(), Iso("2024-01-02T09:45:00Z"));
  EXPECT_EQ(Nse().BarClose(bars.back(), Timeframe::k1h), Iso("2024-01-02T10:00:00Z"));
  EXPECT_EQ(*Nse().BarOpenContaining(Iso("2024-01-02T04:50:00Z"), Timeframe::k1h), Iso("2024-01-02T04:45:00Z"));
  EXPECT_FALSE(Nse().BarOpenContaining(Iso("2024-01-02T03:40:00Z"), Timeframe::k5m).has_value());  // pre-open
}

TEST(CalendarTest, NextBarCloseSkipsNightsWeekendsAndHolidays) {
  // Mid-bar.
  EXPECT_EQ(Nse().NextBarClose(Iso("2024-01-02T03:46:00Z"), Timeframe::k5m), Iso("2024-01-02T03:50:00Z"));
  // Exactly at a close: the next one.
  EXPECT_EQ(Nse().NextBarClose(Iso("2024-01-02T03:50:00Z"), Timeframe::k5m), Iso("2024-01-02T03:55:00Z"));
  // Friday 2024-01-19 after the close -> Monday 2024-01-22 is a holiday -> Tuesday 09:20 IST.
  EXPECT_EQ(Nse().NextBarClose(Iso("2024-01-19T11:00:00Z"), Timeframe::k5m), Iso("2024-01-23T03:50:00Z"));
  EXPECT_EQ(Nse().NextBarClose(Iso("2024-01-02T04:00:00Z"), Timeframe::k1d), Iso("2024-01-02T10:00:00Z"));
}

TEST(CalendarTest, NyseFollowsDaylightSavingTime) {
  // US DST began Sunday 2024-03-10. 09:30 New York = 14:30Z in winter, 13:30Z in summer.
  EXPECT_EQ(Nyse().RegularSession(Nyse().LocalDay(Iso("2024-03-08T15:00:00Z")))->open, Iso("2024-03-08T14:30:00Z"));
  EXPECT_EQ(Nyse().RegularSession(Nyse().LocalDay(Iso("2024-03-11T15:00:00Z")))->open, Iso("2024-03-11T13:30:00Z"));
  // DST ended Sunday 2024-11-03.
  EXPECT_EQ(Nyse().RegularSession(Nyse().LocalDay(Iso("2024-11-01T15:00:00Z")))->close, Iso("2024-11-01T20:00:00Z"));
  EXPECT_EQ(Nyse().RegularSession(Nyse().LocalDay(Iso("2024-11-04T15:00:00Z")))->close, Iso("2024-11-04T21:00:00Z"));
  EXPECT_EQ(Nyse().SessionAt(Iso("2024-03-11T13:30:00Z")), MarketSession::kRegular);
  EXPECT_EQ(Nyse().SessionAt(Iso("2024-03-08T13:30:00Z")), MarketSession::kPre);
  // The DST weekend itself is closed, and a full week still has 5 x 78 five-minute bars.
  EXPECT_EQ(Nyse().TradingBars(Iso("2024-03-11T00:00:00Z"), Iso("2024-03-16T00:00:00Z"), Timeframe::k5m).size(),
            5u * 78u);
  EXPECT_EQ(Nyse().SessionAt(Iso("2024-07-04T15:00:00Z")), MarketSession::kClosed);  // Independence Day
}

TEST(CalendarTest, TwentyFourSevenIsAlwaysOpen) {
  const auto& crypto = **ExchangeCalendar::ByName("24x7");
  EXPECT_EQ(crypto.SessionAt(Iso("2024-01-06T05:00:00Z")), MarketSession::kRegular);  // Saturday
  EXPECT_EQ(crypto.TradingBars(Iso("2024-01-06T00:00:00Z"), Iso("2024-01-07T00:00:00Z"), Timeframe::k1h).size(), 24u);
  EXPECT_EQ(crypto.NextBarClose(Iso("2024-01-06T05:10:00Z"), Timeframe::k1h), Iso("2024-01-06T06:00:00Z"));
}

TEST(CalendarTest, UserHolidayFileExtendsTheCalendar) {
  ::rc::testing::TempDir dir;
  // 2030 dates are not in the shipped file; use a date far from others' tests.
  ::rc::testing::WriteFile(dir / "NSE.holidays", "# extra\n2030-01-02  # made-up closure\n");
  const int64_t day = Nse().LocalDay(Iso("2030-01-02T05:00:00Z"));
  EXPECT_TRUE(Nse().IsTradingDay(day));
  ASSERT_THAT(ExchangeCalendar::LoadHolidayDir(dir.str()), IsOk());
  EXPECT_FALSE(Nse().IsTradingDay(day));
}

TEST(CalendarTest, BadHolidayFileNamesFileAndLine) {
  ::rc::testing::TempDir dir;
  ::rc::testing::WriteFile(dir / "NYSE.holidays", "2031-01-01\nnot-a-date\n");
  auto status = ExchangeCalendar::LoadHolidayDir(dir.str());
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(status.error().field.find("NYSE.holidays:2"), std::string::npos) << status.error().field;
}

}  // namespace
}  // namespace rc
