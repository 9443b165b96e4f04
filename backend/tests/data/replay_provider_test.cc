#include "data/providers/replay_provider.h"

#include <gtest/gtest.h>

#include "data/failover/provider_chain.h"
#include "data/providers/csv_import.h"
#include "testing/fake_wall_clock.h"
#include "testing/literals.h"
#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc::data {
namespace {

using ::rc::testing::ErrorIs;
using ::rc::testing::FakeWallClock;
using ::rc::testing::IsOk;
using ::rc::testing::TempDir;
using ::rc::testing::WriteFile;
using ::rc::testing::Iso;
using ::rc::testing::Sym;
using ::testing::HasSubstr;

const Symbol kTcs = Sym("TCS.NS");
constexpr TimestampUs kWall0 = 1'700'000'000'000'000;
constexpr int64_t kSecond = kMicrosPerSecond;

// Two NSE days as the export has them: a pre-open bar, the regular bars, a
// post-close bar. 2021-07-08 is a Thursday, 2021-07-09 a Friday.
std::string NseCsv() {
  return "datetime,symbol,open,high,low,close,volume\n"
         "2021-07-08 09:05:00,NSE:TCS,100.0,100.0,100.0,100.0,50.0\n"
         "2021-07-08 09:15:00,NSE:TCS,101.0,102.0,100.5,101.5,1000.0\n"
         "2021-07-08 09:20:00,NSE:TCS,101.5,103.0,101.0,102.5,1100.0\n"
         "2021-07-08 09:25:00,NSE:TCS,102.5,102.5,101.0,101.2,900.0\n"
         "2021-07-08 15:25:00,NSE:TCS,110.0,111.0,109.0,110.5,2000.0\n"
         "2021-07-08 15:40:00,NSE:TCS,110.5,110.5,110.5,110.5,10.0\n"
         "2021-07-09 09:15:00,NSE:TCS,111.0,112.0,110.0,111.5,1500.0\n"
         "2021-07-09 09:20:00,NSE:TCS,111.5,112.5,111.0,112.0,1400.0\n";
}

Settings ReplaySettings(const TempDir& dir, const std::string& source) {
  Settings s;
  s.data_dir = (dir / "lake").string();
  s.primary_data_provider = "replay";
  s.replay_source = source;
  s.watchlist = {"TCS.NS:5m"};
  return s;
}

struct ReplayProviderTest : ::testing::Test {
  TempDir dir;
  std::shared_ptr<FakeWallClock> wall = std::make_shared<FakeWallClock>(kWall0);

