// File: data/failover/provider_chain.h
//
// Failover across providers: PRIMARY_DATA_PROVIDER first, then
// FALLBACK_DATA_PROVIDERS in order (Settings defaults that to twelvedata when a
// key is set). Each provider sits behind its own circuit breaker; every attempt
// is counted in provider_requests_total{provider,outcome} and timed in
// provider_request_duration_seconds{provider}; moving on from one provider to
// the next counts provider_failover_total{from,to}. The result names the
// provider that served it (FetchResult::provider).
//
//   RC_ASSIGN_OR_RETURN(auto chain, rc::data::MakeProviderChain(settings));
//   RC_ASSIGN_OR_RETURN(rc::data::FetchResult r, chain->Fetch(request));
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/settings.h"
#include "data/failover/circuit_breaker.h"
#include "data/providers/provider.h"
#include "data/providers/replay_provider.h"

namespace rc::data {

// Outcome label values of provider_requests_total: "ok", "circuit_open", or
// the error code's wire name ("timeout", "rate_limited", "unavailable", ...).
inline constexpr std::string_view kOutcomeOk = "ok";
inline constexpr std::string_view kOutcomeCircuitOpen = "circuit_open";

// True for errors that say the provider is unhealthy (timeouts, 5xx, rate
// limits, auth, malformed responses) rather than that this request has no
// answer there (not found, invalid range, unsupported symbol). Only the former
// count against the circuit breaker.
bool IsProviderHealthFailure(const Error& error);

// Thread-safe when its providers are.
class ProviderChain {
 public:
  using Clock = std::function<TimestampUs()>;

  // `providers` in priority order, non-empty, distinct names.
  ProviderChain(std::vector<std::unique_ptr<Provider>> providers, CircuitBreakerOptions breaker_options = {},
                Clock clock = nullptr);

  // Tries each provider whose breaker allows a call, in order, until one
  // succeeds. Errors: kInvalidArgument for a bad request (no provider is
  // called); otherwise, when every provider failed or was skipped, the common
  // error code if all agree, else kUnavailable, with a message listing each
  // provider's error (no secrets).
  Result<FetchResult> Fetch(const FetchRequest& request);

  // One provider by name, through its breaker and metrics but without
  // failover (the diagnostic probes each provider this way).
  // Errors: kNotFound for an unknown name, kUnavailable when its circuit is open.
  Result<FetchResult> FetchFrom(std::string_view name, const FetchRequest& request);

  size_t size() const { return entries_.size(); }
  Provider& provider(size_t index) { return *entries_[index].provider; }
  const CircuitBreaker& breaker(size_t index) const { return *entries_[index].breaker; }
  std::vector<std::string> names() const;

 private:
  struct Entry {
    std::unique_ptr<Provider> provider;
    std::unique_ptr<CircuitBreaker> breaker;
  };
  Result<FetchResult> Attempt(Entry& entry, const FetchRequest& request);

  std::vector<Entry> entries_;
};

// What some providers need besides settings.
struct ProviderDeps {
  // The clock `replay` plays on; pass the scheduler's (MakeMarketClock) so both
  // agree. Null or a wall clock: the replay makes its own (MakeReplayClock).
  std::shared_ptr<const MarketClock> market_clock;
  // Reads the lake's raw bars, for REPLAY_SOURCE=lake:raw (pipeline::LakeRawReader).
  SeriesReader lake_raw;
};

// Builds one provider from settings: "yahoo", "twelvedata", "csv", "sim" or
// "replay". HTTP providers use PROVIDER_TIMEOUT_SECONDS and PROVIDER_MAX_RETRIES.
// Errors: kInvalidArgument naming "provider" for an unknown name; for replay,
// the errors of LoadReplaySeries (a source that cannot be read fails here, at
// start-up, not at the first fetch).
Result<std::unique_ptr<Provider>> MakeProvider(std::string_view name, const Settings& settings,
                                               const ProviderDeps& deps = {});

// PRIMARY_DATA_PROVIDER then FALLBACK_DATA_PROVIDERS (duplicates skipped).
// `only` non-empty: a chain of just that provider (the CLI's --provider).
Result<std::unique_ptr<ProviderChain>> MakeProviderChain(const Settings& settings, std::string_view only = "",
                                                         CircuitBreakerOptions breaker_options = {},
                                                         const ProviderDeps& deps = {});

}  // namespace rc::data
