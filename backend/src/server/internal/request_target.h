// File: server/internal/request_target.h
// Splits an HTTP request target ("/api/bars?symbol=TCS.NS&limit=5") into the
// Request's percent-decoded path and query parameters (last value wins).
// Plain C++ (Boost.URL stays in the .cc), so the fuzzer can drive it.
#pragma once

#include <string_view>

#include "server/http_types.h"

namespace rc::server::internal {

// A target that is not origin-form ("*", "http://x/", garbage) keeps its raw
// text as the path, which then matches no route (404); an empty path is "/".
void ParseRequestTarget(std::string_view target, Request& request);

}  // namespace rc::server::internal