  ReplayProvider Make(std::vector<RawBar> bars, TimestampUs start, double speed, bool forming = false) {
    auto clock = std::make_shared<ReplayMarketClock>(
        ExchangeCalendar::ForSymbol(kTcs), ReplayClockOptions{.start = start, .speed = speed, .wall_anchor = kWall0},
        wall);
    return ReplayProvider({{kTcs, Timeframe::k5m, std::move(bars)}}, clock, forming);
  }
  std::vector<RawBar> NseBars() {
    WriteFile(dir / "TCS.csv", NseCsv());
    auto bars = ReadReplayCsv(dir / "TCS.csv", "UTC");
    EXPECT_THAT(bars, IsOk());
    return bars ? *bars : std::vector<RawBar>{};
  }
  FetchRequest All() const { return {kTcs, Timeframe::k5m, Iso("2021-01-01T00:00:00Z"), Iso("2022-01-01T00:00:00Z")}; }
};

TEST_F(ReplayProviderTest, NseLayoutIsDetectedFromTheHeaderAndReadAsIst) {
  // The generic zone passed is UTC, but the NSE header says IST.
  const auto bars = NseBars();
  ASSERT_EQ(bars.size(), 8u);
  EXPECT_EQ(bars[1].open_time, Iso("2021-07-08T03:45:00Z"));  // 09:15 IST
  EXPECT_EQ(*bars[1].close, 101.5);
  EXPECT_EQ(DetectCsvLayout("datetime,symbol,open,high,low,close,volume"), CsvLayout::kNse);
  EXPECT_EQ(DetectCsvLayout(" DateTime , Symbol,Open,High,Low,Close,Volume"), CsvLayout::kNse);
  EXPECT_EQ(DetectCsvLayout("ts,open,high,low,close,volume"), CsvLayout::kGeneric);
  EXPECT_EQ(DetectCsvLayout("datetime,open,high,low,close,volume"), CsvLayout::kGeneric);
}

TEST_F(ReplayProviderTest, AFileOfAnotherSymbolIsRefused) {
  WriteFile(dir / "TCS.csv", NseCsv());
  EXPECT_THAT(ReadReplayCsv(dir / "TCS.csv", "UTC", kTcs), IsOk());
  EXPECT_THAT(ReadReplayCsv(dir / "TCS.csv", "UTC", Sym("TCS")), IsOk());  // ticker only
  auto infy = ReadReplayCsv(dir / "TCS.csv", "UTC", Sym("INFY.NS"));
  ASSERT_THAT(infy, ErrorIs(ErrorCode::kInvalidArgument, "REPLAY_SOURCE"));
  EXPECT_THAT(infy.error().message, HasSubstr("holds bars of 'NSE:TCS', not of INFY.NS"));
  Settings settings = ReplaySettings(dir, (dir / "TCS.csv").string());
  settings.watchlist = {"INFY.NS:5m", "TCS.NS:5m"};
  EXPECT_THAT(LoadReplaySeries(settings, nullptr), ErrorIs(ErrorCode::kInvalidArgument, "REPLAY_SOURCE"));
  // A mixed file names the intruder.
  WriteFile(dir / "mixed.csv", NseCsv() + "2021-07-09 09:25:00,NSE:INFY,1,1,1,1,1\n");
  auto mixed = ReadReplayCsv(dir / "mixed.csv", "UTC", kTcs);
  ASSERT_THAT(mixed, ErrorIs(ErrorCode::kInvalidArgument, "REPLAY_SOURCE"));
  EXPECT_THAT(mixed.error().message, HasSubstr("NSE:INFY"));
}

TEST_F(ReplayProviderTest, GenericLayoutUsesTheExchangeZoneForTimesWithoutOffset) {
  WriteFile(dir / "g.csv",
            "ts,open,high,low,close,volume\n"
            "2021-07-08 09:15:00,1,2,0.5,1.5,10\n"
            "2021-07-08T04:00:00Z,1,2,0.5,1.5,\n");
  auto bars = ReadReplayCsv(dir / "g.csv", "Asia/Kolkata");
  ASSERT_THAT(bars, IsOk());
  ASSERT_EQ(bars->size(), 2u);
  EXPECT_EQ((*bars)[0].open_time, Iso("2021-07-08T03:45:00Z"));
  EXPECT_EQ((*bars)[1].open_time, Iso("2021-07-08T04:00:00Z"));
  EXPECT_FALSE((*bars)[1].volume.has_value());  // raw keeps nulls
}

TEST_F(ReplayProviderTest, BadFilesNameTheLineAndTheField) {
  WriteFile(dir / "bad.csv",
            "datetime,symbol,open,high,low,close,volume\n"
            "2021-07-08 09:15:00,NSE:TCS,101.0,102.0,100.5,101.5,1000.0\n"
            "2021-07-08 09:20:00,NSE:TCS,abc,103.0,101.0,102.5,1100.0\n"
            "2021-07-08 09:25:00,NSE:TCS,102.5,102.5,101.0\n"
            "not a time,NSE:TCS,1,1,1,1,1\n");
  auto bad = ReadReplayCsv(dir / "bad.csv", "UTC");
  ASSERT_THAT(bad, ErrorIs(ErrorCode::kDataCorrupt));
  EXPECT_THAT(bad.error().message, HasSubstr("line 3: open 'abc' is not a number"));
  EXPECT_THAT(bad.error().message, HasSubstr("line 4: has 5 cells, the header has 7"));
  EXPECT_THAT(bad.error().message, HasSubstr("line 5: time 'not a time'"));

  WriteFile(dir / "noclose.csv", "ts,open,high,low,volume\n2021-07-08 09:15:00,1,2,0.5,10\n");
  EXPECT_THAT(ReadReplayCsv(dir / "noclose.csv", "UTC"), ErrorIs(ErrorCode::kInvalidArgument, "columns.close"));
  EXPECT_THAT(ReadReplayCsv(dir / "missing.csv", "UTC"), ErrorIs(ErrorCode::kNotFound));

  // Through the settings the error also names REPLAY_SOURCE.
  auto loaded = LoadReplaySeries(ReplaySettings(dir, (dir / "bad.csv").string()), nullptr);
  ASSERT_THAT(loaded, ErrorIs(ErrorCode::kDataCorrupt));
  EXPECT_THAT(loaded.error().message, HasSubstr("REPLAY_SOURCE"));
  EXPECT_THAT(loaded.error().message, HasSubstr("line 3"));
}

TEST_F(ReplayProviderTest, ServesOnlyBarsClosedByTheReplayClock) {
  ReplayProvider provider = Make(NseBars(), Iso("2021-07-08T03:45:00Z"), 60);  // 09:15 IST
  // At 09:15 the pre-open bar (closed 09:10) is known, nothing of the session yet.
  auto at_open = provider.Fetch(All());
  ASSERT_THAT(at_open, IsOk());
  ASSERT_EQ(at_open->bars.size(), 1u);
  EXPECT_EQ(at_open->bars[0].open_time, Iso("2021-07-08T03:35:00Z"));
  EXPECT_EQ(at_open->provider, "replay");
  EXPECT_EQ(at_open->fetched_at, Iso("2021-07-08T03:45:00Z"));  // replay time
  EXPECT_FALSE(at_open->last_bar_forming);

  wall->Advance(5 * kSecond - 1);  // 09:19:59.99994: the 09:15 bar still forms
  EXPECT_EQ(provider.Fetch(All())->bars.size(), 1u);
  wall->Advance(1);                // 09:20: it closed
  auto closed = provider.Fetch(All());
  ASSERT_EQ(closed->bars.size(), 2u);
  EXPECT_EQ(closed->bars[1].open_time, Iso("2021-07-08T03:45:00Z"));
  EXPECT_EQ(*closed->bars[1].close, 101.5);

  // Walk the market in uneven steps: never a bar whose close is after now.
  size_t previous = closed->bars.size();
  for (int step = 0; step < 200; ++step) {
    wall->Advance(3 * kSecond + 7);
    auto r = provider.Fetch(All());
    ASSERT_THAT(r, IsOk());
    ASSERT_GE(r->bars.size(), previous);
    previous = r->bars.size();
    for (const RawBar& b : r->bars) {
      ASSERT_LE(BarCloseTime(kTcs, Timeframe::k5m, b.open_time), r->fetched_at) << FormatIsoUtc(b.open_time);
    }
  }
  EXPECT_EQ(previous, 8u);  // by then (two days of replay) everything was played
}

TEST_F(ReplayProviderTest, TheRequestedRangeStillApplies) {
  ReplayProvider provider = Make(NseBars(), Iso("2021-07-09T05:00:00Z"), 60);  // all played
  auto r = provider.Fetch({kTcs, Timeframe::k5m, Iso("2021-07-08T03:50:00Z"), Iso("2021-07-08T09:55:00Z")});
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->bars.size(), 2u);  // 09:20 and 09:25 IST; [from, to) excludes the 15:25 bar
  EXPECT_EQ(r->bars[0].open_time, Iso("2021-07-08T03:50:00Z"));
  EXPECT_THAT(provider.Fetch({kTcs, Timeframe::k5m, 10, 5}), ErrorIs(ErrorCode::kInvalidArgument, "from"));
  EXPECT_THAT(provider.Fetch({Sym("INFY.NS"), Timeframe::k5m, 0, 10}), ErrorIs(ErrorCode::kNotFound));
  EXPECT_THAT(provider.Fetch({kTcs, Timeframe::k15m, 0, 10}), ErrorIs(ErrorCode::kNotFound));
  EXPECT_EQ(provider.CoverageFor(Timeframe::k5m, 0).earliest, Iso("2021-07-08T03:35:00Z"));
}

