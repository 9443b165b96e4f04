// File: lake/delta/internal/json_util.h
// Boost.JSON helpers for the Delta log (internal: keeps boost/json.hpp out of
// the public delta headers). Every accessor reports kDataCorrupt naming the
// log position (`where`, e.g. "00000000000000000003.json:2") and the field.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace rc::lake::delta::internal {

// Parses one JSON document with bounded nesting depth. Errors: kDataCorrupt.
Result<boost::json::value> ParseJson(std::string_view text, const std::string& where);

class FieldReader {
 public:
  FieldReader(const boost::json::object& obj, std::string where, std::string action)
      : obj_(obj), where_(std::move(where)), action_(std::move(action)) {}

  // Null counts as absent.
  const boost::json::value* Find(std::string_view key) const;

  Result<std::string> RequiredString(std::string_view key) const;
  Result<std::optional<std::string>> OptionalString(std::string_view key) const;
  Result<int64_t> RequiredInt(std::string_view key) const;
  Result<std::optional<int64_t>> OptionalInt(std::string_view key) const;
  Result<bool> RequiredBool(std::string_view key) const;
  Result<std::optional<bool>> OptionalBool(std::string_view key) const;

 private:
  tl::unexpected<Error> Bad(std::string_view key, std::string_view want) const;

  const boost::json::object& obj_;
  std::string where_;
  std::string action_;
};

// An integral JSON number as int64, or nullopt (doubles with a fraction, out
// of range, non-numbers).
std::optional<int64_t> AsInt64(const boost::json::value& v);

// True when `s` is well-formed UTF-8 (what JSON text must carry).
bool IsValidUtf8(std::string_view s);

}  // namespace rc::lake::delta::internal
