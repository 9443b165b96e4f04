#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/time.h"
#include "data/internal/parse_util.h"
#include "data/internal/twelvedata_series.h"
#include "data/providers/twelvedata_provider.h"
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
using ::testing::Not;
using testing::Fixture;
using testing::ManualClock;
using testing::Response;
using testing::ScriptedTransport;
using namespace rc::data::internal;

TEST(TwelveDataMappingTest, SymbolsAndExchanges) {
  EXPECT_EQ(*MapTwelveDataSymbol(Sym("TCS.NS")), (TwelveDataSymbol{"TCS", "NSE"}));
  EXPECT_EQ(*MapTwelveDataSymbol(Sym("RELIANCE.BO")), (TwelveDataSymbol{"RELIANCE", "BSE"}));
  EXPECT_EQ(*MapTwelveDataSymbol(Sym("AAPL")), (TwelveDataSymbol{"AAPL", ""}));
  EXPECT_EQ(*MapTwelveDataSymbol(Sym("BTC-USD")), (TwelveDataSymbol{"BTC/USD", ""}));
  EXPECT_EQ(*MapTwelveDataSymbol(Sym("EURUSD=X")), (TwelveDataSymbol{"EUR/USD", ""}));
  EXPECT_THAT(MapTwelveDataSymbol(Sym("^NSEI")), ErrorIs(ErrorCode::kUnsupported, "symbol"));
  EXPECT_THAT(MapTwelveDataSymbol(Sym("ABC.XX")), ErrorIs(ErrorCode::kUnsupported, "symbol"));
}

TEST(TwelveDataMappingTest, Intervals) {
  EXPECT_EQ(TwelveDataInterval(Timeframe::k1m), "1min");
  EXPECT_EQ(TwelveDataInterval(Timeframe::k5m), "5min");
  EXPECT_EQ(TwelveDataInterval(Timeframe::k15m), "15min");
  EXPECT_EQ(TwelveDataInterval(Timeframe::k30m), "30min");
  EXPECT_EQ(TwelveDataInterval(Timeframe::k1h), "1h");
  EXPECT_EQ(TwelveDataInterval(Timeframe::k1d), "1day");
}

TEST(TwelveDataUrlTest, RequestsUtcAndMaxOutputWithoutTheKey) {
  const std::string url = BuildTwelveDataUrl("http://127.0.0.1:7000", {"TCS", "NSE"}, Timeframe::k5m,
                                             "2024-03-01 03:45:00", "2024-03-01 09:59:59");
  EXPECT_EQ(url,
            "http://127.0.0.1:7000/time_series?symbol=TCS&exchange=NSE&interval=5min"
            "&start_date=2024-03-01%2003%3A45%3A00&end_date=2024-03-01%2009%3A59%3A59"
            "&outputsize=5000&timezone=UTC&order=desc");
  EXPECT_THAT(BuildTwelveDataUrl("http://h", {"BTC/USD", ""}, Timeframe::k1h, "a", "b"), HasSubstr("symbol=BTC%2FUSD&interval"));
}

TEST(TwelveDataParseTest, StringNumbersNewestFirstReversedUtcTimes) {
  auto bars = ParseTwelveDataSeries(200, Fixture("twelvedata/tcs_5min.json"), Sym("TCS.NS"), Timeframe::k5m);
  ASSERT_THAT(bars, IsOk());
  ASSERT_EQ(bars->size(), 8u);
  EXPECT_EQ(bars->front().open_time, Iso("2024-03-01T03:45:00Z"));
  EXPECT_EQ(bars->back().open_time, Iso("2024-03-01T04:25:00Z"));
  EXPECT_EQ(bars->front().open, 4045.0);
  EXPECT_EQ(bars->front().volume, 152340.0);
  for (size_t i = 1; i < bars->size(); ++i) EXPECT_LT((*bars)[i - 1].open_time, (*bars)[i].open_time);
}

TEST(TwelveDataParseTest, DailyDatesMapToSessionOpen) {
  auto bars = ParseTwelveDataSeries(200, Fixture("twelvedata/tcs_1day.json"), Sym("TCS.NS"), Timeframe::k1d);
  ASSERT_THAT(bars, IsOk());
  ASSERT_EQ(bars->size(), 5u);
  EXPECT_EQ(bars->front().open_time, Iso("2024-02-26T03:45:00Z"));
}