TEST_F(ReplayProviderTest, TheFormingBarCarriesOnlyItsOpen) {
  ReplayProvider provider = Make(NseBars(), Iso("2021-07-08T03:45:00Z"), 60, /*forming=*/true);
  wall->Advance(7 * kSecond);  // 09:22: the 09:20 bar forms
  auto r = provider.Fetch(All());
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->bars.size(), 3u);
  EXPECT_TRUE(r->last_bar_forming);
  const RawBar& forming = r->bars.back();
  EXPECT_EQ(forming.open_time, Iso("2021-07-08T03:50:00Z"));
  EXPECT_EQ(*forming.open, 101.5);
  // Its high, low, close and volume are the future: not served.
  EXPECT_FALSE(forming.high || forming.low || forming.close || forming.volume);
  // A range that ends before the forming bar does not get it.
  auto earlier = provider.Fetch({kTcs, Timeframe::k5m, Iso("2021-07-08T00:00:00Z"), Iso("2021-07-08T03:50:00Z")});
  EXPECT_FALSE(earlier->last_bar_forming);
  EXPECT_EQ(earlier->bars.size(), 2u);
}

TEST_F(ReplayProviderTest, TheSessionCloseJumpsToTheNextOpenAndServesTheEveningBars) {
  ReplayProvider provider = Make(NseBars(), Iso("2021-07-08T09:50:00Z"), 60);  // 15:20 IST
  wall->Advance(5 * kSecond);                                                  // 15:25
  EXPECT_EQ(provider.Fetch(All())->bars.size(), 4u);  // up to the 09:25 bar; the 15:25 bar forms
  wall->Advance(5 * kSecond);  // 15:30: the close; replay time is Friday 09:15 at once
  auto next_day = provider.Fetch(All());
  EXPECT_EQ(next_day->fetched_at, Iso("2021-07-09T03:45:00Z"));
  ASSERT_EQ(next_day->bars.size(), 6u);  // the 15:25 bar and the 15:40 post-close bar
  EXPECT_EQ(next_day->bars.back().open_time, Iso("2021-07-08T10:10:00Z"));
}

