#include "data/failover/provider_chain.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>

#include "data/http/http_client.h"
#include "data/providers/csv_provider.h"
#include "data/providers/twelvedata_provider.h"
#include "data/providers/yahoo_provider.h"
#include "data/sim/sim_provider.h"
#include "monitoring/standard_metrics.h"

namespace rc::data {

bool IsProviderHealthFailure(const Error& error) {
  switch (error.code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kNotFound:
    case ErrorCode::kUnsupported:
      return false;
    default:
      return true;
  }
}

ProviderChain::ProviderChain(std::vector<std::unique_ptr<Provider>> providers, CircuitBreakerOptions breaker_options,
                             Clock clock) {
  for (auto& provider : providers) {
    entries_.push_back({std::move(provider), std::make_unique<CircuitBreaker>(breaker_options, clock)});
  }
}

std::vector<std::string> ProviderChain::names() const {
  std::vector<std::string> out;
  for (const auto& entry : entries_) out.emplace_back(entry.provider->name());
  return out;
}

Result<FetchResult> ProviderChain::Attempt(Entry& entry, const FetchRequest& request) {
  const std::string name(entry.provider->name());
  if (!entry.breaker->Allow()) {
    monitoring::ProviderRequestsTotal().WithLabels({name, std::string(kOutcomeCircuitOpen)}).Inc();
    return Unavailable(name + ": circuit open after repeated failures (last: " + entry.breaker->last_error() + ")");
  }
  const auto started = std::chrono::steady_clock::now();
  Result<FetchResult> result = entry.provider->Fetch(request);
  monitoring::ProviderRequestDurationSeconds().WithLabels({name}).Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (result) {
    entry.breaker->RecordSuccess();
    monitoring::ProviderRequestsTotal().WithLabels({name, std::string(kOutcomeOk)}).Inc();
    result->provider = name;
    return result;
  }
  monitoring::ProviderRequestsTotal().WithLabels({name, std::string(ErrorCodeName(result.error().code))}).Inc();
  if (IsProviderHealthFailure(result.error())) {
    entry.breaker->RecordFailure(result.error().message);
  } else {
    entry.breaker->RecordSuccess();  // it answered; this request just has no answer there
  }
  return result;
}

Result<FetchResult> ProviderChain::Fetch(const FetchRequest& request) {
  RC_RETURN_IF_ERROR(ValidateRequest(request));
  std::vector<Error> errors;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (i > 0) {
      const std::string from(entries_[i - 1].provider->name());
      const std::string to(entries_[i].provider->name());
      monitoring::ProviderFailoverTotal().WithLabels({from, to}).Inc();
      spdlog::warn("provider {} failed ({}); failing over to {}", from, errors.back().message, to);
    }
    auto result = Attempt(entries_[i], request);
    if (result) return result;
    errors.push_back(result.error());
  }
  if (errors.size() == 1) return tl::unexpected(errors.front());
  bool same = true;
  std::string message = "all providers failed:";
  for (const Error& e : errors) {
    same = same && e.code == errors.front().code;
    message += " [" + e.message + "]";
  }
  return MakeError(same ? errors.front().code : ErrorCode::kUnavailable, message);
}

Result<FetchResult> ProviderChain::FetchFrom(std::string_view name, const FetchRequest& request) {
  RC_RETURN_IF_ERROR(ValidateRequest(request));
  for (auto& entry : entries_) {
    if (entry.provider->name() == name) return Attempt(entry, request);
  }
  return NotFound("provider '" + std::string(name) + "' is not configured");
}

Result<std::unique_ptr<Provider>> MakeProvider(std::string_view name, const Settings& settings,
                                               const ProviderDeps& deps) {
  auto http = [&settings] {
    HttpOptions options;
    options.total_timeout_ms = int64_t{settings.provider_timeout_seconds} * 1000;
    options.connect_timeout_ms = std::min<int64_t>(5000, options.total_timeout_ms);
    RetryPolicy policy;
    policy.max_retries = settings.provider_max_retries;
    return std::make_shared<HttpClient>(MakeCurlTransport(options), policy);
  };
  // Providers tell closed from forming bars (and the simulator how far its
  // market has gone) on the scheduler's clock (replay time in a drill), not
  // on the system clock.
  std::function<TimestampUs()> market_now;
  if (deps.market_clock) market_now = [clock = deps.market_clock] { return clock->Now(); };
  if (name == "yahoo") return std::make_unique<YahooProvider>(settings.yahoo_base_url, http(), market_now);
  if (name == "twelvedata") {
    return std::make_unique<TwelveDataProvider>(settings.twelvedata_base_url, settings.twelvedata_api_key, http(),
                                                market_now);
  }
  if (name == "csv") return std::make_unique<CsvProvider>(CsvDirectory(settings));
  if (name == "sim") return std::make_unique<SimProvider>(static_cast<uint64_t>(settings.sim_seed), market_now);
  if (name == "replay") {
    RC_ASSIGN_OR_RETURN(std::vector<ReplaySeries> series, LoadReplaySeries(settings, deps.lake_raw));
    // A replay never plays on wall time (e.g. `fetch --provider replay` with a live primary).
    std::shared_ptr<const MarketClock> clock = deps.market_clock;
    if (!clock || !clock->IsReplay()) {
      RC_ASSIGN_OR_RETURN(clock, MakeReplayClock(settings, series));
    }
    return std::make_unique<ReplayProvider>(std::move(series), std::move(clock), settings.replay_forming_bar);
  }
  return InvalidArgument("provider",
                         "must be one of yahoo, twelvedata, csv, sim, replay, got '" + std::string(name) + "'");
}

Result<std::unique_ptr<ProviderChain>> MakeProviderChain(const Settings& settings, std::string_view only,
                                                         CircuitBreakerOptions breaker_options,
                                                         const ProviderDeps& deps) {
  std::vector<std::string> names;
  if (!only.empty()) {
    names.emplace_back(only);
  } else {
    names.push_back(settings.primary_data_provider);
    for (const auto& fallback : settings.fallback_data_providers) {
      if (std::find(names.begin(), names.end(), fallback) == names.end()) names.push_back(fallback);
    }
  }
  std::vector<std::unique_ptr<Provider>> providers;
  for (const auto& name : names) {
    RC_ASSIGN_OR_RETURN(auto provider, MakeProvider(name, settings, deps));
    providers.push_back(std::move(provider));
  }
  return std::make_unique<ProviderChain>(std::move(providers), breaker_options);
}

}  // namespace rc::data
