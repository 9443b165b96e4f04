#include "data/failover/provider_chain.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fakes.h"
#include "monitoring/standard_metrics.h"
#include "testing/literals.h"
#include "testing/matchers.h"

namespace rc::data {
namespace {

using ::rc::testing::ErrorIs;
using ::rc::testing::IsOk;
using ::rc::testing::Sym;
using ::testing::HasSubstr;
using testing::ScriptedProvider;

FetchRequest Request() { return {Sym("TCS.NS"), Timeframe::k5m, 0, kMicrosPerDay}; }

FetchResult Bars(int n) {
  FetchResult r;
  r.provider = "whoever";
  for (int i = 0; i < n; ++i) r.bars.push_back({i * 300 * kMicrosPerSecond, 1.0, 1.0, 1.0, 1.0, 1.0});
  return r;
}

double Counter(monitoring::Family<monitoring::Counter>& family, std::vector<std::string> labels) {
  return family.WithLabels(labels).Value();
}

struct ChainHarness {
  testing::ManualClock clock{1'000'000};
  ScriptedProvider* primary = nullptr;
  ScriptedProvider* fallback = nullptr;
  std::unique_ptr<ProviderChain> chain;

  ChainHarness(std::string primary_name, std::function<Result<FetchResult>(const FetchRequest&)> primary_fn,
               std::string fallback_name, std::function<Result<FetchResult>(const FetchRequest&)> fallback_fn) {
    auto p = std::make_unique<ScriptedProvider>(primary_name, primary_fn);
    auto f = std::make_unique<ScriptedProvider>(fallback_name, fallback_fn);
    primary = p.get();
    fallback = f.get();
    std::vector<std::unique_ptr<Provider>> providers;
    providers.push_back(std::move(p));
    providers.push_back(std::move(f));
    chain = std::make_unique<ProviderChain>(std::move(providers),
                                            CircuitBreakerOptions{2, 60 * kMicrosPerSecond}, clock.AsFunction());
  }
};

TEST(ProviderChainTest, PrimaryServesWhenHealthy) {
  ChainHarness h("p_ok", [](const FetchRequest&) -> Result<FetchResult> { return Bars(3); },
                 "f_ok", [](const FetchRequest&) -> Result<FetchResult> { return Bars(1); });
  auto r = h.chain->Fetch(Request());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->provider, "p_ok");  // named by the chain, whatever the provider wrote
  EXPECT_EQ(r->bars.size(), 3u);
  EXPECT_EQ(h.fallback->calls, 0);
  EXPECT_EQ(Counter(monitoring::ProviderRequestsTotal(), {"p_ok", "ok"}), 1.0);
}

TEST(ProviderChainTest, FailsOverAndCountsIt) {
  ChainHarness h("p_down", [](const FetchRequest&) -> Result<FetchResult> { return Unavailable("p_down: 503"); },
                 "f_up", [](const FetchRequest&) -> Result<FetchResult> { return Bars(2); });
  auto r = h.chain->Fetch(Request());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->provider, "f_up");
  EXPECT_EQ(Counter(monitoring::ProviderFailoverTotal(), {"p_down", "f_up"}), 1.0);
  EXPECT_EQ(Counter(monitoring::ProviderRequestsTotal(), {"p_down", "unavailable"}), 1.0);
  EXPECT_EQ(Counter(monitoring::ProviderRequestsTotal(), {"f_up", "ok"}), 1.0);
  EXPECT_EQ(monitoring::ProviderRequestDurationSeconds().WithLabels({"p_down"}).Snap().count, 1u);
}

TEST(ProviderChainTest, OpenCircuitSkipsThePrimaryUntilCoolDown) {
  ChainHarness h("p_flaky", [](const FetchRequest&) -> Result<FetchResult> { return Timeout("p_flaky: slow"); },
                 "f_steady", [](const FetchRequest&) -> Result<FetchResult> { return Bars(1); });
  ASSERT_THAT(h.chain->Fetch(Request()), IsOk());
  ASSERT_THAT(h.chain->Fetch(Request()), IsOk());
  EXPECT_EQ(h.primary->calls, 2);
  EXPECT_EQ(h.chain->breaker(0).state(), CircuitState::kOpen);
  ASSERT_THAT(h.chain->Fetch(Request()), IsOk());
  EXPECT_EQ(h.primary->calls, 2);  // skipped
  EXPECT_EQ(Counter(monitoring::ProviderRequestsTotal(), {"p_flaky", "circuit_open"}), 1.0);
  h.clock.now += 61 * kMicrosPerSecond;
  ASSERT_THAT(h.chain->Fetch(Request()), IsOk());
  EXPECT_EQ(h.primary->calls, 3);  // the half-open trial
}

