#include "data/providers/provider.h"

#include <gtest/gtest.h>

#include "core/calendar.h"
#include "testing/literals.h"

namespace rc::data {
namespace {

using rc::testing::Iso;
using rc::testing::Sym;

RawBar FlatBarAt(TimestampUs open_time) {
  RawBar bar;
  bar.open_time = open_time;
  bar.open = bar.high = bar.low = bar.close = 100.0;
  return bar;
}

// NSE 5m bars: 09:15 IST = 03:45 UTC, so the 09:20 IST bar closes at 03:55 UTC.
TEST(MakeFetchResultTest, LastBarFormsUntilItsCloseTime) {
  const FetchRequest request{Sym("TCS.NS"), Timeframe::k5m, Iso("2024-03-01T03:45:00Z"), Iso("2024-03-01T04:00:00Z")};
  const std::vector<RawBar> bars = {FlatBarAt(Iso("2024-03-01T03:45:00Z")), FlatBarAt(Iso("2024-03-01T03:50:00Z"))};

  FetchResult forming = MakeFetchResult("yahoo", bars, request, Iso("2024-03-01T03:54:59Z"));
  EXPECT_EQ(forming.provider, "yahoo");
  EXPECT_EQ(forming.bars, bars);
  EXPECT_EQ(forming.fetched_at, Iso("2024-03-01T03:54:59Z"));
  EXPECT_TRUE(forming.last_bar_forming);
  EXPECT_TRUE(forming.note.empty());

  // At its close time the bar is complete.
  EXPECT_FALSE(MakeFetchResult("yahoo", bars, request, Iso("2024-03-01T03:55:00Z")).last_bar_forming);
  EXPECT_FALSE(MakeFetchResult("yahoo", bars, request, Iso("2024-03-02T00:00:00Z")).last_bar_forming);
}

TEST(MakeFetchResultTest, NoBarsIsNeverForming) {
  const FetchRequest request{Sym("TCS.NS"), Timeframe::k5m, Iso("2024-03-01T03:45:00Z"), Iso("2024-03-01T04:00:00Z")};
  FetchResult empty = MakeFetchResult("sim", {}, request, Iso("2024-03-01T03:46:00Z"));
  EXPECT_EQ(empty.provider, "sim");
  EXPECT_TRUE(empty.bars.empty());
  EXPECT_FALSE(empty.last_bar_forming);
}

TEST(MakeFetchResultTest, DailyBarFormsUntilTheSessionClose) {
  // NSE closes at 15:30 IST = 10:00 UTC.
  const Symbol tcs = Sym("TCS.NS");
  const ExchangeCalendar& nse = ExchangeCalendar::ForSymbol(tcs);
  const TimestampUs open = DailyBarOpen(tcs, nse.LocalDay(Iso("2024-03-01T05:00:00Z")));
  const FetchRequest request{tcs, Timeframe::k1d, open, open + kMicrosPerDay};
  EXPECT_TRUE(MakeFetchResult("csv", {FlatBarAt(open)}, request, Iso("2024-03-01T09:59:00Z")).last_bar_forming);
  EXPECT_FALSE(MakeFetchResult("csv", {FlatBarAt(open)}, request, Iso("2024-03-01T10:00:00Z")).last_bar_forming);
}

}  // namespace
}  // namespace rc::data
