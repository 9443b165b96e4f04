#include "lake/delta/internal/json_util.h"

#include <cmath>

namespace rc::lake::delta::internal {
namespace json = boost::json;

Result<json::value> ParseJson(std::string_view text, const std::string& where) {
  json::parse_options opts;
  opts.max_depth = 64;  // hostile input: bound recursion
  json::error_code ec;
  json::value v = json::parse(text, ec, json::storage_ptr(), opts);
  if (ec) return DataCorrupt("invalid JSON: " + ec.message(), where);
  return v;
}

std::optional<int64_t> AsInt64(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(v.get_uint64());
  }
  if (v.is_double()) {
    double d = v.get_double();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    int extra = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + static_cast<size_t>(extra) >= s.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      auto cc = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000)) return false;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += static_cast<size_t>(extra) + 1;
  }
  return true;
}

const json::value* FieldReader::Find(std::string_view key) const {
  auto it = obj_.find(key);
  if (it == obj_.end() || it->value().is_null()) return nullptr;
  return &it->value();
}

tl::unexpected<Error> FieldReader::Bad(std::string_view key, std::string_view want) const {
  return DataCorrupt(action_ + "." + std::string(key) + " must be " + std::string(want), where_);
}

Result<std::string> FieldReader::RequiredString(std::string_view key) const {
  const json::value* v = Find(key);
  if (v == nullptr || !v->is_string()) return Bad(key, "a string");
  return std::string(v->get_string());
}

Result<std::optional<std::string>> FieldReader::OptionalString(std::string_view key) const {
  const json::value* v = Find(key);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->is_string()) return Bad(key, "a string");
  return std::optional<std::string>(std::string(v->get_string()));
}

Result<int64_t> FieldReader::RequiredInt(std::string_view key) const {
  const json::value* v = Find(key);
  if (v == nullptr) return Bad(key, "an integer");
  auto i = AsInt64(*v);
  if (!i) return Bad(key, "an integer");
  return *i;
}

Result<std::optional<int64_t>> FieldReader::OptionalInt(std::string_view key) const {
  const json::value* v = Find(key);
  if (v == nullptr) return std::optional<int64_t>();
  auto i = AsInt64(*v);
  if (!i) return Bad(key, "an integer");
  return i;
}

Result<bool> FieldReader::RequiredBool(std::string_view key) const {
  const json::value* v = Find(key);
  if (v == nullptr || !v->is_bool()) return Bad(key, "a boolean");
  return v->get_bool();
}

Result<std::optional<bool>> FieldReader::OptionalBool(std::string_view key) const {
  const json::value* v = Find(key);
  if (v == nullptr) return std::optional<bool>();
  if (!v->is_bool()) return Bad(key, "a boolean");
  return std::optional<bool>(v->get_bool());
}

}  // namespace rc::lake::delta::internal
