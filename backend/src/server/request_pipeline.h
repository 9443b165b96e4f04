// File: server/request_pipeline.h
//
// What every HTTP request goes through around its route, without sockets (the
// Beast session hands it a parsed Request; tests and the fuzzer do the same):
//   1. a request id: the client's X-Request-Id when it is sane, else a new one;
//      it tags every log line of the request (core/logging.h), the error
//      envelope and the X-Request-Id response header;
//   2. CORS: browsers on origins in CORS_ALLOWED_ORIGINS get
//      Access-Control-Allow-Origin (and their preflights answered); same-origin
//      and non-browser clients are unaffected; a cross-origin write from an
//      origin not on the list is refused (403, field "origin"), so a web page
//      cannot make the browser POST to a loopback server (CSRF);
//   3. the router, then the observer (access log, metrics) with the final response.
//
//   RequestPipeline pipeline(router, {{"https://dash.example.com"}}, observer);
//   Response response = pipeline.Handle(request);
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/http_server.h"
#include "server/router.h"

namespace rc::server {

struct PipelineOptions {
  // Origins ("scheme://host[:port]") whose browser pages may call the API;
  // empty = same origin only (CORS_ALLOWED_ORIGINS).
  std::vector<std::string> cors_allowed_origins;
};

class RequestPipeline {
 public:
  RequestPipeline(const Router& router, PipelineOptions options, RequestObserver observer = nullptr);

  // Assigns request.id, answers CORS preflights, dispatches, adds the headers
  // and reports the request to the observer.
  Response Handle(Request& request) const;
  // The answer to a request that could not be read (malformed HTTP, 413): the
  // same id, headers and observer as Handle, with `error` as the body.
  Response Reject(Request& request, const Error& error) const;
  // Whether a browser page may open the websocket of `request` (an upgrade of
  // /ws): no Origin (not a browser), the same origin, or a listed one. Else
  // the answer to send instead (403, field "origin"), with id and headers.
  std::optional<Response> RefuseWebsocketOrigin(Request& request) const;
  // Reports a request answered elsewhere (the websocket upgrade's 101).
  void Observe(const Request& request, const Response& response, const std::string& route, double seconds) const;

 private:
  Response Route(Request& request, std::string* route) const;
  Response Preflight(const Request& request, bool origin_allowed, std::string* route) const;
  void Finish(const Request& request, bool origin_allowed, Response& response) const;
  bool OriginAllowed(std::string_view origin) const;

  const Router& router_;
  PipelineOptions options_;
  RequestObserver observer_;
};

// The incoming X-Request-Id when it is 1..64 characters of [A-Za-z0-9._-]
// (anything else could forge log lines), else a new random 32-hex-digit id.
std::string AcceptOrGenerateRequestId(std::string_view incoming);

// True when a browser's Origin header names the server itself (its Host header).
bool IsSameOrigin(std::string_view origin, std::string_view host);

}  // namespace rc::server
