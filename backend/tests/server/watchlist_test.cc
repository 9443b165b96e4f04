#include "server/watchlist_routes.h"

#include <gtest/gtest.h>

#include "testing/literals.h"

namespace rc::server {
namespace {

using rc::testing::Sym;

std::vector<std::string> Names(const std::vector<WatchlistEntry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries) out.push_back(e.symbol.str() + ":" + std::string(e.timeframe.ToString()));
  return out;
}

TEST(WatchlistTest, WatchlistFirstInOrderThenLakeSeriesSortedWithoutDuplicates) {
  std::vector<WatchedSeries> configured = {{Sym("TCS.NS"), Timeframe::k5m}, {Sym("INFY.NS"), Timeframe::k1h},
                                           {Sym("TCS.NS"), Timeframe::k5m}};
  std::vector<std::pair<Symbol, Timeframe>> lake = {
      {Sym("RELIANCE.NS"), Timeframe::k5m}, {Sym("AAPL"), Timeframe::k1h}, {Sym("AAPL"), Timeframe::k5m}, {Sym("TCS.NS"), Timeframe::k5m}};
  auto entries = BuildWatchlist(configured, lake, {});
  EXPECT_EQ(Names(entries), (std::vector<std::string>{"TCS.NS:5m", "INFY.NS:1h", "AAPL:5m", "AAPL:1h",
                                                       "RELIANCE.NS:5m"}));
  EXPECT_TRUE(entries[0].configured && entries[0].in_lake);    // in both: still a WATCHLIST entry
  EXPECT_TRUE(entries[1].configured && !entries[1].in_lake);   // configured, no bars yet
  EXPECT_TRUE(!entries[2].configured && entries[2].in_lake);
}

TEST(WatchlistTest, ActiveHorizonsAttachToListedSeriesOnly) {
  std::vector<WatchedSeries> configured = {{Sym("TCS.NS"), Timeframe::k5m}};
  std::vector<std::pair<Symbol, Timeframe>> lake = {{Sym("INFY.NS"), Timeframe::k5m}};
  std::vector<ml::ExperimentKey> active = {{"TCS.NS", "5m", 180}, {"TCS.NS", "5m", 60}, {"TCS.NS", "5m", 180},
                                           {"HDFC.NS", "5m", 60},   // no bars, not configured
                                           {"not a symbol", "5m", 60}, {"TCS.NS", "7m", 60}};
  auto entries = BuildWatchlist(configured, lake, active);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].active_horizons, (std::vector<int>{60, 180}));
  EXPECT_TRUE(entries[1].active_horizons.empty());
}

TEST(WatchlistTest, EmptyInputsGiveAnEmptyList) { EXPECT_TRUE(BuildWatchlist({}, {}, {}).empty()); }

}  // namespace
}  // namespace rc::server
