// File: server/router.h
//
// Method + path-template routing with "{name}" path parameters, and the route
// documentation that /openapi.json is generated from (so the document and the
// router cannot disagree).
//
//   Router router;
//   router.Add({"GET", "/api/models/{id}", "Get one model", ...}, [](const Request& r) { ... });
//   router.SetFallback("static", [&site](const Request& r) { return site.Serve(r); });
//   Response response = router.Dispatch(request);   // 404 / 405 handled here
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "server/http_types.h"

namespace rc::server {

using Handler = std::function<Response(const Request&)>;
// Answers requests no route matches (the front end's static files); nullopt
// leaves the router's own 404.
using FallbackHandler = std::function<std::optional<Response>(const Request&)>;

struct ParamDoc {
  std::string name;
  std::string in;  // "query" or "path"
  std::string type = "string";  // JSON schema type
  bool required = false;
  std::string description;
};

struct RouteDoc {
  std::string method;       // "GET"
  std::string path;         // "/api/bars" or "/api/experiments/{id}"
  std::string summary;
  std::string tag;          // OpenAPI tag, e.g. "system", "data", "models"
  std::vector<ParamDoc> params;
  std::string request_schema_json;   // JSON Schema of the body (empty: none)
  std::string response_schema_json;  // JSON Schema of the 2xx body (empty: generic object)
  std::string response_content_type = "application/json";
  bool mutating = false;    // requires API_TOKEN when configured
};

// A schema the document lists once under components/schemas, for route and
// item schemas to refer to as {"$ref":"#/components/schemas/<name>"}.
struct NamedSchema {
  std::string name;  // e.g. "MetricSet"
  std::string schema_json;
};

class Router {
 public:
  // Registers a route. Throws std::logic_error on a duplicate (method, path):
  // routes are fixed at start-up, so this is a programming error.
  void Add(RouteDoc doc, Handler handler);

  // Routes the request: the handler's response, or a JSON 404 (no such path) or
  // 405 (path exists, method does not; with an Allow header). `route_template`
  // receives the matched template ("/api/models/{id}") or "unmatched", for
  // metrics labels of bounded cardinality. Exceptions from handlers become a 500.
  Response Dispatch(Request& request, std::string* route_template = nullptr) const;

  // Installs the handler for paths no route knows (405 still wins when the
  // path exists with another method). Its requests are labelled
  // `fallback_template` for metrics and are not part of routes() (so not of
  // /openapi.json).
  void SetFallback(std::string fallback_template, FallbackHandler fallback);
  // Methods registered for `path` (for CORS preflights and Allow headers);
  // `route_template` receives the first matching template. Empty: no route.
  std::vector<std::string> MethodsFor(const std::string& path, std::string* route_template = nullptr) const;

  const std::vector<RouteDoc>& routes() const { return docs_; }

 private:
  struct Route {
    std::vector<std::string> segments;  // "{x}" marks a parameter
    Handler handler;
  };
  std::vector<RouteDoc> docs_;
  std::vector<Route> routes_;  // parallel to docs_
  std::string fallback_template_;
  FallbackHandler fallback_;
};

// The OpenAPI 3.1 document (JSON text) describing every route of `router`,
// with `schemas` and the error envelope ("Error") under components/schemas,
// and every operation's error answer the one components/responses/Error.
// 3.1 because route schemas are JSON Schema 2020-12 ("type":["number","null"]
// for a nullable number), which 3.0's schema dialect does not allow.
std::string BuildOpenApiDocument(const Router& router, const std::string& version,
                                 const std::vector<NamedSchema>& schemas = {});

}  // namespace rc::server
