// File: server/http_types.h
//
// Plain request/response values exchanged between the socket layer (Beast, kept
// in server/internal/) and the handlers. Handlers are ordinary functions from a
// Request to a Response, so they are unit-testable without sockets.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace rc::server {

struct Request {
  std::string method;                               // "GET", "POST", ...
  std::string path;                                 // decoded path without the query, e.g. "/api/bars"
  std::map<std::string, std::string> query;         // decoded query parameters (last value wins)
  std::map<std::string, std::string> path_params;   // filled by the router from "{name}" segments
  std::map<std::string, std::string> headers;       // lower-case names
  std::string body;
  std::string remote;                               // peer address, for logs
  std::string id;                                   // request id (X-Request-Id), set by the RequestPipeline

  // Header value or "" (name in lower case).
  std::string Header(const std::string& lower_name) const;
  // Query parameter value; nullopt when absent or empty (`?symbol=` gives no symbol).
  std::optional<std::string> QueryParam(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  bool close_connection = false;
  // Set by ErrorResponse: what went wrong, for the errors metric
  // (regimecast_errors_total{code}) without reading the body back.
  std::optional<ErrorCode> error_code;

  // The first value of extra header `name` (spelled as set), or "" when absent.
  std::string Header(const std::string& name) const;
};

// A JSON body with `status`.
Response JsonResponse(int status, std::string json_text);

// The JSON error envelope {"error":{"code","message","field"?,"request_id"?}}
// with the status of the error's code (core/error_codes.h), which it also
// carries as `error_code`. `request_id` is the
// id of the request this thread is handling (core/logging.h), so a client can
// quote it and an operator find every log line of that request. Internal errors
// never leak their message: clients get "internal error" and the log gets the detail.
Response ErrorResponse(const Error& error);

}  // namespace rc::server
