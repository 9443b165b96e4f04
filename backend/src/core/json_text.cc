#include "core/json_text.h"

#include <boost/json.hpp>
#include <charconv>
#include <cmath>

#include "core/logging.h"
#include "core/strings.h"

namespace rc {
namespace {

template <typename Int>
void AppendInteger(std::string& out, Int value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, end);
}

void AppendString(std::string& out, boost::json::string_view text) {
  // The one escaping helper (also of the error envelope and JSON logs): invalid
  // UTF-8 (e.g. a truncated echo of client input) becomes U+FFFD, never invalid JSON.
  out += '"';
  out += JsonEscape(std::string_view(text.data(), text.size()));
  out += '"';
}

void Append(std::string& out, const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null: out += "null"; break;
    case boost::json::kind::bool_: out += value.get_bool() ? "true" : "false"; break;
    case boost::json::kind::int64: AppendInteger(out, value.get_int64()); break;
    case boost::json::kind::uint64: AppendInteger(out, value.get_uint64()); break;
    case boost::json::kind::double_: {
      const double d = value.get_double();
      out += std::isfinite(d) ? FormatShortestDouble(d) : "null";
      break;
    }
    case boost::json::kind::string: AppendString(out, value.get_string()); break;
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& item : value.get_array()) {
        if (!first) out += ',';
        first = false;
        Append(out, item);
      }
      out += ']';
      break;
    }
    case boost::json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& member : value.get_object()) {
        if (!first) out += ',';
        first = false;
        AppendString(out, member.key());
        out += ':';
        Append(out, member.value());
      }
      out += '}';
      break;
    }
  }
}

}  // namespace

std::string JsonText(const boost::json::value& value) {
  std::string out;
  Append(out, value);
  return out;
}

}  // namespace rc
