#include "server/http_types.h"

#include <spdlog/spdlog.h>

#include "core/logging.h"

namespace rc::server {

std::string Request::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

std::string Response::Header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "";
}

std::optional<std::string> Request::QueryParam(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

Response JsonResponse(int status, std::string json_text) {
  Response response;
  response.status = status;
  response.body = std::move(json_text);
  return response;
}

Response ErrorResponse(const Error& error) {
  const int status = ErrorCodeHttpStatus(error.code);
  std::string message = error.message;
  if (status >= 500 && error.code != ErrorCode::kUnavailable && error.code != ErrorCode::kProviderError &&
      error.code != ErrorCode::kTimeout) {
    spdlog::error("internal error: {}", error.ToString());
    message = "internal error";
  }
  std::string body = R"({"error":{"code":")" + std::string(ErrorCodeName(error.code)) + R"(","message":")" +
                     JsonEscape(message) + "\"";
  if (!error.field.empty()) body += R"(,"field":")" + JsonEscape(error.field) + "\"";
  if (!CurrentRequestId().empty()) body += R"(,"request_id":")" + JsonEscape(CurrentRequestId()) + "\"";
  body += "}}";
  Response response = JsonResponse(status, std::move(body));
  response.error_code = error.code;
  return response;
}

}  // namespace rc::server