TEST_F(ReplayProviderTest, LakeRawSourceServesEveryWatchedSeriesItHolds) {
  Settings settings = ReplaySettings(dir, "lake:raw");
  settings.watchlist = {"TCS.NS:5m", "INFY.NS:5m"};
  const auto bars = NseBars();
  std::vector<std::string> asked;
  SeriesReader reader = [&](const Symbol& symbol, Timeframe tf) -> Result<std::vector<RawBar>> {
    asked.push_back(symbol.str() + ":" + std::string(tf.ToString()));
    if (symbol == kTcs) return bars;
    return std::vector<RawBar>{};
  };
  auto series = LoadReplaySeries(settings, reader);
  ASSERT_THAT(series, IsOk());
  EXPECT_EQ(asked, (std::vector<std::string>{"TCS.NS:5m", "INFY.NS:5m"}));
  ASSERT_EQ(series->size(), 1u);  // INFY has no raw bars
  EXPECT_EQ(series->front().bars.size(), 8u);

  EXPECT_THAT(LoadReplaySeries(settings, nullptr), ErrorIs(ErrorCode::kInvalidArgument, "REPLAY_SOURCE"));
  auto nothing = [](const Symbol&, Timeframe) -> Result<std::vector<RawBar>> { return std::vector<RawBar>{}; };
  EXPECT_THAT(LoadReplaySeries(settings, nothing), ErrorIs(ErrorCode::kNotFound));
  settings.watchlist = {"TCS.NS:7m"};
  EXPECT_THAT(LoadReplaySeries(settings, reader), ErrorIs(ErrorCode::kInvalidArgument, "WATCHLIST"));
}

