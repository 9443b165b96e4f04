// File: data/http/http_client.h
//
// HTTP GET for the market-data providers: a single-attempt transport on
// libcurl (connect and total timeouts, response size cap, gzip) and a
// retrying client on top (exponential backoff with jitter on 5xx, 429,
// timeouts and connection errors, honouring Retry-After up to a cap).
// Error messages carry the URL with secrets masked (MaskSecrets), never a key.
//
//   auto client = rc::data::HttpClient(rc::data::MakeCurlTransport({}), rc::data::RetryPolicy{});
//   RC_ASSIGN_OR_RETURN(rc::data::HttpResponse r, client.Get({.url = "http://127.0.0.1:8080/x"}));
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/time.h"

namespace rc::data {

// yfinance's fallback browser User-Agent (docs/formats.md §3.4); plain clients get
// rate-limited or blocked by Yahoo.
inline constexpr std::string_view kBrowserUserAgent =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36";

struct HttpRequest {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;  // name, value (values may be secret: never logged)
  std::string user_agent;                                    // empty: "regimecast/<version>"
};

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // keys lower-case; last value wins
  std::string body;
  double elapsed_seconds = 0;

  // Header value or "" (name is matched case-insensitively).
  std::string Header(std::string_view name) const;
};

struct HttpOptions {
  int64_t connect_timeout_ms = 5'000;  // TCP+TLS connect. Default: 5 s
  int64_t total_timeout_ms = 10'000;   // whole request. Default: 10 s (PROVIDER_TIMEOUT_SECONDS)
  int64_t max_body_bytes = 32 << 20;   // larger bodies fail with kProviderError. Default: 32 MiB
};

// One request, one attempt. Errors: kTimeout (connect or total timeout),
// kUnavailable (DNS, refused, reset, TLS), kProviderError (body over the cap),
// kInvalidArgument (malformed URL). Any HTTP status is success at this level.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  virtual Result<HttpResponse> Get(const HttpRequest& request) = 0;
};

// The libcurl transport. Thread-safe (one easy handle per request).
std::shared_ptr<HttpTransport> MakeCurlTransport(HttpOptions options);

struct RetryPolicy {
  int max_retries = 3;                 // retries after the first attempt (PROVIDER_MAX_RETRIES)
  int64_t base_delay_ms = 250;         // first backoff; doubles per retry
  int64_t max_delay_ms = 8'000;        // backoff cap
  int64_t max_retry_after_ms = 30'000; // a Retry-After above this is capped to it
};

// True for responses/errors worth retrying: HTTP 429 and 5xx, kTimeout, kUnavailable.
bool IsRetryable(const Result<HttpResponse>& outcome);

// Parses a Retry-After value: delta-seconds ("120") or an HTTP-date
// ("Wed, 21 Oct 2015 07:28:00 GMT", relative to `now`). Returns milliseconds
// (never negative), or nullopt when the value is neither.
std::optional<int64_t> ParseRetryAfterMillis(std::string_view value, TimestampUs now);

// Delay before retry number `retry` (0-based): Retry-After when given (capped at
// max_retry_after_ms), else min(max_delay, base * 2^retry) scaled by a jitter
// factor in [0.5, 1.0] taken from `jitter01` in [0, 1).
int64_t RetryDelayMillis(const RetryPolicy& policy, int retry, std::optional<int64_t> retry_after_ms,
                         double jitter01);

// "…?symbol=A&apikey=SECRET" -> "…?symbol=A&apikey=***"; also api_key, token,
// access_token, crumb and userinfo ("user:pass@").
std::string MaskSecrets(std::string_view url);

// Retrying GET. Thread-safe when the transport is.
class HttpClient {
 public:
  using Sleeper = std::function<void(int64_t millis)>;
  using Clock = std::function<TimestampUs()>;

  // `sleeper` defaults to std::this_thread::sleep_for, `clock` to NowMicros;
  // tests inject both so retry tests never wait.
  HttpClient(std::shared_ptr<HttpTransport> transport, RetryPolicy policy, Sleeper sleeper = nullptr,
             Clock clock = nullptr, uint64_t jitter_seed = std::random_device{}());

  // Returns the first non-retryable outcome, or the last one after
  // max_retries retries (a final 429/5xx is returned as a response, so the
  // provider can read its body). `attempts` (optional) receives the count.
  Result<HttpResponse> Get(const HttpRequest& request, int* attempts = nullptr);

 private:
  std::shared_ptr<HttpTransport> transport_;
  RetryPolicy policy_;
  Sleeper sleeper_;
  Clock clock_;
  std::mutex rng_mutex_;
  std::mt19937_64 rng_;
};

// Percent-encodes everything but unreserved characters (RFC 3986): "^GSPC" -> "%5EGSPC".
std::string UrlEncode(std::string_view text);

}  // namespace rc::data
