// File: core/json_text.h
//
// The one JSON serializer for output (HTTP bodies, websocket messages, CLI
// --json): like boost::json::serialize, but numbers in the plain shortest form
// people and clients expect (`1`, `3456.05`, `0.00025`) instead of Boost's
// exponent form (`1E0`, `3.45605E3`). Every double reads back bit-identical;
// NaN and +-Inf, which JSON cannot spell, become null; strings are escaped by
// JsonEscape (core/logging.h), so bytes that are not UTF-8 become U+FFFD.
//
//   std::string body = rc::JsonText(boost::json::object{{"close", 3456.05}});  // {"close":3456.05}
#pragma once

#include <string>

namespace boost::json {
class value;
}  // namespace boost::json

namespace rc {

std::string JsonText(const boost::json::value& value);

}  // namespace rc
