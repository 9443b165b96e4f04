// File: core/json_fields.h
//
// The one family of typed JSON readers: HTTP request bodies (server/), the
// Delta log (lake/delta/), experiment records and model files (ml/) all read
// their fields through `JsonFields`. What a bad field means depends on where
// the object came from, so the reader is made for one of two origins:
//
//   - a client's request (`JsonFields::Request`): kInvalidArgument whose field
//     is the key ("who"), why "is required" / "must be a string"; the server
//     answers 422 naming it.
//   - a stored document (`JsonFields::Stored`: a Delta log line, an experiment
//     record, a model file): kDataCorrupt "add.path must be a string" whose
//     field is the document position when known ("00000000000000000003.json:2")
//     or else the field's path ("params.lambda").
//
// Everywhere a null value counts as absent. Integers are JSON integers or
// doubles with an integral value below 2^53 (writers in other languages may
// spell 3 as 3.0).
//
//   RC_ASSIGN_OR_RETURN(boost::json::object body, rc::ParseRequestObject(request.body));
//   const rc::JsonFields fields = rc::JsonFields::Request(body);
//   RC_RETURN_IF_ERROR(fields.RejectUnknown({"symbol", "horizon_minutes"}));
//   RC_ASSIGN_OR_RETURN(std::string symbol, fields.RequiredString("symbol"));
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace rc {

// Parses one stored JSON document with bounded nesting depth (files may be
// hostile). Errors: kDataCorrupt "invalid JSON: ..." naming `where`.
Result<boost::json::value> ParseJsonDocument(std::string_view text, const std::string& where);

// A request body that must be a JSON object. Errors: kMalformed naming
// `field` when it is empty, not JSON, or not an object (HTTP 400).
Result<boost::json::object> ParseRequestObject(std::string_view text, const std::string& field = "body");

// An integral JSON number as int64 (see above), nullopt for anything else.
std::optional<int64_t> JsonInt64(const boost::json::value& value);

// A number as stored documents write it: a JSON number, null for NaN (JSON
// cannot spell NaN or infinity) or a decimal string (the exact "%.17g" form
// model parameters use, because Boost.JSON's parser may round a double by one
// ulp). Anything else is NaN.
double JsonNumberOrNaN(const boost::json::value& value);

class JsonFields {
 public:
  // Fields of a client's request; `path` prefixes nested field names ("families").
  static JsonFields Request(const boost::json::object& object, std::string path = "");
  // Fields of a stored document; `path` names the object inside it ("metaData.format",
  // "record.data"), `where` the document position ("00000000000000000003.json:2") when known.
  static JsonFields Stored(const boost::json::object& object, std::string path, std::string where = "");

  const boost::json::object& object() const { return object_; }

  // The value of `key`; nullptr when absent or null.
  const boost::json::value* Find(std::string_view key) const;

  // Errors: the first key not in `allowed` ("unknown field (expected: a, b)"),
  // so a typo in a field name is an error rather than a silent default.
  Status RejectUnknown(std::initializer_list<std::string_view> allowed) const;

  Result<std::string> RequiredString(std::string_view key) const;
  Result<std::optional<std::string>> OptionalString(std::string_view key) const;
  // An ISO-8601 time string (core/time.h ParseIsoUtc) as UTC micros.
  Result<std::optional<int64_t>> OptionalTime(std::string_view key) const;
  Result<int64_t> RequiredInt(std::string_view key) const;
  Result<std::optional<int64_t>> OptionalInt(std::string_view key) const;
  // Like OptionalInt, and in [min, max] ("must be in 1..50, got 70").
  Result<std::optional<int64_t>> OptionalInt(std::string_view key, int64_t min, int64_t max) const;
  Result<bool> RequiredBool(std::string_view key) const;
  Result<std::optional<bool>> OptionalBool(std::string_view key) const;
  // A stored number (JsonNumberOrNaN): the key must be present; null reads as NaN.
  Result<double> RequiredNumber(std::string_view key) const;
  Result<const boost::json::object*> RequiredObject(std::string_view key) const;
  Result<const boost::json::array*> RequiredArray(std::string_view key) const;

  // The error for `key` (already found wanting): the origin's code, field and message.
  tl::unexpected<Error> Bad(std::string_view key, std::string_view why) const;

 private:
  enum class Origin { kRequest, kStored };
  JsonFields(const boost::json::object& object, Origin origin, std::string path, std::string where)
      : object_(object), origin_(origin), path_(std::move(path)), where_(std::move(where)) {}

  std::string PathOf(std::string_view key) const;
  tl::unexpected<Error> Missing(std::string_view key, std::string_view want) const;

  const boost::json::object& object_;
  Origin origin_;
  std::string path_;
  std::string where_;
};

}  // namespace rc
