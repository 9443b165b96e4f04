#include "data/diagnostics/data_fetcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "core/calendar.h"
#include "fakes.h"
#include "testing/literals.h"

namespace rc::data {
namespace {

using rc::testing::Iso;
using rc::testing::Sym;
using ::testing::HasSubstr;
using testing::ScriptedProvider;

// Every regular 5m bar of the window, except those in `skip`.
FetchResult CalendarBars(const FetchRequest& req, std::set<TimestampUs> skip) {
  FetchResult r;
  const ExchangeCalendar& cal = ExchangeCalendar::ForSymbol(req.symbol);
  for (TimestampUs t : cal.TradingBars(req.from, req.to, req.timeframe)) {
    if (!skip.count(t)) r.bars.push_back({t, 1.0, 1.0, 1.0, 1.0, 1.0});
  }
  return r;
}

TEST(DataFetcherTest, ReportsHealthMissingBarsAndErrorsPerProvider) {
  const TimestampUs now = Iso("2024-03-01T10:05:00Z");  // after NSE close (10:00Z)
  const TimestampUs missing = Iso("2024-03-01T05:00:00Z");
  std::vector<std::unique_ptr<Provider>> providers;
  providers.push_back(std::make_unique<ScriptedProvider>(
      "yahoo", [](const FetchRequest&) -> Result<FetchResult> { return Unavailable("yahoo: HTTP 503"); }));
  providers.push_back(std::make_unique<ScriptedProvider>("twelvedata", [&](const FetchRequest& req) -> Result<FetchResult> {
    return CalendarBars(req, {missing});
  }));
  ProviderChain chain(std::move(providers));
  DiagnosticReport report = RunFeedDiagnostic(chain, {Sym("TCS.NS"), Timeframe::k5m, 2, now});
  ASSERT_EQ(report.providers.size(), 2u);
  EXPECT_FALSE(report.primary_healthy);
  const ProviderHealth& yahoo = report.providers[0];
  EXPECT_TRUE(yahoo.primary);
  EXPECT_FALSE(yahoo.reachable);
  EXPECT_THAT(yahoo.last_error, HasSubstr("HTTP 503"));
  EXPECT_EQ(yahoo.circuit_state, "closed");
  const ProviderHealth& td = report.providers[1];
  EXPECT_TRUE(td.reachable);
  EXPECT_EQ(td.expected_bars, 150);  // two NSE sessions of 75 bars
  EXPECT_EQ(td.missing_bars, 1);
  ASSERT_EQ(td.missing_sample.size(), 1u);
  EXPECT_EQ(td.missing_sample[0], missing);
  EXPECT_EQ(td.lag_bars, 0);
  EXPECT_EQ(td.newest_bar, Iso("2024-03-01T09:55:00Z"));
  EXPECT_EQ(td.newest_age_seconds, 300);
  EXPECT_TRUE(td.healthy);
  EXPECT_EQ(report.window_from, Iso("2024-02-29T03:45:00Z"));

  const std::string table = FormatReportTable(report);
  EXPECT_THAT(table, HasSubstr("UNHEALTHY"));
  EXPECT_THAT(table, HasSubstr("twelvedata"));
  const std::string json = FormatReportJson(report);
  EXPECT_THAT(json, HasSubstr(R"("primary_healthy":false)"));
  EXPECT_THAT(json, HasSubstr(R"("missing_bars":1)"));
}

TEST(DataFetcherTest, StaleFeedIsUnhealthy) {
  const TimestampUs now = Iso("2024-03-01T10:05:00Z");
  std::vector<std::unique_ptr<Provider>> providers;
  providers.push_back(std::make_unique<ScriptedProvider>("sim", [&](const FetchRequest& req) -> Result<FetchResult> {
    FetchRequest early = req;
    early.to = Iso("2024-03-01T08:00:00Z");  // the feed stopped two hours before the close
    return CalendarBars(early, {});
  }));
  ProviderChain chain(std::move(providers));
  DiagnosticReport report = RunFeedDiagnostic(chain, {Sym("TCS.NS"), Timeframe::k5m, 1, now});
  ASSERT_EQ(report.providers.size(), 1u);
  EXPECT_TRUE(report.providers[0].reachable);
  EXPECT_EQ(report.providers[0].lag_bars, 24);
  EXPECT_FALSE(report.primary_healthy);
}

TEST(DataFetcherTest, CompleteFeedIsHealthy) {
  const TimestampUs now = Iso("2024-03-01T10:05:00Z");
  std::vector<std::unique_ptr<Provider>> providers;
  providers.push_back(std::make_unique<ScriptedProvider>(
      "sim", [&](const FetchRequest& req) -> Result<FetchResult> { return CalendarBars(req, {}); }));
  ProviderChain chain(std::move(providers));
  DiagnosticReport report = RunFeedDiagnostic(chain, {Sym("TCS.NS"), Timeframe::k5m, 3, now});
  EXPECT_TRUE(report.primary_healthy);
  EXPECT_EQ(report.providers[0].missing_bars, 0);
}

}  // namespace
}  // namespace rc::data
