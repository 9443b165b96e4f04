#include "data/pipeline/bronze.h"

#include <gtest/gtest.h>

#include <cmath>
#include <tuple>

#include "data/pipeline/lake_rows.h"
#include "lake/layers/layers.h"
#include "testing/literals.h"

namespace rc::data::pipeline {
namespace {

using rc::testing::Iso;
using rc::testing::Sym;

RawRecord Rec(const char* open_time, double close, TimestampUs fetched_at = 1, std::string batch = "b1") {
  RawRecord r;
  r.bar = RawBar{Iso(open_time), close, close + 1, close - 1, close, 100.0};
  r.provider = "yahoo";
  r.fetched_at = fetched_at;
  r.batch_id = std::move(batch);
  return r;
}

const TimestampUs kLater = Iso("2030-01-01T00:00:00Z");

TEST(BronzeTest, LatestFetchWinsAndOutputIsSorted) {
  std::vector<RawRecord> raw = {Rec("2024-01-02T03:55:00Z", 101, 5), Rec("2024-01-02T03:50:00Z", 100, 5),
                                Rec("2024-01-02T03:50:00Z", 200, 9, "b2"), Rec("2024-01-02T03:50:00Z", 150, 7)};
  auto out = BuildBronze(Sym("TCS.NS"), Timeframe::k5m, raw, kLater);
  ASSERT_EQ(out.bars.size(), 2u);
  EXPECT_EQ(out.bars[0].bar.open_time, Iso("2024-01-02T03:50:00Z"));
  EXPECT_EQ(out.bars[0].bar.close, 200);
  EXPECT_EQ(out.bars[0].batch_id, "b2");
  EXPECT_EQ(out.stats.duplicates, 2);
  EXPECT_EQ(out.stats.input, 4);
}

TEST(BronzeTest, StillFormingBarNeverEntersBronze) {
  std::vector<RawRecord> raw = {Rec("2024-01-02T03:45:00Z", 100), Rec("2024-01-02T03:50:00Z", 101)};
  // At 03:52 the 03:50 bar closes at 03:55: still forming.
  auto out = BuildBronze(Sym("TCS.NS"), Timeframe::k5m, raw, Iso("2024-01-02T03:52:00Z"));
  ASSERT_EQ(out.bars.size(), 1u);
  EXPECT_EQ(out.stats.dropped_forming, 1);
  // Exactly at its close it is complete.
  out = BuildBronze(Sym("TCS.NS"), Timeframe::k5m, raw, Iso("2024-01-02T03:55:00Z"));
  EXPECT_EQ(out.bars.size(), 2u);
}

TEST(BronzeTest, NullsAndInvalidBarsAreDroppedAndCounted) {
  std::vector<RawRecord> raw;
  RawRecord null_close = Rec("2024-01-02T03:45:00Z", 100);
  null_close.bar.close.reset();
  raw.push_back(null_close);
  RawRecord null_volume = Rec("2024-01-02T03:50:00Z", 100);
  null_volume.bar.volume.reset();
  raw.push_back(null_volume);
  RawRecord inverted = Rec("2024-01-02T03:55:00Z", 100);
  inverted.bar.high = 90;  // high < low
  raw.push_back(inverted);
  RawRecord negative = Rec("2024-01-02T04:00:00Z", 100);
  negative.bar.open = -1;
  raw.push_back(negative);
  RawRecord outside = Rec("2024-01-02T04:05:00Z", 100);
  outside.bar.close = 150;  // above high
  raw.push_back(outside);
  RawRecord nan = Rec("2024-01-02T04:10:00Z", 100);
  nan.bar.low = std::nan("");
  raw.push_back(nan);
  auto out = BuildBronze(Sym("TCS.NS"), Timeframe::k5m, raw, kLater);
  ASSERT_EQ(out.bars.size(), 1u);
  EXPECT_EQ(out.bars[0].bar.volume, 0.0);
  EXPECT_EQ(out.stats.dropped_null, 1);
  EXPECT_EQ(out.stats.volume_filled, 1);
  EXPECT_EQ(out.stats.dropped_invalid, 4);
}

TEST(BronzeTest, NseSessionsAreTagged) {
  // IST = UTC+05:30. 09:05 pre-open, 09:15 regular, 15:35 closing session, Saturday closed.
  std::vector<RawRecord> raw = {Rec("2024-01-02T03:35:00Z", 100), Rec("2024-01-02T03:45:00Z", 100),
                                Rec("2024-01-02T10:05:00Z", 100), Rec("2024-01-06T05:00:00Z", 100)};
  auto out = BuildBronze(Sym("TCS.NS"), Timeframe::k5m, raw, kLater);
  ASSERT_EQ(out.bars.size(), 4u);
  EXPECT_EQ(out.bars[0].session, MarketSession::kPre);
  EXPECT_EQ(out.bars[1].session, MarketSession::kRegular);
  EXPECT_EQ(out.bars[2].session, MarketSession::kPost);
  EXPECT_EQ(out.bars[3].session, MarketSession::kClosed);
  EXPECT_EQ(out.stats.pre, 1);
  EXPECT_EQ(out.stats.post, 1);
  EXPECT_EQ(out.stats.closed, 1);
}

TEST(BronzeTest, SessionsOfEveryBarMatchTheCalendarAcrossDaysAndDst) {
  // Every 5 minutes for 10 days around the US DST change (2024-03-10), NYSE:
  // pre, regular, post and closed bars on weekdays and a weekend, so the
  // per-day reuse of the regular session never tags a bar the calendar would not.
  const Symbol aapl = Sym("AAPL");
  const ExchangeCalendar& nyse = ExchangeCalendar::ForSymbol(aapl);
  std::vector<RawRecord> raw;
  for (TimestampUs t = Iso("2024-03-05T00:00:00Z"); t < Iso("2024-03-15T00:00:00Z"); t += 300'000'000LL) {
    RawRecord r = Rec("2024-01-02T03:45:00Z", 100);
    r.bar.open_time = t;
    raw.push_back(r);
  }
  auto out = BuildBronze(aapl, Timeframe::k5m, raw, kLater);
  ASSERT_EQ(out.bars.size(), raw.size());
  for (const BronzeBar& b : out.bars) {
    ASSERT_EQ(b.session, nyse.SessionAt(b.bar.open_time)) << FormatIsoUtc(b.bar.open_time);
  }
  EXPECT_GT(out.stats.regular, 0);
  EXPECT_GT(out.stats.pre, 0);
  EXPECT_GT(out.stats.post, 0);
  EXPECT_GT(out.stats.closed, 0);
}

TEST(BronzeTest, FormingBarsAreFoundAmongOldOnes) {
  // Only bars within a day of `now` ask the calendar for their close: the
  // one forming at `now` is still dropped, and daily bars too.
  std::vector<RawRecord> raw;
  for (TimestampUs t = Iso("2024-01-01T03:45:00Z"); t <= Iso("2024-01-02T03:50:00Z"); t += 300'000'000LL) {
    RawRecord r = Rec("2024-01-02T03:45:00Z", 100);
    r.bar.open_time = t;
    raw.push_back(r);
  }
  auto out = BuildBronze(Sym("TCS.NS"), Timeframe::k5m, raw, Iso("2024-01-02T03:52:00Z"));
  EXPECT_EQ(out.stats.dropped_forming, 1);
  EXPECT_EQ(out.bars.back().bar.open_time, Iso("2024-01-02T03:45:00Z"));
  std::vector<RawRecord> daily = {Rec("2024-01-01T03:45:00Z", 100), Rec("2024-01-02T03:45:00Z", 100)};
  out = BuildBronze(Sym("TCS.NS"), Timeframe::k1d, daily, Iso("2024-01-02T09:00:00Z"));  // 14:30 IST: today's bar forms
  EXPECT_EQ(out.stats.dropped_forming, 1);
  EXPECT_EQ(out.bars.size(), 1u);
}

TEST(BronzeTest, GapsAreFlaggedAgainstTheCalendar) {
  std::vector<RawRecord> raw = {
      Rec("2024-01-02T09:50:00Z", 100),  // 15:20 IST
      Rec("2024-01-02T09:55:00Z", 100),  // 15:25 IST, last bar of the day
      Rec("2024-01-03T03:45:00Z", 100),  // next morning 09:15: adjacent across the night, no gap
      Rec("2024-01-03T03:55:00Z", 100),  // 09:25: the 09:20 bar is missing -> gap
      Rec("2024-01-25T09:55:00Z", 100),  // Thu 15:25
      Rec("2024-01-29T03:45:00Z", 100),  // Mon 09:15 after Fri 2024-01-26 holiday + weekend: no gap
  };
  auto out = BuildBronze(Sym("TCS.NS"), Timeframe::k5m, raw, kLater);
  ASSERT_EQ(out.bars.size(), 6u);
  EXPECT_FALSE(out.bars[0].gap_before);
  EXPECT_FALSE(out.bars[1].gap_before);
  EXPECT_FALSE(out.bars[2].gap_before);
  EXPECT_TRUE(out.bars[3].gap_before);
  EXPECT_TRUE(out.bars[4].gap_before);  // weeks missing between 01-03 and 01-25
  EXPECT_FALSE(out.bars[5].gap_before);
  EXPECT_EQ(out.stats.gaps, 2);
}

TEST(BronzeTest, RerunningOnItsOwnOutputChangesNothing) {
  std::vector<RawRecord> raw;
  for (int bar_idx = 0; bar_idx < 50; ++bar_idx) {
    RawRecord r = Rec("2024-01-02T03:45:00Z", 100 + bar_idx, bar_idx % 3);
    r.bar.open_time += (bar_idx % 20) * 300'000'000LL;  // duplicates of 20 bars
    raw.push_back(r);
  }
  auto first = BuildBronze(Sym("TCS.NS"), Timeframe::k5m, raw, kLater);
  std::vector<RawRecord> again;
  for (const auto& b : first.bars) {
    again.push_back({RawBar{b.bar.open_time, b.bar.open, b.bar.high, b.bar.low, b.bar.close, b.bar.volume}, b.provider,
                     1, b.batch_id});
  }
  auto second = BuildBronze(Sym("TCS.NS"), Timeframe::k5m, again, kLater);
  ASSERT_EQ(first.bars.size(), second.bars.size());
  for (size_t bar_idx = 0; bar_idx < first.bars.size(); ++bar_idx) {
    EXPECT_EQ(first.bars[bar_idx].bar, second.bars[bar_idx].bar);
    EXPECT_EQ(first.bars[bar_idx].gap_before, second.bars[bar_idx].gap_before);
  }
}

// The pipeline's column path (raw rows as read from the lake, never made
// RawRecords) applies the same rules as BuildBronze: out-of-order rows,
// superseded fetches, nulls (a null volume filled), invalid bars, forming bars,
// pre/post/closed sessions and gaps, each row's provider and batch id.
TEST(BronzeTest, ColumnPathBuildsWhatBuildBronzeBuilds) {
  auto schema = lake::layers::RawBarsSchema();
  auto batch_of = [&](std::vector<RawBar> bars, TimestampUs fetched_at, const std::string& batch_id) {
    auto batch = RawToBatch(schema, Sym("TCS.NS"), Timeframe::k5m, bars, "yahoo", fetched_at, batch_id);
    EXPECT_TRUE(batch.has_value());
    return std::move(*batch);
  };
  auto bar = [](const char* iso, double close) { return RawBar{Iso(iso), close, close + 1, close - 1, close, 100.0}; };
  std::vector<RawBar> first = {bar("2024-01-02T03:55:00Z", 101), bar("2024-01-02T03:50:00Z", 100),
                               bar("2024-01-02T03:45:00Z", 99),  bar("2024-01-02T02:00:00Z", 98),   // pre-open
                               bar("2024-01-02T10:30:00Z", 97),  bar("2023-12-30T04:00:00Z", 96),   // post, Saturday
                               bar("2024-01-03T05:00:00Z", 95),  bar("2024-01-02T04:30:00Z", -1)};  // gap, invalid
  first[1].open.reset();        // null open: dropped, but superseded below
  first[6].volume.reset();      // null volume: filled
  std::vector<RawBar> second = {bar("2024-01-02T03:50:00Z", 200), bar("2024-01-02T04:00:00Z", 102),
                                bar("2024-01-03T05:05:00Z", 103)};  // the last one still forming at `now`
  lake::ColumnBatch raw = batch_of(second, 9, "b2");
  ASSERT_TRUE(raw.Append(batch_of(first, 5, "b1")).has_value());
  const TimestampUs now = Iso("2024-01-03T05:07:00Z");

  auto records = RawFromBatch(raw);
  ASSERT_TRUE(records.has_value());
  const BronzeResult expected = BuildBronze(Sym("TCS.NS"), Timeframe::k5m, std::move(*records), now);
  auto built = BuildBronzeFromBatch(Sym("TCS.NS"), Timeframe::k5m, raw, now);
  ASSERT_TRUE(built.has_value());
  ASSERT_EQ(built->rows.size(), expected.bars.size());
  EXPECT_GE(expected.bars.size(), 6u);
  for (size_t i = 0; i < expected.bars.size(); ++i) {
    const BronzeRow& row = built->rows[i];
    const BronzeBar& want = expected.bars[i];
    EXPECT_EQ(row.bar, want.bar) << i;
    EXPECT_EQ(row.session, want.session) << i;
    EXPECT_EQ(row.gap_before, want.gap_before) << i;
    EXPECT_EQ(built->raw.Strings(built->raw.schema().FieldIndex("batch_id"))[row.raw_row], want.batch_id) << i;
    EXPECT_EQ(built->raw.Strings(built->raw.schema().FieldIndex("provider"))[row.raw_row], want.provider) << i;
  }
  const BronzeStats& a = built->stats;
  const BronzeStats& b = expected.stats;
  EXPECT_EQ(std::tie(a.input, a.duplicates, a.dropped_forming, a.dropped_null, a.dropped_invalid, a.volume_filled,
                     a.regular, a.pre, a.post, a.closed, a.gaps),
            std::tie(b.input, b.duplicates, b.dropped_forming, b.dropped_null, b.dropped_invalid, b.volume_filled,
                     b.regular, b.pre, b.post, b.closed, b.gaps));
  EXPECT_EQ(b.duplicates, 1);
  EXPECT_EQ(b.dropped_forming, 1);
  EXPECT_EQ(b.dropped_invalid, 1);
  EXPECT_EQ(b.volume_filled, 1);
  EXPECT_GE(b.gaps, 1);
  EXPECT_GE(b.pre + b.post + b.closed, 2);
}

}  // namespace
}  // namespace rc::data::pipeline
