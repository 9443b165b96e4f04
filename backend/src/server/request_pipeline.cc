#include "server/request_pipeline.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "core/logging.h"
#include "core/strings.h"

namespace rc::server {
namespace {

constexpr size_t kMaxRequestIdLength = 64;
constexpr const char* kAllowedRequestHeaders = "Authorization, Content-Type, X-Request-Id";
constexpr const char* kPreflightMaxAgeSeconds = "600";

bool IsSafeMethod(const std::string& method) { return method == "GET" || method == "HEAD" || method == "OPTIONS"; }

std::string NewRequestId() {
  // Not a secret, only unique: a per-thread generator seeded from the OS.
  thread_local std::mt19937_64 generator{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  uint64_t bits = 0;
  for (size_t char_idx = 0; char_idx < id.size(); ++char_idx) {
    if (char_idx % 16 == 0) bits = generator();
    id[char_idx] = kHex[bits & 0xf];
    bits >>= 4;
  }
  return id;
}

}  // namespace

std::string AcceptOrGenerateRequestId(std::string_view incoming) {
  const bool sane = !incoming.empty() && incoming.size() <= kMaxRequestIdLength &&
                    std::all_of(incoming.begin(), incoming.end(), [](char c) {
                      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                             c == '-' || c == '_' || c == '.';
                    });
  return sane ? std::string(incoming) : NewRequestId();
}

bool IsSameOrigin(std::string_view origin, std::string_view host) {
  const size_t scheme_end = origin.find("://");
  if (host.empty() || scheme_end == std::string_view::npos) return false;
  return EqualsIgnoringAsciiCase(origin.substr(scheme_end + 3), TrimAscii(host));
}

RequestPipeline::RequestPipeline(const Router& router, PipelineOptions options, RequestObserver observer)
    : router_(router), options_(std::move(options)), observer_(std::move(observer)) {
  for (std::string& origin : options_.cors_allowed_origins) origin = AsciiLower(origin);
}

bool RequestPipeline::OriginAllowed(std::string_view origin) const {
  const std::string lower = AsciiLower(origin);
  return std::find(options_.cors_allowed_origins.begin(), options_.cors_allowed_origins.end(), lower) !=
         options_.cors_allowed_origins.end();
}

Response RequestPipeline::Handle(Request& request) const {
  const auto started = std::chrono::steady_clock::now();
  request.id = AcceptOrGenerateRequestId(request.Header("x-request-id"));
  ScopedRequestId log_scope(request.id);
  const std::string origin = request.Header("origin");
  const bool cross_origin = !origin.empty() && !IsSameOrigin(origin, request.Header("host"));
  const bool origin_allowed = cross_origin && OriginAllowed(origin);
  std::string route = "unmatched";
  Response response;
  if (cross_origin && request.method == "OPTIONS" && !request.Header("access-control-request-method").empty()) {
    response = Preflight(request, origin_allowed, &route);
  } else if (cross_origin && !origin_allowed && !IsSafeMethod(request.method)) {
    response = ErrorResponse(Error{ErrorCode::kForbidden,
                                   "requests from origin '" + origin.substr(0, 200) +
                                       "' are not allowed: list it in CORS_ALLOWED_ORIGINS",
                                   "origin"});
  } else {
    response = router_.Dispatch(request, &route);
  }
  Finish(request, origin_allowed, response);
  Observe(request, response, route,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return response;
}

Response RequestPipeline::Reject(Request& request, const Error& error) const {
  request.id = AcceptOrGenerateRequestId(request.Header("x-request-id"));
  ScopedRequestId log_scope(request.id);
  Response response = ErrorResponse(error);
  const std::string origin = request.Header("origin");
  Finish(request, !origin.empty() && OriginAllowed(origin), response);
  Observe(request, response, "unmatched", 0.0);
  return response;
}

std::optional<Response> RequestPipeline::RefuseWebsocketOrigin(Request& request) const {
  const std::string origin = request.Header("origin");
  if (origin.empty() || IsSameOrigin(origin, request.Header("host")) || OriginAllowed(origin)) return std::nullopt;
  // A page elsewhere must not read the streams with the visitor's network position.
  return Reject(request, Error{ErrorCode::kForbidden,
                               "websocket connections from origin '" + origin.substr(0, 200) +
                                   "' are not allowed: list it in CORS_ALLOWED_ORIGINS",
                               "origin"});
}

void RequestPipeline::Observe(const Request& request, const Response& response, const std::string& route,
                              double seconds) const {
  if (!observer_) return;
  ScopedRequestId log_scope(request.id);
  observer_(request, response, route, seconds);
}

Response RequestPipeline::Preflight(const Request& request, bool origin_allowed, std::string* route) const {
  const std::vector<std::string> methods = router_.MethodsFor(request.path, route);
  if (methods.empty()) {
    return ErrorResponse(Error{ErrorCode::kNotFound, "no route for " + request.path, ""});
  }
  if (!origin_allowed) {
    return ErrorResponse(Error{ErrorCode::kForbidden,
                               "origin '" + request.Header("origin").substr(0, 200) +
                                   "' is not in CORS_ALLOWED_ORIGINS",
                               "origin"});
  }
  std::string allow_methods;
  for (const std::string& method : methods) allow_methods += (allow_methods.empty() ? "" : ", ") + method;
  Response response;
  response.status = 204;
  response.headers.emplace_back("Access-Control-Allow-Methods", allow_methods);
  response.headers.emplace_back("Access-Control-Allow-Headers", kAllowedRequestHeaders);
  response.headers.emplace_back("Access-Control-Max-Age", kPreflightMaxAgeSeconds);
  return response;
}

void RequestPipeline::Finish(const Request& request, bool origin_allowed, Response& response) const {
  response.headers.emplace_back("X-Request-Id", request.id);
  // Responses differ by Origin (the allow header below), so caches must key on
  // it; one Vary header, added to what the route already varies on.
  auto vary = std::find_if(response.headers.begin(), response.headers.end(),
                           [](const auto& header) { return EqualsIgnoringAsciiCase(header.first, "vary"); });
  if (vary == response.headers.end()) {
    response.headers.emplace_back("Vary", "Origin");
  } else {
    vary->second += ", Origin";
  }
  if (origin_allowed) {
    response.headers.emplace_back("Access-Control-Allow-Origin", request.Header("origin"));
    response.headers.emplace_back("Access-Control-Expose-Headers", "X-Request-Id");
  }
}

}  // namespace rc::server
