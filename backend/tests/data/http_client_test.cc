#include "data/http/http_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes.h"
#include "testing/matchers.h"

namespace rc::data {
namespace {

using ::rc::testing::ErrorIs;
using ::rc::testing::IsOk;
using testing::Response;
using testing::ScriptedTransport;

TEST(RetryAfterTest, ParsesDeltaSeconds) {
  EXPECT_EQ(ParseRetryAfterMillis("2", 0), 2000);
  EXPECT_EQ(ParseRetryAfterMillis(" 0 ", 0), 0);
}

TEST(RetryAfterTest, ParsesHttpDateRelativeToNow) {
  // Wed, 21 Oct 2015 07:28:00 GMT = 1445412480 s.
  const TimestampUs now = (1445412480 - 5) * kMicrosPerSecond;
  EXPECT_EQ(ParseRetryAfterMillis("Wed, 21 Oct 2015 07:28:00 GMT", now), 5000);
  // A date in the past means "now".
  EXPECT_EQ(ParseRetryAfterMillis("Wed, 21 Oct 2015 07:28:00 GMT", now + 60 * kMicrosPerSecond), 0);
}

TEST(RetryAfterTest, RejectsGarbage) {
  EXPECT_EQ(ParseRetryAfterMillis("soon", 0), std::nullopt);
  EXPECT_EQ(ParseRetryAfterMillis("", 0), std::nullopt);
  EXPECT_EQ(ParseRetryAfterMillis("-1", 0), std::nullopt);
  EXPECT_EQ(ParseRetryAfterMillis("Wed, 21 Foo 2015 07:28:00 GMT", 0), std::nullopt);
}

TEST(RetryDelayTest, ExponentialWithJitterAndCap) {
  RetryPolicy p;
  p.base_delay_ms = 100;
  p.max_delay_ms = 1000;
  EXPECT_EQ(RetryDelayMillis(p, 0, std::nullopt, 0.0), 50);    // half of base at minimum jitter
  EXPECT_EQ(RetryDelayMillis(p, 0, std::nullopt, 1.0), 100);
  EXPECT_EQ(RetryDelayMillis(p, 2, std::nullopt, 1.0), 400);
  EXPECT_EQ(RetryDelayMillis(p, 10, std::nullopt, 1.0), 1000);  // capped
  for (double j : {0.0, 0.3, 0.7, 0.999}) {
    const int64_t d = RetryDelayMillis(p, 3, std::nullopt, j);
    EXPECT_GE(d, 400);
    EXPECT_LE(d, 800);
  }
}

TEST(RetryDelayTest, RetryAfterWinsAndIsCapped) {
  RetryPolicy p;
  p.max_retry_after_ms = 5000;
  EXPECT_EQ(RetryDelayMillis(p, 0, 3000, 0.5), 3000);
  EXPECT_EQ(RetryDelayMillis(p, 0, 3'600'000, 0.5), 5000);
}

TEST(MaskSecretsTest, MasksKeyParametersAndUserinfo) {
  EXPECT_EQ(MaskSecrets("https://api.twelvedata.com/time_series?symbol=TCS&apikey=abc123&interval=5min"),
            "https://api.twelvedata.com/time_series?symbol=TCS&apikey=***&interval=5min");
  EXPECT_EQ(MaskSecrets("http://h/x?APIKEY=zz"), "http://h/x?APIKEY=***");
  EXPECT_EQ(MaskSecrets("http://h/x?token=t&crumb=c"), "http://h/x?token=***&crumb=***");
  EXPECT_EQ(MaskSecrets("http://user:pw@h:80/x"), "http://***@h:80/x");
  EXPECT_EQ(MaskSecrets("http://h/x?symbol=A"), "http://h/x?symbol=A");
}

TEST(UrlEncodeTest, EncodesReservedCharacters) {
  EXPECT_EQ(UrlEncode("^GSPC"), "%5EGSPC");
  EXPECT_EQ(UrlEncode("EURUSD=X"), "EURUSD%3DX");
  EXPECT_EQ(UrlEncode("BTC-USD"), "BTC-USD");
  EXPECT_EQ(UrlEncode("2024-01-01 09:15:00"), "2024-01-01%2009%3A15%3A00");
}

struct Harness {
  std::shared_ptr<ScriptedTransport> transport = std::make_shared<ScriptedTransport>();
  std::vector<int64_t> sleeps;
  HttpClient Client(int max_retries) {
    RetryPolicy policy;
    policy.max_retries = max_retries;
    policy.base_delay_ms = 100;
    return HttpClient(transport, policy, [this](int64_t ms) { sleeps.push_back(ms); },
                      [] { return TimestampUs{0}; }, 7);
  }
};

TEST(HttpClientTest, RetriesServerErrorsThenSucceeds) {
  Harness h;
  h.transport->script = {Response(503, "down"), Response(500, "err"), Response(200, "ok")};
  auto client = h.Client(3);
  int attempts = 0;
  auto r = client.Get({.url = "http://127.0.0.1/x"}, &attempts);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->body, "ok");
  EXPECT_EQ(attempts, 3);
  ASSERT_EQ(h.sleeps.size(), 2u);
  EXPECT_GE(h.sleeps[0], 50);
  EXPECT_LE(h.sleeps[0], 100);
  EXPECT_GE(h.sleeps[1], 100);
  EXPECT_LE(h.sleeps[1], 200);
}

TEST(HttpClientTest, HonoursRetryAfterOn429) {
  Harness h;
  h.transport->script = {Response(429, "Too Many Requests", {{"retry-after", "2"}}), Response(200, "ok")};
  auto client = h.Client(3);
  ASSERT_THAT(client.Get({.url = "http://127.0.0.1/x"}), IsOk());
  EXPECT_EQ(h.sleeps, std::vector<int64_t>{2000});
}

TEST(HttpClientTest, ReturnsLastResponseWhenRetriesRunOut) {
  Harness h;
  h.transport->fallback = [](const HttpRequest&) -> Result<HttpResponse> { return Response(429, "slow down"); };
  auto client = h.Client(2);
  int attempts = 0;
  auto r = client.Get({.url = "http://127.0.0.1/x"}, &attempts);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(h.sleeps.size(), 2u);
}

TEST(HttpClientTest, RetriesTimeoutsAndConnectionErrorsButNotClientErrors) {
  Harness h;
  h.transport->script = {Timeout("t"), Unavailable("refused"), Response(404, "nf")};
  auto client = h.Client(5);
  auto r = client.Get({.url = "http://127.0.0.1/x"});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(h.transport->requests.size(), 3u);
}

TEST(HttpClientTest, FinalTransportErrorIsReturned) {
  Harness h;
  h.transport->fallback = [](const HttpRequest&) -> Result<HttpResponse> { return Timeout("no answer"); };
  auto client = h.Client(1);
  EXPECT_THAT(client.Get({.url = "http://127.0.0.1/x"}), ErrorIs(ErrorCode::kTimeout));
  EXPECT_EQ(h.transport->requests.size(), 2u);
}

TEST(CurlTransportTest, RefusedConnectionIsUnavailableAndUrlIsMasked) {
  // Port 1 on loopback: nothing listens there, the connect is refused at once.
  auto transport = MakeCurlTransport({.connect_timeout_ms = 2000, .total_timeout_ms = 2000});
  auto r = transport->Get({.url = "http://127.0.0.1:1/time_series?apikey=SECRET123"});
  ASSERT_THAT(r, ErrorIs(ErrorCode::kUnavailable));
  EXPECT_THAT(r.error().message, ::testing::Not(::testing::HasSubstr("SECRET123")));
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("apikey=***"));
}

}  // namespace
}  // namespace rc::data