TEST(TwelveDataParseTest, VolumeMayBeAbsent) {
  auto bars = ParseTwelveDataSeries(200, Fixture("twelvedata/eurusd_1h.json"), Sym("EURUSD=X"), Timeframe::k1h);
  ASSERT_THAT(bars, IsOk());
  ASSERT_EQ(bars->size(), 4u);
  EXPECT_FALSE(bars->front().volume.has_value());
  EXPECT_EQ(bars->front().open, 1.0804);
}

TEST(TwelveDataParseTest, ErrorBodiesAreTypedEvenWithHttp200) {
  const Symbol s = Sym("TCS.NS");
  EXPECT_THAT(ParseTwelveDataSeries(200, Fixture("twelvedata/error_400.json"), s, Timeframe::k5m),
              ErrorIs(ErrorCode::kInvalidArgument));
  EXPECT_THAT(ParseTwelveDataSeries(200, Fixture("twelvedata/error_401.json"), s, Timeframe::k5m),
              ErrorIs(ErrorCode::kUnauthorized));
  EXPECT_THAT(ParseTwelveDataSeries(200, Fixture("twelvedata/error_403.json"), s, Timeframe::k5m),
              ErrorIs(ErrorCode::kForbidden));
  EXPECT_THAT(ParseTwelveDataSeries(200, Fixture("twelvedata/error_404.json"), s, Timeframe::k5m),
              ErrorIs(ErrorCode::kNotFound));
  EXPECT_THAT(ParseTwelveDataSeries(429, Fixture("twelvedata/error_429.json"), s, Timeframe::k5m),
              ErrorIs(ErrorCode::kRateLimited));
  EXPECT_THAT(ParseTwelveDataSeries(200, R"({"code":500,"message":"x","status":"error"})", s, Timeframe::k5m),
              ErrorIs(ErrorCode::kUnavailable));
}

TEST(TwelveDataParseTest, NoDataIsAnEmptySeries) {
  auto bars = ParseTwelveDataSeries(200, Fixture("twelvedata/error_400_no_data.json"), Sym("TCS.NS"), Timeframe::k5m);
  ASSERT_THAT(bars, IsOk());
  EXPECT_TRUE(bars->empty());
}

TEST(TwelveDataParseTest, NumbersAreParsedStrictly) {
  auto bars = ParseTwelveDataSeries(200, Fixture("twelvedata/bad_number.json"), Sym("TCS.NS"), Timeframe::k5m);
  ASSERT_THAT(bars, ErrorIs(ErrorCode::kProviderError));
  EXPECT_THAT(bars.error().message, HasSubstr("values[1].close"));
  const std::string numeric =
      R"({"meta":{"symbol":"TCS","interval":"5min","type":"x"},"values":[{"datetime":"2024-03-01 03:45:00","open":1,"high":"1","low":"1","close":"1"}],"status":"ok"})";
  EXPECT_THAT(ParseTwelveDataSeries(200, numeric, Sym("TCS.NS"), Timeframe::k5m), ErrorIs(ErrorCode::kProviderError));
  EXPECT_FALSE(ParseStrictDouble(" 1").has_value());
  EXPECT_FALSE(ParseStrictDouble("1.0 ").has_value());
  EXPECT_FALSE(ParseStrictDouble("nan").has_value());
  EXPECT_FALSE(ParseStrictDouble("inf").has_value());
  EXPECT_FALSE(ParseStrictDouble("+1").has_value());
  EXPECT_EQ(ParseStrictDouble("-1.5e2"), -150.0);
}

TEST(TwelveDataParseTest, MalformedBodies) {
  const Symbol s = Sym("TCS.NS");
  const std::string body = Fixture("twelvedata/tcs_5min.json");
  EXPECT_THAT(ParseTwelveDataSeries(200, body.substr(0, body.size() / 2), s, Timeframe::k5m),
              ErrorIs(ErrorCode::kProviderError));
  EXPECT_THAT(ParseTwelveDataSeries(200, "<html>oops</html>", s, Timeframe::k5m), ErrorIs(ErrorCode::kProviderError));
  EXPECT_THAT(ParseTwelveDataSeries(502, "<html>bad gateway</html>", s, Timeframe::k5m),
              ErrorIs(ErrorCode::kUnavailable));
  // Interval in meta must be the requested one.
  EXPECT_THAT(ParseTwelveDataSeries(200, body, s, Timeframe::k15m), ErrorIs(ErrorCode::kProviderError));
  // Datetime with a zone or a bad date.
  const std::string bad_dt =
      R"({"meta":{"symbol":"TCS","interval":"5min","type":"x"},"values":[{"datetime":"2024-02-30 03:45:00","open":"1","high":"1","low":"1","close":"1"}],"status":"ok"})";
  EXPECT_THAT(ParseTwelveDataSeries(200, bad_dt, s, Timeframe::k5m), ErrorIs(ErrorCode::kProviderError));
}

