#include "data/pipeline/demo.h"

#include <gtest/gtest.h>

#include <set>

#include "core/market_clock.h"
#include "data/pipeline/pipeline.h"
#include "data/providers/demo_sample.h"
#include "data/sim/sim_provider.h"
#include "testing/literals.h"
#include "testing/matchers.h"
#include "testing/temp_dir.h"

namespace rc::data::pipeline {
namespace {

using ::rc::testing::ErrorIs;
using ::rc::testing::IsOk;
using ::rc::testing::TempDir;
using ::rc::testing::Iso;
using ::rc::testing::Sym;

const Symbol kTcs = Sym("TCS.NS");

Settings LiveSettings(const TempDir& dir) {
  Settings s;
  s.data_dir = (dir / "lake").string();
  s.demo_history_days = 20;
  return s;
}

FetchResult Fetched(std::vector<RawBar> bars, TimestampUs fetched_at) {
  FetchResult r;
  r.provider = "yahoo";
  r.bars = std::move(bars);
  r.fetched_at = fetched_at;
  return r;
}

class DownProvider final : public Provider {
 public:
  std::string_view name() const override { return "down"; }
  Result<FetchResult> Fetch(const FetchRequest&) override { return Unavailable("down: no network"); }
  Coverage CoverageFor(Timeframe, TimestampUs) const override { return {}; }
};

TEST(RawReaderTest, LatestFetchWinsAndReadingCreatesNoTable) {
  TempDir dir;
  const std::string lake = (dir / "lake").string();
  auto none = ReadRawBars(lake, kTcs, Timeframe::k5m);
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE(std::filesystem::exists(dir / "lake"));
  EXPECT_TRUE(*RawLakeIsEmpty(lake));

  const RawBar early{Iso("2024-01-02T03:45:00Z"), 100, 101, 99, 100.5, 10};
  RawBar corrected = early;
  corrected.close = 100.8;
  const RawBar next{Iso("2024-01-02T03:50:00Z"), 100.8, 101, 100, 100.9, 12};
  ASSERT_THAT(CommitRaw(lake, kTcs, Timeframe::k5m, Fetched({early}, 5)), IsOk());
  ASSERT_THAT(CommitRaw(lake, kTcs, Timeframe::k5m, Fetched({next, corrected}, 9)), IsOk());
  auto bars = LakeRawReader(lake)(kTcs, Timeframe::k5m);
  ASSERT_THAT(bars, IsOk());
  ASSERT_EQ(bars->size(), 2u);
  EXPECT_EQ((*bars)[0], corrected);  // the later fetch of the 09:15 bar
  EXPECT_EQ((*bars)[1], next);
  EXPECT_FALSE(*RawLakeIsEmpty(lake));
  EXPECT_TRUE(ReadRawBars(lake, Sym("INFY.NS"), Timeframe::k5m)->empty());
}

TEST(DemoTest, PreparesASeparateLakeWithTheHistoryAndReplaysTheRest) {
  TempDir dir;
  Settings live = LiveSettings(dir);
  live.primary_data_provider = "yahoo";
  live.fallback_data_providers = {"twelvedata"};
  live.replay_speed = 120;
  auto plan = PrepareDemo(live);
  ASSERT_THAT(plan, IsOk());
  const Settings& demo = plan->settings;
  EXPECT_EQ(demo.data_dir, (dir / "lake" / "demo").string());
  EXPECT_EQ(demo.primary_data_provider, "replay");
  EXPECT_TRUE(demo.fallback_data_providers.empty());
  EXPECT_EQ(demo.watchlist, std::vector<std::string>{"TCS.NS:5m"});
  EXPECT_EQ(demo.replay_speed, 120);  // the pace is the user's
  EXPECT_EQ(plan->series.symbol, kTcs);

  // The sample is written unchanged where the replay reads it.
  EXPECT_EQ(::rc::testing::ReadFile(demo.replay_source), std::string(ShippedSample().csv));

  // 20 trading days of history (2021-05-17 .. 2021-06-11), the rest to replay from 2021-06-14.
  auto history = ReadRawBars(demo.data_dir, kTcs, Timeframe::k5m);
  ASSERT_THAT(history, IsOk());
  ASSERT_EQ(static_cast<int64_t>(history->size()), plan->history_bars);
  EXPECT_EQ(plan->history_bars + plan->replay_bars, 3134);
  const ExchangeCalendar& nse = ExchangeCalendar::ForSymbol(kTcs);
  std::set<int64_t> days;
  for (const RawBar& b : *history) days.insert(nse.LocalDay(b.open_time));
  EXPECT_EQ(days.size(), 20u);
  EXPECT_LT(history->back().open_time, plan->replay_start);
  EXPECT_EQ(nse.LocalDay(plan->replay_start), nse.LocalDay(Iso("2021-06-14T06:00:00Z")));
  // The day's first sample bar is a pre-open one (09:05 IST): the replay starts at the open, 09:15, where the
  // replay clock starts too, so the banner and the clock's log name the same instant.
  EXPECT_EQ(plan->replay_start, Iso("2021-06-14T03:45:00Z"));
  EXPECT_EQ(ReplayMarketClock(nse, {.start = plan->replay_start}).start(), plan->replay_start);
  ASSERT_TRUE(demo.replay_start.has_value());
  EXPECT_EQ(*demo.replay_start, plan->replay_start);
  EXPECT_EQ(plan->replay_end, Iso("2021-07-09T10:15:00Z"));  // the last sample bar, 15:40 IST, closes 15:45

  // Sample bars never reach the live lake.
  EXPECT_TRUE(*RawLakeIsEmpty(live.data_dir));

  // The demo settings drive a replay that starts where the history ends.
  auto chain = MakeProviderChain(demo, "", {}, {.market_clock = nullptr, .lake_raw = LakeRawReader(demo.data_dir)});
  ASSERT_THAT(chain, IsOk());
  auto served = (*chain)->Fetch({kTcs, Timeframe::k5m, Iso("2021-05-01T00:00:00Z"), Iso("2021-09-01T00:00:00Z")});
  ASSERT_THAT(served, IsOk());
  EXPECT_EQ(served->provider, "replay");
  ASSERT_FALSE(served->bars.empty());
  EXPECT_GE(served->bars.size(), history->size());
  EXPECT_LT(served->bars.size(), history->size() + 20);  // a few seconds of wall time: a few bars at most
  for (const RawBar& b : served->bars) {
    ASSERT_LE(BarCloseTime(kTcs, Timeframe::k5m, b.open_time), served->fetched_at);
  }
}

TEST(DemoTest, ARestartReplacesThePreviousDemoButNeverAForeignDirectory) {
  TempDir dir;
  Settings live = LiveSettings(dir);
  auto first = PrepareDemo(live);
  ASSERT_THAT(first, IsOk());
  auto second = PrepareDemo(live);
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(static_cast<int64_t>(ReadRawBars(second->settings.data_dir, kTcs, Timeframe::k5m)->size()),
            second->history_bars);  // not twice the history

  live.demo_data_dir = (dir / "precious").string();
  ::rc::testing::WriteFile(dir / "precious" / "notes.txt", "keep me");
  EXPECT_THAT(PrepareDemo(live), ErrorIs(ErrorCode::kConflict));
  EXPECT_EQ(::rc::testing::ReadFile(dir / "precious" / "notes.txt"), "keep me");

  live.demo_data_dir = live.data_dir + "/.";
  EXPECT_THAT(PrepareDemo(live), ErrorIs(ErrorCode::kInvalidArgument, "DEMO_DATA_DIR"));
  live.demo_data_dir.clear();
  live.demo_history_days = 1000;
  EXPECT_THAT(PrepareDemo(live), ErrorIs(ErrorCode::kInvalidArgument, "DEMO_HISTORY_DAYS"));
}

TEST(DemoTest, WantedOnlyForAnEmptyLakeWithoutALiveProvider) {
  TempDir dir;
  Settings s = LiveSettings(dir);
  int probes = 0;
  auto answers = [&probes](bool result) {
    return [&probes, result] {
      ++probes;
      return result;
    };
  };
  EXPECT_TRUE(*DemoWanted(s, answers(false)));
  EXPECT_FALSE(*DemoWanted(s, answers(true)));
  EXPECT_EQ(probes, 2);
  s.demo = "off";
  EXPECT_FALSE(*DemoWanted(s, answers(false)));
  s.demo = "on";
  EXPECT_TRUE(*DemoWanted(s, answers(true)));
  EXPECT_EQ(probes, 2);  // on/off never probe

  s.demo = "auto";
  ASSERT_THAT(CommitRaw(s.data_dir, kTcs, Timeframe::k5m,
                        Fetched({RawBar{Iso("2024-01-02T03:45:00Z"), 1, 1, 1, 1, 1}}, 1)),
              IsOk());
  EXPECT_FALSE(*DemoWanted(s, answers(false)));  // a lake with data is never replaced by a demo
  EXPECT_EQ(probes, 2);
}

TEST(DemoTest, ProbeAsksTheChainForRecentBars) {
  const WatchedSeries tcs{kTcs, Timeframe::k5m};
  const TimestampUs now = Iso("2024-01-03T06:00:00Z");
  std::vector<std::unique_ptr<Provider>> down;
  down.push_back(std::make_unique<DownProvider>());
  ProviderChain no_network(std::move(down));
  EXPECT_FALSE(AnyProviderAnswers(no_network, tcs, now));
  std::vector<std::unique_ptr<Provider>> sim;
  sim.push_back(std::make_unique<SimProvider>(42, [now] { return now; }));
  ProviderChain live(std::move(sim));
  EXPECT_TRUE(AnyProviderAnswers(live, tcs, now));
}

}  // namespace
}  // namespace rc::data::pipeline