TEST_F(ReplayProviderTest, TheClockStartsAtTheFirstBarAndKeepsItsAnchorAcrossProcesses) {
  WriteFile(dir / "TCS.csv", NseCsv());
  Settings settings = ReplaySettings(dir, (dir / "TCS.csv").string());
  auto series = LoadReplaySeries(settings, nullptr);
  ASSERT_THAT(series, IsOk());
  auto first = MakeReplayClock(settings, *series, wall);
  ASSERT_THAT(first, IsOk());
  // The first bar opens 09:05, pre-open: the market starts at the 09:15 open.
  EXPECT_EQ((*first)->start(), Iso("2021-07-08T03:45:00Z"));
  EXPECT_EQ((*first)->wall_anchor(), kWall0);

  // A later process (a restart, the next CLI call) finds the market where the wall clock says.
  wall->Advance(10 * kSecond);
  auto again = MakeReplayClock(settings, *series, wall);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ((*again)->wall_anchor(), kWall0);
  EXPECT_EQ((*again)->Now(), Iso("2021-07-08T03:55:00Z"));

  // Another speed or start is another replay: it starts afresh.
  settings.replay_speed = 120;
  auto faster = MakeReplayClock(settings, *series, wall);
  ASSERT_THAT(faster, IsOk());
  EXPECT_EQ((*faster)->wall_anchor(), kWall0 + 10 * kSecond);
  settings.replay_start = Iso("2021-07-09T03:45:00Z");
  auto later = MakeReplayClock(settings, *series, wall);
  EXPECT_EQ((*later)->Now(), Iso("2021-07-09T03:45:00Z"));
}

TEST_F(ReplayProviderTest, RegisteredInTheProviderChainFromSettings) {
  WriteFile(dir / "TCS.csv", NseCsv());
  Settings settings = ReplaySettings(dir, (dir / "TCS.csv").string());
  settings.fallback_data_providers = {"sim"};
  settings.replay_start = Iso("2021-07-09T03:45:00Z");  // Friday's open: Thursday is history
  auto chain = MakeProviderChain(settings);
  ASSERT_THAT(chain, IsOk());
  EXPECT_EQ((*chain)->names(), (std::vector<std::string>{"replay", "sim"}));
  auto r = (*chain)->Fetch(All());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->provider, "replay");
  EXPECT_EQ(r->bars.size(), 6u);
  // A wall clock passed as the market clock is not used for a replay.
  auto with_wall = MakeProviderChain(settings, "replay", {},
                                     {.market_clock = std::make_shared<WallMarketClock>(wall), .lake_raw = nullptr});
  ASSERT_THAT(with_wall, IsOk());
  EXPECT_EQ((*with_wall)->Fetch(All())->bars.size(), 6u);
  // MakeMarketClock gives the scheduler the same replay time.
  auto clock = MakeMarketClock(settings, nullptr);
  ASSERT_THAT(clock, IsOk());
  EXPECT_TRUE((*clock)->IsReplay());
  EXPECT_GE((*clock)->Now(), Iso("2021-07-09T03:45:00Z"));
  settings.primary_data_provider = "sim";
  EXPECT_FALSE((*MakeMarketClock(settings, nullptr))->IsReplay());
  // A source that cannot be read fails when the chain is made, not at the first fetch.
  settings.primary_data_provider = "replay";
  settings.replay_source = (dir / "nope.csv").string();
  EXPECT_THAT(MakeProviderChain(settings), ErrorIs(ErrorCode::kNotFound));
}

