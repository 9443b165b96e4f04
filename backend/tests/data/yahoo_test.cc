#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "data/internal/yahoo_chart.h"
#include "data/providers/yahoo_provider.h"
#include "fakes.h"
#include "testing/literals.h"
#include "testing/matchers.h"

namespace rc::data {
namespace {

using ::rc::testing::ErrorIs;
using ::rc::testing::IsOk;
using ::rc::testing::Iso;
using ::rc::testing::Sym;
using ::testing::HasSubstr;
using testing::Fixture;
using testing::ManualClock;
using testing::Response;
using testing::ScriptedTransport;
using namespace rc::data::internal;

TEST(YahooMappingTest, IntervalsFollowYfinance) {
  EXPECT_EQ(YahooInterval(Timeframe::k1m), "1m");
  EXPECT_EQ(YahooInterval(Timeframe::k5m), "5m");
  EXPECT_EQ(YahooInterval(Timeframe::k15m), "15m");
  EXPECT_EQ(YahooInterval(Timeframe::k30m), "15m");  // resampled: Yahoo's 30m is buggy
  EXPECT_EQ(YahooInterval(Timeframe::k1h), "60m");
  EXPECT_EQ(YahooInterval(Timeframe::k1d), "1d");
}

TEST(YahooUrlTest, EncodesSymbolAndUsesEpochSecondsWithExclusiveEnd) {
  const std::string url =
      BuildYahooChartUrl("http://127.0.0.1:8080/", Sym("^GSPC"), "5m", 1'700'000'000'500'000, 1'700'000'100'200'000);
  EXPECT_EQ(url,
            "http://127.0.0.1:8080/v8/finance/chart/%5EGSPC?period1=1700000000&period2=1700000101"
            "&interval=5m&includePrePost=false&events=div%2Csplits");
}

TEST(YahooLimitsTest, CoverageMatchesDocumentedLimits) {
  const TimestampUs now = Iso("2024-06-01T00:00:00Z");
  const Coverage m1 = YahooCoverage(Timeframe::k1m, now);
  EXPECT_EQ(m1.max_span_micros, 7 * kMicrosPerDay);
  EXPECT_GT(m1.earliest, now - 30 * kMicrosPerDay);
  EXPECT_LT(m1.earliest, now - 29 * kMicrosPerDay);
  EXPECT_GT(YahooCoverage(Timeframe::k5m, now).earliest, now - 60 * kMicrosPerDay);
  EXPECT_GT(YahooCoverage(Timeframe::k30m, now).earliest, now - 60 * kMicrosPerDay);
  EXPECT_GT(YahooCoverage(Timeframe::k1h, now).earliest, now - 730 * kMicrosPerDay);
  EXPECT_EQ(YahooCoverage(Timeframe::k1d, now).earliest, 0);
}

TEST(YahooLimitsTest, SplitRangeCoversExactlyOnce) {
  const int64_t day = kMicrosPerDay;
  auto slices = SplitRange(0, 17 * day, 7 * day);
  ASSERT_EQ(slices.size(), 3u);
  EXPECT_EQ(slices[0], (TimeSlice{0, 7 * day}));
  EXPECT_EQ(slices[1], (TimeSlice{7 * day, 14 * day}));
  EXPECT_EQ(slices[2], (TimeSlice{14 * day, 17 * day}));
  EXPECT_EQ(SplitRange(0, 5, 0).size(), 1u);
  EXPECT_TRUE(SplitRange(5, 5, 1).empty());
}

TEST(YahooParseTest, NormalResponseKeepsNullsAsNulls) {
  auto chart = ParseYahooChart(200, Fixture("yahoo/tcs_ns_5m.json"));
  ASSERT_THAT(chart, IsOk());
  ASSERT_EQ(chart->timestamps.size(), 9u);
  EXPECT_EQ(chart->exchange_timezone, "Asia/Kolkata");
  EXPECT_EQ(chart->granularity, "5m");
  auto bars = YahooChartToBars(*chart, Sym("TCS.NS"), Timeframe::k5m, 2'000'000'000);
  ASSERT_EQ(bars.size(), 9u);  // the all-null row is kept in raw
  EXPECT_EQ(bars[0].open_time, Iso("2024-03-01T03:45:00Z"));
  EXPECT_EQ(bars[0].open, 4045.0);
  EXPECT_EQ(bars[0].volume, 152340.0);
  EXPECT_TRUE(bars[3].AllPricesNull());
  EXPECT_FALSE(bars[3].volume.has_value());
  EXPECT_TRUE(bars[5].close.has_value());
  EXPECT_FALSE(bars[5].volume.has_value());  // a single null field
  EXPECT_EQ(bars[8].volume, 0.0);
}

TEST(YahooParseTest, RowsAtOrAfterPeriod2AreDropped) {
  auto chart = ParseYahooChart(200, Fixture("yahoo/tcs_ns_5m.json"));
  ASSERT_THAT(chart, IsOk());
  // period2 = the 5th bar's timestamp: it and later rows go.
  auto bars = YahooChartToBars(*chart, Sym("TCS.NS"), Timeframe::k5m, 1709264700 + 4 * 300);
  EXPECT_EQ(bars.size(), 4u);
}

TEST(YahooParseTest, DailyBarsMapToSessionDateAndLiveRowMerges) {
  auto chart = ParseYahooChart(200, Fixture("yahoo/tcs_ns_1d.json"));
  ASSERT_THAT(chart, IsOk());
  ASSERT_EQ(chart->timestamps.size(), 6u);
  auto bars = YahooChartToBars(*chart, Sym("TCS.NS"), Timeframe::k1d, 2'000'000'000);
  ASSERT_EQ(bars.size(), 5u);  // the appended live row has the same date as the last one
  EXPECT_EQ(bars[0].open_time, Iso("2024-02-26T03:45:00Z"));  // 09:15 IST session open
  EXPECT_EQ(bars[4].open_time, Iso("2024-03-01T03:45:00Z"));
  EXPECT_EQ(bars[4].volume, 2197461.0);  // last (live) row wins
}

TEST(YahooParseTest, NoDataShapeIsEmptyNotError) {
  auto chart = ParseYahooChart(200, Fixture("yahoo/no_data.json"));
  ASSERT_THAT(chart, IsOk());
  EXPECT_TRUE(chart->timestamps.empty());
}

TEST(YahooParseTest, ChartErrorIsCheckedBeforeResult) {
  EXPECT_THAT(ParseYahooChart(404, Fixture("yahoo/not_found.json")), ErrorIs(ErrorCode::kNotFound));
  auto range = ParseYahooChart(422, Fixture("yahoo/range_error.json"));
  ASSERT_THAT(range, ErrorIs(ErrorCode::kInvalidArgument));
  EXPECT_THAT(range.error().message, HasSubstr("within the last 60 days"));
}

TEST(YahooParseTest, FinanceErrorEnvelopeIsTyped) {
  EXPECT_THAT(ParseYahooChart(401, R"({"finance":{"result":null,"error":{"code":"Unauthorized","description":"Invalid Crumb"}}})"),
              ErrorIs(ErrorCode::kUnauthorized));
  EXPECT_THAT(ParseYahooChart(500, R"({"finance":{"result":null,"error":{"code":"Internal Server Error","description":"x"}}})"),
              ErrorIs(ErrorCode::kUnavailable));
}

TEST(YahooParseTest, RateLimitAndOutagePages) {
  EXPECT_THAT(ParseYahooChart(429, Fixture("yahoo/too_many_requests.txt")), ErrorIs(ErrorCode::kRateLimited));
  EXPECT_THAT(ParseYahooChart(200, "Too Many Requests"), ErrorIs(ErrorCode::kRateLimited));
  EXPECT_THAT(ParseYahooChart(503, Fixture("yahoo/will_be_right_back.html")), ErrorIs(ErrorCode::kUnavailable));
  EXPECT_THAT(ParseYahooChart(502, Fixture("yahoo/not_json.txt")), ErrorIs(ErrorCode::kUnavailable));
}

TEST(YahooParseTest, TruncatedAndNonJsonBodiesNameTheProvider) {
  auto truncated = ParseYahooChart(200, Fixture("yahoo/tcs_ns_5m_truncated.json"));
  ASSERT_THAT(truncated, ErrorIs(ErrorCode::kProviderError));
  EXPECT_THAT(truncated.error().message, HasSubstr("yahoo"));
  EXPECT_THAT(ParseYahooChart(200, Fixture("yahoo/not_json.txt")), ErrorIs(ErrorCode::kProviderError));
  EXPECT_THAT(ParseYahooChart(200, ""), ErrorIs(ErrorCode::kProviderError));
}

TEST(YahooParseTest, RejectsMalformedShapes) {
  const std::string meta = R"("meta":{"exchangeTimezoneName":"Asia/Kolkata"})";
  auto body = [&](const std::string& result) { return R"({"chart":{"result":[{)" + meta + "," + result + R"(}],"error":null}})"; };
  // Arrays of different length.
  EXPECT_THAT(ParseYahooChart(200, body(R"("timestamp":[1,2],"indicators":{"quote":[{"open":[1],"high":[1,2],"low":[1,2],"close":[1,2],"volume":[1,2]}]})")),
              ErrorIs(ErrorCode::kProviderError));
  // A string where a number belongs.
  EXPECT_THAT(ParseYahooChart(200, body(R"("timestamp":[1],"indicators":{"quote":[{"open":["1"],"high":[1],"low":[1],"close":[1],"volume":[1]}]})")),
              ErrorIs(ErrorCode::kProviderError));
  // Missing close array.
  EXPECT_THAT(ParseYahooChart(200, body(R"("timestamp":[1],"indicators":{"quote":[{"open":[1],"high":[1],"low":[1]}]})")),
              ErrorIs(ErrorCode::kProviderError));
  // Non-integer timestamp.
  EXPECT_THAT(ParseYahooChart(200, body(R"("timestamp":[1.5],"indicators":{"quote":[{"open":[1],"high":[1],"low":[1],"close":[1]}]})")),
              ErrorIs(ErrorCode::kProviderError));
  // No chart object / result not an array.
  EXPECT_THAT(ParseYahooChart(200, R"({"foo":1})"), ErrorIs(ErrorCode::kProviderError));
  EXPECT_THAT(ParseYahooChart(200, R"({"chart":{"result":{},"error":null}})"), ErrorIs(ErrorCode::kProviderError));
}

TEST(YahooResampleTest, FifteenMinuteBarsBecomeSessionAligned30m) {
  auto chart = ParseYahooChart(200, Fixture("yahoo/tcs_ns_15m.json"));
  ASSERT_THAT(chart, IsOk());
  auto bars15 = YahooChartToBars(*chart, Sym("TCS.NS"), Timeframe::k15m, 2'000'000'000);
  auto bars30 = ResampleBars(bars15, Timeframe::k30m, ExchangeCalendar::ForSymbol(Sym("TCS.NS")));
  ASSERT_EQ(bars30.size(), 3u);
  EXPECT_EQ(bars30[0].open_time, Iso("2024-03-01T03:45:00Z"));  // 09:15 IST
  EXPECT_EQ(bars30[1].open_time, Iso("2024-03-01T04:15:00Z"));
  EXPECT_EQ(bars30[0].open, 4045.0);
  EXPECT_EQ(bars30[0].high, 4055.9);
  EXPECT_EQ(bars30[0].low, 4038.2);
  EXPECT_EQ(bars30[0].close, 4046.05);
  EXPECT_EQ(bars30[0].volume, 262372.0 + 35120.0);
  EXPECT_EQ(bars30[2].volume, 41000.0);  // null volume ignored in the sum
}

struct YahooHarness {
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  ManualClock clock{Iso("2024-03-02T00:00:00Z")};
  YahooProvider provider{"http://127.0.0.1:9", testing::NoRetryClient(transport), clock.AsFunction()};
};

TEST(YahooProviderTest, FetchesParsesAndFlagsNothingFormingAfterClose) {
  YahooHarness h;
  h.transport->script = {Response(200, Fixture("yahoo/tcs_ns_5m.json"))};
  auto r = h.provider.Fetch({Sym("TCS.NS"), Timeframe::k5m, Iso("2024-03-01T03:45:00Z"), Iso("2024-03-01T10:00:00Z")});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->provider, "yahoo");
  EXPECT_EQ(r->bars.size(), 9u);
  EXPECT_FALSE(r->last_bar_forming);
  ASSERT_EQ(h.transport->requests.size(), 1u);
  EXPECT_THAT(h.transport->requests[0].url, HasSubstr("/v8/finance/chart/TCS.NS?period1=1709264700"));
  EXPECT_THAT(h.transport->requests[0].user_agent, HasSubstr("Mozilla/5.0"));
}

TEST(YahooProviderTest, LastBarStillFormingIsFlagged) {
  YahooHarness h;
  h.clock.now = Iso("2024-03-01T04:27:00Z");  // inside the last bar (04:25-04:30)
  h.transport->script = {Response(200, Fixture("yahoo/tcs_ns_5m.json"))};
  auto r = h.provider.Fetch({Sym("TCS.NS"), Timeframe::k5m, Iso("2024-03-01T03:45:00Z"), Iso("2024-03-01T04:30:00Z")});
  ASSERT_THAT(r, IsOk());
  EXPECT_TRUE(r->last_bar_forming);
}

TEST(YahooProviderTest, OneMinuteRangesAreSplitIntoSevenDayRequests) {
  YahooHarness h;
  h.transport->fallback = [](const HttpRequest&) -> Result<HttpResponse> {
    return Response(200, Fixture("yahoo/no_data.json"));
  };
  const TimestampUs to = h.clock.now;
  auto r = h.provider.Fetch({Sym("TCS.NS"), Timeframe::k1m, to - 20 * kMicrosPerDay, to});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(h.transport->requests.size(), 3u);
  EXPECT_TRUE(r->bars.empty());
}

TEST(YahooProviderTest, RangeOutsideHistoryLimitIsRefusedWithoutARequest) {
  YahooHarness h;
  const TimestampUs now = h.clock.now;
  auto r = h.provider.Fetch({Sym("TCS.NS"), Timeframe::k5m, now - 90 * kMicrosPerDay, now - 70 * kMicrosPerDay});
  ASSERT_THAT(r, ErrorIs(ErrorCode::kInvalidArgument, "from"));
  EXPECT_THAT(r.error().message, HasSubstr("yahoo"));
  EXPECT_TRUE(h.transport->requests.empty());
}

TEST(YahooProviderTest, RangeStraddlingTheLimitIsClampedWithANote) {
  YahooHarness h;
  h.transport->script = {Response(200, Fixture("yahoo/no_data.json"))};
  const TimestampUs now = h.clock.now;
  auto r = h.provider.Fetch({Sym("TCS.NS"), Timeframe::k5m, now - 90 * kMicrosPerDay, now});
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->note, HasSubstr("clamped"));
  ASSERT_EQ(h.transport->requests.size(), 1u);
  const std::string& url = h.transport->requests[0].url;
  const size_t at = url.find("period1=") + 8;
  const int64_t period1 = std::stoll(url.substr(at, url.find('&', at) - at));
  EXPECT_GE(period1, (now - 60 * kMicrosPerDay) / kMicrosPerSecond);
  EXPECT_LE(period1, (now - 59 * kMicrosPerDay) / kMicrosPerSecond);
}

TEST(YahooProviderTest, ThirtyMinutesIsRequestedAs15mAndResampled) {
  YahooHarness h;
  h.transport->script = {Response(200, Fixture("yahoo/tcs_ns_15m.json"))};
  auto r = h.provider.Fetch({Sym("TCS.NS"), Timeframe::k30m, Iso("2024-03-01T03:45:00Z"), Iso("2024-03-01T10:00:00Z")});
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(h.transport->requests[0].url, HasSubstr("interval=15m"));
  EXPECT_EQ(r->bars.size(), 3u);
}

TEST(YahooProviderTest, TransportErrorsKeepTheirCodeAndNameTheProvider) {
  YahooHarness h;
  h.transport->script = {Timeout("GET x: no complete response")};
  auto r = h.provider.Fetch({Sym("TCS.NS"), Timeframe::k1d, Iso("2024-02-01T00:00:00Z"), Iso("2024-03-01T00:00:00Z")});
  ASSERT_THAT(r, ErrorIs(ErrorCode::kTimeout));
  EXPECT_THAT(r.error().message, HasSubstr("yahoo"));
}

}  // namespace
}  // namespace rc::data