TEST(ProviderChainTest, NotFoundDoesNotTripTheBreakerButStillFailsOver) {
  ChainHarness h("p_nf", [](const FetchRequest&) -> Result<FetchResult> { return NotFound("p_nf: no such symbol"); },
                 "f_has", [](const FetchRequest&) -> Result<FetchResult> { return Bars(1); });
  for (int i = 0; i < 4; ++i) ASSERT_THAT(h.chain->Fetch(Request()), IsOk());
  EXPECT_EQ(h.primary->calls, 4);
  EXPECT_EQ(h.chain->breaker(0).state(), CircuitState::kClosed);
}

TEST(ProviderChainTest, AllFailingReportsEveryProvider) {
  ChainHarness h("p_rl", [](const FetchRequest&) -> Result<FetchResult> { return RateLimited("p_rl: 429"); },
                 "f_rl", [](const FetchRequest&) -> Result<FetchResult> { return RateLimited("f_rl: 429"); });
  auto r = h.chain->Fetch(Request());
  ASSERT_THAT(r, ErrorIs(ErrorCode::kRateLimited));
  EXPECT_THAT(r.error().message, HasSubstr("p_rl: 429"));
  EXPECT_THAT(r.error().message, HasSubstr("f_rl: 429"));
  ChainHarness mixed("p_to", [](const FetchRequest&) -> Result<FetchResult> { return Timeout("p_to"); },
                     "f_pe", [](const FetchRequest&) -> Result<FetchResult> { return ProviderError("f_pe"); });
  EXPECT_THAT(mixed.chain->Fetch(Request()), ErrorIs(ErrorCode::kUnavailable));
}

TEST(ProviderChainTest, InvalidRequestCallsNoProvider) {
  ChainHarness h("p_x", [](const FetchRequest&) -> Result<FetchResult> { return Bars(1); },
                 "f_x", [](const FetchRequest&) -> Result<FetchResult> { return Bars(1); });
  FetchRequest bad = Request();
  bad.to = bad.from;
  EXPECT_THAT(h.chain->Fetch(bad), ErrorIs(ErrorCode::kInvalidArgument, "from"));
  EXPECT_EQ(h.primary->calls, 0);
}

TEST(ProviderChainTest, FetchFromProbesOneProvider) {
  ChainHarness h("p_y", [](const FetchRequest&) -> Result<FetchResult> { return Unavailable("p_y"); },
                 "f_y", [](const FetchRequest&) -> Result<FetchResult> { return Bars(1); });
  EXPECT_THAT(h.chain->FetchFrom("p_y", Request()), ErrorIs(ErrorCode::kUnavailable));
  EXPECT_EQ(h.fallback->calls, 0);
  EXPECT_THAT(h.chain->FetchFrom("nope", Request()), ErrorIs(ErrorCode::kNotFound));
  EXPECT_EQ(h.chain->names(), (std::vector<std::string>{"p_y", "f_y"}));
}

TEST(ProviderChainFactoryTest, BuildsPrimaryThenFallbacksWithoutDuplicates) {
  Settings s;
  s.primary_data_provider = "sim";
  s.fallback_data_providers = {"csv", "sim", "twelvedata"};
  auto chain = MakeProviderChain(s);
  ASSERT_THAT(chain, IsOk());
  EXPECT_EQ((*chain)->names(), (std::vector<std::string>{"sim", "csv", "twelvedata"}));
  auto only = MakeProviderChain(s, "yahoo");
  ASSERT_THAT(only, IsOk());
  EXPECT_EQ((*only)->names(), (std::vector<std::string>{"yahoo"}));
  EXPECT_THAT(MakeProviderChain(s, "bloomberg"), ErrorIs(ErrorCode::kInvalidArgument, "provider"));
}

}  // namespace
}  // namespace rc::data