TEST_F(ReplayProviderTest, MarketClockSettingChoosesReplayTimeForLiveProvidersToo) {
  Settings settings = ReplaySettings(dir, "");
  settings.primary_data_provider = "yahoo";
  // auto: live providers run on the wall clock.
  auto wall_clock = MakeMarketClock(settings, nullptr, wall);
  ASSERT_THAT(wall_clock, IsOk());
  EXPECT_FALSE((*wall_clock)->IsReplay());
  EXPECT_EQ((*wall_clock)->Now(), kWall0);

  // replay: a drill on replay time from REPLAY_START, on the first watched series' exchange.
  settings.market_clock = "replay";
  EXPECT_THAT(MakeMarketClock(settings, nullptr, wall), ErrorIs(ErrorCode::kInvalidArgument, "REPLAY_START"));
  settings.replay_start = Iso("2021-07-08T03:45:00Z");  // Thursday's open
  settings.replay_speed = 60;
  auto drill = MakeMarketClock(settings, nullptr, wall);
  ASSERT_THAT(drill, IsOk());
  EXPECT_TRUE((*drill)->IsReplay());
  wall->Advance(5 * kSecond);
  EXPECT_EQ((*drill)->Now(), Iso("2021-07-08T03:50:00Z"));
  // The anchor is kept like a replay's: a restart continues the drill.
  wall->Advance(5 * kSecond);
  auto restarted = MakeMarketClock(settings, nullptr, wall);
  ASSERT_THAT(restarted, IsOk());
  EXPECT_EQ((*restarted)->Now(), Iso("2021-07-08T03:55:00Z"));
  settings.watchlist = {};
  EXPECT_THAT(MakeMarketClock(settings, nullptr, wall), ErrorIs(ErrorCode::kInvalidArgument, "WATCHLIST"));

  // wall cannot drive the replay provider (every replayed bar would look missing).
  settings = ReplaySettings(dir, "");
  settings.market_clock = "wall";
  EXPECT_THAT(MakeMarketClock(settings, nullptr, wall),
              ErrorIs(ErrorCode::kInvalidArgument, "MARKET_CLOCK"));
}

TEST_F(ReplayProviderTest, RealNseFileReplaysWithoutLookAhead) {
  const auto shared = ::rc::testing::SharedDataDir("nse-5m");
  if (shared.empty()) GTEST_SKIP() << "../shared/data/nse-5m is absent";
  auto bars = ReadReplayCsv(shared / "TCS.csv", "UTC");
  ASSERT_THAT(bars, IsOk());
  ASSERT_EQ(bars->size(), 5000u);
  const TimestampUs start = bars->front().open_time;
  ReplayProvider provider = Make(*bars, start, 600);
  size_t served = 0;
  int days_seen = 0;
  TimestampUs previous_now = 0;
  while (served < bars->size()) {
    wall->Advance(30 * kSecond);  // five replay hours of open market per step: every session is seen
    auto r = provider.Fetch(All());
    ASSERT_THAT(r, IsOk());
    ASSERT_GT(r->fetched_at, previous_now);
    if (ExchangeCalendar::ForSymbol(kTcs).LocalDay(r->fetched_at) !=
        ExchangeCalendar::ForSymbol(kTcs).LocalDay(previous_now)) {
      ++days_seen;
    }
    previous_now = r->fetched_at;
    ASSERT_GE(r->bars.size(), served);
    served = r->bars.size();
    ASSERT_LE(BarCloseTime(kTcs, Timeframe::k5m, r->bars.back().open_time), r->fetched_at);
    if (served < bars->size()) {
      ASSERT_GT(BarCloseTime(kTcs, Timeframe::k5m, (*bars)[served].open_time), r->fetched_at);
    }
    ASSERT_LT(days_seen, 200) << "the replay does not reach the end";
  }
  EXPECT_GE(days_seen, 55);  // every trading day of the file was a replay day
}

}  // namespace
}  // namespace rc::data
