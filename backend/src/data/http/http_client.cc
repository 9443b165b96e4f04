#include "data/http/http_client.h"

#include "core/strings.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <thread>

#include "core/build_info.h"
#include "core/percent_encoding.h"

namespace rc::data {
namespace {

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct TransferState {
  HttpResponse* response = nullptr;
  int64_t max_body = 0;
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  const size_t n = size * count;
  if (static_cast<int64_t>(state->response->body.size() + n) > state->max_body) {
    state->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  state->response->body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  const size_t n = size * count;
  std::string_view line(data, n);
  if (line.rfind("HTTP/", 0) == 0) {
    state->response->headers.clear();  // a new response (after a redirect or 100-continue)
    return n;
  }
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    state->response->headers[AsciiLower(TrimAscii(line.substr(0, colon)))] = std::string(TrimAscii(line.substr(colon + 1)));
  }
  return n;
}

class CurlTransport final : public HttpTransport {
 public:
  explicit CurlTransport(HttpOptions options) : options_(options) { GlobalInitOnce(); }

  Result<HttpResponse> Get(const HttpRequest& request) override {
    const std::string shown = MaskSecrets(request.url);
    CURL* curl = curl_easy_init();
    if (curl == nullptr) return Internal("curl_easy_init failed");
    HttpResponse response;
    TransferState state{&response, options_.max_body_bytes, false};
    curl_slist* headers = nullptr;
    for (const auto& [name, value] : request.headers) {
      headers = curl_slist_append(headers, (name + ": " + value).c_str());
    }
    const std::string agent =
        request.user_agent.empty() ? "regimecast/" + std::string(BuildVersion()) : request.user_agent;
    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_ms));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout_ms));
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // all encodings curl supports (gzip, deflate)
    curl_easy_setopt(curl, CURLOPT_USERAGENT, agent.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &state);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &state);
    const auto started = std::chrono::steady_clock::now();
    const CURLcode code = curl_easy_perform(curl);
    response.elapsed_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);

    if (state.too_large) {
      return ProviderError("GET " + shown + ": response larger than " + std::to_string(options_.max_body_bytes) +
                           " bytes");
    }
    switch (code) {
      case CURLE_OK:
        return response;
      case CURLE_OPERATION_TIMEDOUT:
        return Timeout("GET " + shown + ": no complete response within " +
                       std::to_string(options_.total_timeout_ms) + " ms");
      case CURLE_URL_MALFORMAT:
      case CURLE_UNSUPPORTED_PROTOCOL:
        return InvalidArgument("url", "GET " + shown + ": " + curl_easy_strerror(code));
      default:
        // DNS, refused, reset, TLS, or a connection closed mid-response
        // (CURLE_PARTIAL_FILE, CURLE_GOT_NOTHING): transient, worth a retry.
        return Unavailable("GET " + shown + ": " + curl_easy_strerror(code));
    }
  }

 private:
  HttpOptions options_;
};

bool IsUnreserved(unsigned char c) { return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~'; }

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
  auto it = headers.find(AsciiLower(name));
  return it == headers.end() ? std::string() : it->second;
}

std::shared_ptr<HttpTransport> MakeCurlTransport(HttpOptions options) {
  return std::make_shared<CurlTransport>(options);
}

bool IsRetryable(const Result<HttpResponse>& outcome) {
  if (!outcome) {
    return outcome.error().code == ErrorCode::kTimeout || outcome.error().code == ErrorCode::kUnavailable;
  }
  return outcome->status == 429 || (outcome->status >= 500 && outcome->status <= 599);
}

