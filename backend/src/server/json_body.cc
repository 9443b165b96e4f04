#include "server/json_body.h"

#include <boost/json.hpp>
#include <cmath>

namespace rc::server {

Result<boost::json::object> ParseJsonObject(const Request& request) {
  if (request.body.empty()) return Malformed("the request body must be a JSON object", "body");
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(request.body, ec);
  if (ec) return Malformed("the request body is not valid JSON: " + ec.message(), "body");
  if (!value.is_object()) return Malformed("the request body must be a JSON object", "body");
  return std::move(value.as_object());
}

Status RejectUnknownFields(const boost::json::object& body, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : body) {
    bool known = false;
    for (std::string_view name : allowed) known |= key == name;
    if (!known) {
      std::string list;
      for (std::string_view name : allowed) list += (list.empty() ? "" : ", ") + std::string(name);
      return InvalidArgument(std::string(key), "unknown field (expected: " + list + ")");
    }
  }
  return Ok();
}

Result<std::optional<std::string>> OptionalString(const boost::json::object& body, std::string_view name) {
  const boost::json::value* value = body.if_contains(name);
  if (value == nullptr || value->is_null()) return std::optional<std::string>{};
  if (!value->is_string()) return InvalidArgument(std::string(name), "must be a string");
  return std::optional<std::string>(std::string(value->as_string()));
}

Result<std::string> RequiredString(const boost::json::object& body, std::string_view name) {
  RC_ASSIGN_OR_RETURN(std::optional<std::string> value, OptionalString(body, name));
  if (!value) return InvalidArgument(std::string(name), "is required");
  return *value;
}

Result<std::optional<bool>> OptionalBool(const boost::json::object& body, std::string_view name) {
  const boost::json::value* value = body.if_contains(name);
  if (value == nullptr || value->is_null()) return std::optional<bool>{};
  if (!value->is_bool()) return InvalidArgument(std::string(name), "must be a boolean");
  return std::optional<bool>(value->as_bool());
}

Result<std::optional<int64_t>> OptionalInt(const boost::json::object& body, std::string_view name, int64_t min,
                                           int64_t max) {
  const boost::json::value* value = body.if_contains(name);
  if (value == nullptr || value->is_null()) return std::optional<int64_t>{};
  int64_t number = 0;
  if (value->is_int64()) {
    number = value->as_int64();
  } else if (value->is_uint64() && value->as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    number = static_cast<int64_t>(value->as_uint64());
  } else if (value->is_double() && std::isfinite(value->as_double()) &&
             value->as_double() == std::floor(value->as_double()) && std::fabs(value->as_double()) < 9e15) {
    number = static_cast<int64_t>(value->as_double());
  } else {
    return InvalidArgument(std::string(name), "must be an integer");
  }
  if (number < min || number > max) {
    return InvalidArgument(std::string(name),
                           "must be in " + std::to_string(min) + ".." + std::to_string(max) + ", got " + std::to_string(number));
  }
  return std::optional<int64_t>(number);
}

}  // namespace rc::server
