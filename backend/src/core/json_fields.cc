#include "core/json_fields.h"

#include <boost/json/parse.hpp>
#include <cmath>
#include <cstdlib>

#include "core/numeric.h"
#include "core/time.h"

namespace rc {
namespace json = boost::json;

Result<json::value> ParseJsonDocument(std::string_view text, const std::string& where) {
  json::parse_options options;
  options.max_depth = 64;  // hostile input: bound recursion
  json::error_code ec;
  json::value value = json::parse(text, ec, json::storage_ptr(), options);
  if (ec) return DataCorrupt("invalid JSON: " + ec.message(), where);
  return value;
}

Result<json::object> ParseRequestObject(std::string_view text, const std::string& field) {
  if (text.empty()) return Malformed("the request body must be a JSON object", field);
  json::error_code ec;
  json::value value = json::parse(text, ec);
  if (ec) return Malformed("the request body is not valid JSON: " + ec.message(), field);
  if (!value.is_object()) return Malformed("the request body must be a JSON object", field);
  return std::move(value.as_object());
}

std::optional<int64_t> JsonInt64(const json::value& value) {
  if (value.is_int64()) return value.get_int64();
  if (value.is_uint64()) {
    if (value.get_uint64() > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(value.get_uint64());
  }
  if (value.is_double()) {
    const double d = value.get_double();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

double JsonNumberOrNaN(const json::value& value) {
  if (value.is_string()) {
    const std::string text(value.get_string());
    char* end = nullptr;
    const double d = std::strtod(text.c_str(), &end);
    return (end && *end == '\0' && !text.empty()) ? d : kNaN;
  }
  if (value.is_double()) return value.get_double();
  if (value.is_int64()) return static_cast<double>(value.get_int64());
  if (value.is_uint64()) return static_cast<double>(value.get_uint64());
  return kNaN;
}

JsonFields JsonFields::Request(const json::object& object, std::string path) {
  return JsonFields(object, Origin::kRequest, std::move(path), "");
}

JsonFields JsonFields::Stored(const json::object& object, std::string path, std::string where) {
  return JsonFields(object, Origin::kStored, std::move(path), std::move(where));
}

std::string JsonFields::PathOf(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

tl::unexpected<Error> JsonFields::Bad(std::string_view key, std::string_view why) const {
  if (origin_ == Origin::kRequest) return InvalidArgument(PathOf(key), std::string(why));
  return DataCorrupt(PathOf(key) + " " + std::string(why), where_.empty() ? PathOf(key) : where_);
}

tl::unexpected<Error> JsonFields::Missing(std::string_view key, std::string_view want) const {
  if (origin_ == Origin::kRequest) return Bad(key, "is required");
  return Bad(key, "is missing (must be " + std::string(want) + ")");
}

const json::value* JsonFields::Find(std::string_view key) const {
  const json::value* value = object_.if_contains(key);
  return value == nullptr || value->is_null() ? nullptr : value;
}

Status JsonFields::RejectUnknown(std::initializer_list<std::string_view> allowed) const {
  for (const auto& [key, value] : object_) {
    bool known = false;
    for (std::string_view name : allowed) known |= key == name;
    if (!known) {
      std::string list;
      for (std::string_view name : allowed) list += (list.empty() ? "" : ", ") + std::string(name);
      return Bad(key, "unknown field (expected: " + list + ")");
    }
  }
  return Ok();
}

Result<std::optional<std::string>> JsonFields::OptionalString(std::string_view key) const {
  const json::value* value = Find(key);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_string()) return Bad(key, "must be a string");
  return std::optional<std::string>(std::string(value->get_string()));
}

Result<std::optional<int64_t>> JsonFields::OptionalTime(std::string_view key) const {
  RC_ASSIGN_OR_RETURN(std::optional<std::string> text, OptionalString(key));
  if (!text) return std::optional<int64_t>();
  // Bad() re-issues the parser's message with this origin's code and field path.
  auto parsed = ParseIsoUtc(*text);
  if (!parsed) return Bad(key, parsed.error().message);
  return std::optional<int64_t>(*parsed);
}

Result<std::string> JsonFields::RequiredString(std::string_view key) const {
  RC_ASSIGN_OR_RETURN(std::optional<std::string> value, OptionalString(key));
  if (!value) return Missing(key, "a string");
  return std::move(*value);
}

Result<std::optional<int64_t>> JsonFields::OptionalInt(std::string_view key) const {
  const json::value* value = Find(key);
  if (value == nullptr) return std::optional<int64_t>();
  std::optional<int64_t> number = JsonInt64(*value);
  if (!number) return Bad(key, "must be an integer");
  return number;
}

Result<std::optional<int64_t>> JsonFields::OptionalInt(std::string_view key, int64_t min, int64_t max) const {
  RC_ASSIGN_OR_RETURN(std::optional<int64_t> number, OptionalInt(key));
  if (number && (*number < min || *number > max)) {
    return Bad(key, "must be in " + std::to_string(min) + ".." + std::to_string(max) + ", got " +
                        std::to_string(*number));
  }
  return number;
}

Result<int64_t> JsonFields::RequiredInt(std::string_view key) const {
  RC_ASSIGN_OR_RETURN(std::optional<int64_t> number, OptionalInt(key));
  if (!number) return Missing(key, "an integer");
  return *number;
}

Result<std::optional<bool>> JsonFields::OptionalBool(std::string_view key) const {
  const json::value* value = Find(key);
  if (value == nullptr) return std::optional<bool>();
  if (!value->is_bool()) return Bad(key, "must be a boolean");
  return std::optional<bool>(value->get_bool());
}

Result<bool> JsonFields::RequiredBool(std::string_view key) const {
  RC_ASSIGN_OR_RETURN(std::optional<bool> value, OptionalBool(key));
  if (!value) return Missing(key, "a boolean");
  return *value;
}

Result<double> JsonFields::RequiredNumber(std::string_view key) const {
  const json::value* value = object_.if_contains(key);
  if (value == nullptr) return Missing(key, "a number");
  if (!value->is_null() && !value->is_number() && !value->is_string()) return Bad(key, "must be a number");
  return JsonNumberOrNaN(*value);
}

Result<const json::object*> JsonFields::RequiredObject(std::string_view key) const {
  const json::value* value = Find(key);
  if (value == nullptr) return Missing(key, "an object");
  if (!value->is_object()) return Bad(key, "must be an object");
  return &value->get_object();
}

Result<const json::array*> JsonFields::RequiredArray(std::string_view key) const {
  const json::value* value = Find(key);
  if (value == nullptr) return Missing(key, "an array");
  if (!value->is_array()) return Bad(key, "must be an array");
  return &value->get_array();
}

}  // namespace rc
