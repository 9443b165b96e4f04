// Test doubles for the data module: a scripted HTTP transport, a manual clock
// and a scripted provider.
#pragma once

#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "data/http/http_client.h"
#include "data/providers/provider.h"

namespace rc::data::testing {

// Answers requests from a script (in order); when the script is exhausted,
// from `fallback` (if set). Records every request.
class ScriptedTransport final : public HttpTransport {
 public:
  Result<HttpResponse> Get(const HttpRequest& request) override {
    requests.push_back(request);
    if (!script.empty()) {
      auto next = script.front();
      script.pop_front();
      return next;
    }
    if (fallback) return fallback(request);
    return Internal("ScriptedTransport: no response scripted for " + request.url);
  }
  std::deque<Result<HttpResponse>> script;
  std::function<Result<HttpResponse>(const HttpRequest&)> fallback;
  std::vector<HttpRequest> requests;
};

inline HttpResponse Response(int status, std::string body, std::map<std::string, std::string> headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

struct ManualClock {
  TimestampUs now = 0;
  std::function<TimestampUs()> AsFunction() {
    return [this] { return now; };
  }
};

// An HttpClient with no retries that never sleeps.
inline std::shared_ptr<HttpClient> NoRetryClient(std::shared_ptr<HttpTransport> transport) {
  RetryPolicy policy;
  policy.max_retries = 0;
  return std::make_shared<HttpClient>(std::move(transport), policy, [](int64_t) {}, nullptr, 1);
}

inline std::string Fixture(const std::string& relative) {
  const std::filesystem::path path = std::filesystem::path(RC_TEST_SOURCE_DIR) / "tests/fixtures/providers" / relative;
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in) throw std::runtime_error("missing fixture " + path.string());
  return ss.str();
}

// A provider whose Fetch runs a user function (counting calls).
class ScriptedProvider final : public Provider {
 public:
  ScriptedProvider(std::string name, std::function<Result<FetchResult>(const FetchRequest&)> fn)
      : name_(std::move(name)), fn_(std::move(fn)) {}
  std::string_view name() const override { return name_; }
  Result<FetchResult> Fetch(const FetchRequest& request) override {
    ++calls;
    return fn_(request);
  }
  Coverage CoverageFor(Timeframe, TimestampUs) const override { return {}; }
  int calls = 0;

 private:
  std::string name_;
  std::function<Result<FetchResult>(const FetchRequest&)> fn_;
};

}  // namespace rc::data::testing