// Builds a page of `n` 1-minute bars ending at `newest` (newest first).
std::string Page(TimestampUs newest, int n) {
  std::string values;
  for (int i = 0; i < n; ++i) {
    if (i > 0) values += ",";
    values += R"({"datetime":")" + FormatIsoSpaceSeconds(newest - i * kMicrosPerMinute) +
              R"(","open":"10","high":"11","low":"9","close":"10.5","volume":"100"})";
  }
  return R"({"meta":{"symbol":"BTC/USD","interval":"1min","type":"Digital Currency"},"values":[)" + values +
         R"(],"status":"ok"})";
}

struct TdHarness {
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  ManualClock clock{Iso("2024-03-10T00:00:00Z")};
  TwelveDataProvider provider{"http://127.0.0.1:9", "SECRETKEY42", testing::NoRetryClient(transport),
                              clock.AsFunction()};
};

TEST(TwelveDataProviderTest, KeyGoesInTheHeaderNeverTheUrl) {
  TdHarness h;
  h.transport->script = {Response(200, Fixture("twelvedata/tcs_5min.json"))};
  auto r = h.provider.Fetch({Sym("TCS.NS"), Timeframe::k5m, Iso("2024-03-01T03:45:00Z"), Iso("2024-03-01T10:00:00Z")});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->provider, "twelvedata");
  EXPECT_EQ(r->bars.size(), 8u);
  ASSERT_EQ(h.transport->requests.size(), 1u);
  const HttpRequest& req = h.transport->requests[0];
  EXPECT_THAT(req.url, Not(HasSubstr("SECRETKEY42")));
  EXPECT_THAT(req.url, HasSubstr("symbol=TCS&exchange=NSE&interval=5min"));
  EXPECT_THAT(req.url, HasSubstr("end_date=2024-03-01%2009%3A59%3A59"));
  bool has_auth = false;
  for (const auto& [name, value] : req.headers) has_auth |= name == "Authorization" && value == "apikey SECRETKEY42";
  EXPECT_TRUE(has_auth);
}

TEST(TwelveDataProviderTest, LongRangesArePagedBackwardsByEndDate) {
  TdHarness h;
  const TimestampUs to = Iso("2024-03-09T00:00:00Z");
  const TimestampUs from = to - 12000 * kMicrosPerMinute;
  // Page 1: 5000 newest; page 2: next 5000; page 3: the remaining 2000.
  h.transport->script = {Response(200, Page(to - kMicrosPerMinute, 5000)),
                         Response(200, Page(to - 5001 * kMicrosPerMinute, 5000)),
                         Response(200, Page(to - 10001 * kMicrosPerMinute, 2000))};
  auto r = h.provider.Fetch({Sym("BTC-USD"), Timeframe::k1m, from, to});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(h.transport->requests.size(), 3u);
  ASSERT_EQ(r->bars.size(), 12000u);
  EXPECT_EQ(r->bars.front().open_time, from);
  EXPECT_EQ(r->bars.back().open_time, to - kMicrosPerMinute);
  EXPECT_THAT(h.transport->requests[1].url,
              HasSubstr("end_date=" + UrlEncode(FormatIsoSpaceSeconds(to - 5000 * kMicrosPerMinute - kMicrosPerSecond))));
}

TEST(TwelveDataProviderTest, ErrorsNeverContainTheKey) {
  TdHarness h;
  h.transport->script = {Response(200, R"({"code":401,"message":"apikey SECRETKEY42 is wrong","status":"error"})")};
  auto r = h.provider.Fetch({Sym("AAPL"), Timeframe::k1d, Iso("2024-01-01T00:00:00Z"), Iso("2024-02-01T00:00:00Z")});
  ASSERT_THAT(r, ErrorIs(ErrorCode::kUnauthorized));
  EXPECT_THAT(r.error().message, Not(HasSubstr("SECRETKEY42")));
}

TEST(TwelveDataProviderTest, MissingKeyIsRefusedWithoutARequest) {
  auto transport = std::make_shared<ScriptedTransport>();
  TwelveDataProvider provider("http://127.0.0.1:9", "", testing::NoRetryClient(transport));
  EXPECT_THAT(provider.Fetch({Sym("AAPL"), Timeframe::k1d, 0, kMicrosPerDay}),
              ErrorIs(ErrorCode::kUnauthorized, "TWELVEDATA_API_KEY"));
  EXPECT_TRUE(transport->requests.empty());
}

}  // namespace
}  // namespace rc::data
