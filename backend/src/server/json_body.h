// File: server/json_body.h
//
// Strict reading of JSON request bodies: a body that is not a JSON object is
// 400 (malformed_request, field "body"); a field of the wrong type, out of
// range, or not part of the endpoint's schema is 422 (invalid_argument) naming
// the field, so a typo in a field name is an error rather than a silent default.
#pragma once

#include <boost/json/object.hpp>
#include <initializer_list>
#include <optional>
#include <string>

#include "core/error.h"
#include "server/http_types.h"

namespace rc::server {

Result<boost::json::object> ParseJsonObject(const Request& request);

// Errors: kInvalidArgument naming the first field not in `allowed`.
Status RejectUnknownFields(const boost::json::object& body, std::initializer_list<std::string_view> allowed);

// A string field; nullopt when absent (or null). Errors: kInvalidArgument when not a string.
Result<std::optional<std::string>> OptionalString(const boost::json::object& body, std::string_view name);
// Like OptionalString, but absence is an error.
Result<std::string> RequiredString(const boost::json::object& body, std::string_view name);
// A boolean field; nullopt when absent (or null). Errors: kInvalidArgument when not a boolean.
Result<std::optional<bool>> OptionalBool(const boost::json::object& body, std::string_view name);
// An integer field (a JSON integer, or a double with an integral value) in [min, max].
Result<std::optional<int64_t>> OptionalInt(const boost::json::object& body, std::string_view name, int64_t min,
                                           int64_t max);

}  // namespace rc::server