std::optional<int64_t> ParseRetryAfterMillis(std::string_view value, TimestampUs now) {
  value = TrimAscii(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) return int64_t{999'999'999} * 1000;  // absurdly large: the caller caps it
    return static_cast<int64_t>(std::stoll(std::string(value))) * 1000;
  }
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 §5.6.7).
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (value.size() != 29 || value[3] != ',' || value.substr(26) != "GMT") return std::nullopt;
  auto num = [&](size_t pos, size_t len, int& out) {
    out = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (value[i] < '0' || value[i] > '9') return false;
      out = out * 10 + (value[i] - '0');
    }
    return true;
  };
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  if (!num(5, 2, day) || !num(12, 4, year) || !num(17, 2, hour) || !num(20, 2, minute) || !num(23, 2, second)) {
    return std::nullopt;
  }
  if (value[19] != ':' || value[22] != ':') return std::nullopt;
  int month = 0;
  for (int m = 0; m < 12; ++m) {
    if (value.substr(8, 3) == kMonths[m]) month = m + 1;
  }
  if (month == 0 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  const int64_t at = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * kMicrosPerDay +
                     (hour * 3600 + minute * 60 + second) * kMicrosPerSecond;
  return std::max<int64_t>(0, (at - now) / 1000);
}

int64_t RetryDelayMillis(const RetryPolicy& policy, int retry, std::optional<int64_t> retry_after_ms,
                         double jitter01) {
  if (retry_after_ms) return std::clamp<int64_t>(*retry_after_ms, 0, policy.max_retry_after_ms);
  int64_t delay = policy.base_delay_ms;
  for (int i = 0; i < retry && delay < policy.max_delay_ms; ++i) delay *= 2;
  delay = std::min(delay, policy.max_delay_ms);
  // "Equal jitter": half fixed, half random, so retries spread out but never collapse to zero.
  const double factor = 0.5 + 0.5 * std::clamp(jitter01, 0.0, 1.0);
  return static_cast<int64_t>(static_cast<double>(delay) * factor);
}

std::string MaskSecrets(std::string_view url) {
  std::string out(url);
  // userinfo in the authority
  const size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    const size_t auth_start = scheme + 3;
    const size_t auth_end = out.find_first_of("/?#", auth_start);
    const size_t at = out.rfind('@', auth_end == std::string::npos ? out.size() : auth_end);
    if (at != std::string::npos && at >= auth_start) out.replace(auth_start, at - auth_start, "***");
  }
  static constexpr std::string_view kSecretParams[] = {"apikey", "api_key", "token", "access_token", "crumb"};
  size_t pos = out.find('?');
  while (pos != std::string::npos && pos < out.size()) {
    const size_t start = pos + 1;
    const size_t end = std::min(out.find('&', start), out.size());
    const size_t eq = out.find('=', start);
    if (eq != std::string::npos && eq < end) {
      const std::string key = AsciiLower(std::string_view(out).substr(start, eq - start));
      if (std::find(std::begin(kSecretParams), std::end(kSecretParams), key) != std::end(kSecretParams)) {
        out.replace(eq + 1, end - eq - 1, "***");
      }
    }
    pos = out.find('&', start);
  }
  return out;
}

std::string UrlEncode(std::string_view text) { return PercentEncode(text, IsUnreserved); }

HttpClient::HttpClient(std::shared_ptr<HttpTransport> transport, RetryPolicy policy, Sleeper sleeper, Clock clock,
                       uint64_t jitter_seed)
    : transport_(std::move(transport)),
      policy_(policy),
      sleeper_(sleeper ? std::move(sleeper)
                       : Sleeper([](int64_t ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); })),
      clock_(clock ? std::move(clock) : Clock(NowMicros)),
      rng_(jitter_seed) {}

Result<HttpResponse> HttpClient::Get(const HttpRequest& request, int* attempts) {
  Result<HttpResponse> outcome = transport_->Get(request);
  int attempt = 1;
  for (int retry = 0; retry < policy_.max_retries && IsRetryable(outcome); ++retry) {
    std::optional<int64_t> retry_after;
    if (outcome) retry_after = ParseRetryAfterMillis(outcome->Header("retry-after"), clock_());
    double jitter = 0;
    {
      std::lock_guard lock(rng_mutex_);
      jitter = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    }
    const int64_t delay = RetryDelayMillis(policy_, retry, retry_after, jitter);
    spdlog::warn("GET {}: {}; retry {}/{} in {} ms", MaskSecrets(request.url),
                 outcome ? "HTTP " + std::to_string(outcome->status) : outcome.error().message, retry + 1,
                 policy_.max_retries, delay);
    sleeper_(delay);
    outcome = transport_->Get(request);
    ++attempt;
  }
  if (attempts != nullptr) *attempts = attempt;
  return outcome;
}

}  // namespace rc::data
