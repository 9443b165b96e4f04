#include "server/router.h"

#include <algorithm>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>
#include <stdexcept>

#include "core/json_text.h"

namespace rc::server {
namespace {

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> segments;
  size_t start = 1;  // paths start with '/'
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const size_t end = slash == std::string::npos ? path.size() : slash;
    segments.push_back(path.substr(start, end - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return segments;
}

bool IsParam(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Matches and fills path parameters; false when the path does not fit.
bool Match(const std::vector<std::string>& pattern, const std::vector<std::string>& actual,
           std::map<std::string, std::string>* params) {
  if (pattern.size() != actual.size()) return false;
  for (size_t seg_idx = 0; seg_idx < pattern.size(); ++seg_idx) {
    if (IsParam(pattern[seg_idx])) {
      if (actual[seg_idx].empty()) return false;
      if (params) (*params)[pattern[seg_idx].substr(1, pattern[seg_idx].size() - 2)] = actual[seg_idx];
    } else if (pattern[seg_idx] != actual[seg_idx]) {
      return false;
    }
  }
  return true;
}

boost::json::value ParseSchemaOr(const std::string& text, boost::json::value fallback) {
  if (text.empty()) return fallback;
  return boost::json::parse(text);  // route docs are compiled in; a bad schema is a programming error
}

}  // namespace

void Router::Add(RouteDoc doc, Handler handler) {
  for (const auto& existing : docs_) {
    if (existing.method == doc.method && existing.path == doc.path) {
      throw std::logic_error("duplicate route " + doc.method + " " + doc.path);
    }
  }
  routes_.push_back(Route{SplitPath(doc.path), std::move(handler)});
  docs_.push_back(std::move(doc));
}

void Router::SetFallback(std::string fallback_template, FallbackHandler fallback) {
  fallback_template_ = std::move(fallback_template);
  fallback_ = std::move(fallback);
}

Response Router::Dispatch(Request& request, std::string* route_template) const {
  const std::vector<std::string> actual = SplitPath(request.path);
  std::string allowed;
  for (size_t route_idx = 0; route_idx < routes_.size(); ++route_idx) {
    if (!Match(routes_[route_idx].segments, actual, nullptr)) continue;
    const RouteDoc& doc = docs_[route_idx];
    const bool head_as_get = request.method == "HEAD" && doc.method == "GET";
    if (doc.method != request.method && !head_as_get) {
      if (allowed.find(doc.method) == std::string::npos) allowed += (allowed.empty() ? "" : ", ") + doc.method;
      continue;
    }
    if (route_template) *route_template = doc.path;
    Match(routes_[route_idx].segments, actual, &request.path_params);
    try {
      return routes_[route_idx].handler(request);
    } catch (const std::exception& e) {
      spdlog::error("handler {} {} threw: {}", doc.method, doc.path, e.what());
      return ErrorResponse(Error{ErrorCode::kInternal, e.what(), ""});
    }
  }
  if (allowed.empty() && fallback_) {
    try {
      if (std::optional<Response> response = fallback_(request)) {
        if (route_template) *route_template = fallback_template_;
        return std::move(*response);
      }
    } catch (const std::exception& e) {
      spdlog::error("fallback for {} {} threw: {}", request.method, request.path, e.what());
      if (route_template) *route_template = fallback_template_;
      return ErrorResponse(Error{ErrorCode::kInternal, e.what(), ""});
    }
  }
  if (route_template) *route_template = "unmatched";
  if (!allowed.empty()) {
    Response response = ErrorResponse(
        Error{ErrorCode::kMethodNotAllowed, "method " + request.method + " is not allowed on " + request.path +
                                                "; allowed: " + allowed, ""});
    response.headers.emplace_back("Allow", allowed);
    return response;
  }
  return ErrorResponse(Error{ErrorCode::kNotFound, "no route for " + request.method + " " + request.path, ""});
}

std::vector<std::string> Router::MethodsFor(const std::string& path, std::string* route_template) const {
  const std::vector<std::string> actual = SplitPath(path);
  std::vector<std::string> methods;
  for (size_t route_idx = 0; route_idx < routes_.size(); ++route_idx) {
    if (!Match(routes_[route_idx].segments, actual, nullptr)) continue;
    if (methods.empty() && route_template) *route_template = docs_[route_idx].path;
    if (std::find(methods.begin(), methods.end(), docs_[route_idx].method) == methods.end()) {
      methods.push_back(docs_[route_idx].method);
    }
  }
  return methods;
}

std::string BuildOpenApiDocument(const Router& router, const std::string& version,
                                 const std::vector<NamedSchema>& schemas) {
  namespace json = boost::json;
  json::object error_schema = {
      {"type", "object"},
      {"required", json::array{"error"}},
      {"properties",
       {{"error",
         {{"type", "object"},
          {"required", json::array{"code", "message"}},
          {"properties",
           {{"code", {{"type", "string"}}}, {"message", {{"type", "string"}}}, {"field", {{"type", "string"}}}}}}}}}};
  json::object paths;
  for (const RouteDoc& doc : router.routes()) {
    json::object operation;
    operation["summary"] = doc.summary;
    operation["operationId"] = [&] {
      std::string id = doc.method;
      for (char c : doc.path) id += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
      return id;
    }();
    if (!doc.tag.empty()) operation["tags"] = json::array{json::string(doc.tag)};
    json::array parameters;
    for (const ParamDoc& param : doc.params) {
      json::object p{{"name", param.name},
                     {"in", param.in},
                     {"required", param.in == "path" ? true : param.required},
                     {"schema", {{"type", param.type}}}};
      if (!param.description.empty()) p["description"] = param.description;
      parameters.push_back(std::move(p));
    }
    if (!parameters.empty()) operation["parameters"] = std::move(parameters);
    if (!doc.request_schema_json.empty()) {
      operation["requestBody"] = {
          {"required", true},
          {"content", {{"application/json", {{"schema", ParseSchemaOr(doc.request_schema_json, {})}}}}}};
    }
    json::object responses;
    responses["200"] = {{"description", "OK"},
                        {"content",
                         {{doc.response_content_type,
                           {{"schema", ParseSchemaOr(doc.response_schema_json, json::object{{"type", "object"}})}}}}}};
    responses["default"] = {{"$ref", "#/components/responses/Error"}};
    operation["responses"] = std::move(responses);
    if (doc.mutating) operation["security"] = json::array{json::object{{"bearerAuth", json::array{}}}};
    std::string method = doc.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    json::value& path_item = paths[doc.path];
    if (!path_item.is_object()) path_item = json::object{};
    path_item.as_object()[method] = std::move(operation);
  }
  json::object component_schemas{{"Error", std::move(error_schema)}};
  for (const NamedSchema& named : schemas) component_schemas[named.name] = ParseSchemaOr(named.schema_json, {});
  json::object document{
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "Regimecast API"},
        {"version", version},
        {"description", "Regime-aware market prediction service. Errors are {\"error\":{code,message,field}}."}}},
      {"paths", std::move(paths)},
      {"components",
       {{"schemas", std::move(component_schemas)},
        {"responses",
         {{"Error",
           {{"description", "Error"},
            {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}}}},
        {"securitySchemes", {{"bearerAuth", {{"type", "http"}, {"scheme", "bearer"}}}}}}}};
  return JsonText(document);
}

}  // namespace rc::server
