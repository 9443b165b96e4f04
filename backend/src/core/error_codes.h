// File: core/error_codes.h
//
// The one catalogue of error codes. Each code has a stable wire name (the JSON
// `error.code`), the HTTP status the server answers with, and is the label of
// the `regimecast_errors_total{code}` metric, so the three cannot drift apart.
// Add a code by adding one line to RC_ERROR_CODES.
#pragma once

#include <string_view>

namespace rc {

//      enum name            wire name              HTTP status
#define RC_ERROR_CODES(X)                                              \
  X(kInvalidArgument,     "invalid_argument",     422)                 \
  X(kMalformed,           "malformed_request",    400)                 \
  X(kUnauthorized,        "unauthorized",         401)                 \
  X(kForbidden,           "forbidden",            403)                 \
  X(kNotFound,            "not_found",            404)                 \
  X(kMethodNotAllowed,    "method_not_allowed",   405)                 \
  X(kConflict,            "conflict",             409)                 \
  X(kPayloadTooLarge,     "payload_too_large",    413)                 \
  X(kUnsupported,         "unsupported",          422)                 \
  X(kDataCorrupt,         "data_corrupt",         422)                 \
  X(kRateLimited,         "rate_limited",         429)                 \
  X(kInternal,            "internal",             500)                 \
  X(kIo,                  "io_error",             500)                 \
  X(kProviderError,       "provider_error",       502)                 \
  X(kUnavailable,         "unavailable",          503)                 \
  X(kTimeout,             "timeout",              504)

enum class ErrorCode {
#define RC_ERROR_ENUM(name, wire, status) name,
  RC_ERROR_CODES(RC_ERROR_ENUM)
#undef RC_ERROR_ENUM
};

// Returns the stable snake_case name of `code` ("invalid_argument").
std::string_view ErrorCodeName(ErrorCode code);

// Returns the HTTP status the server sends for `code`.
int ErrorCodeHttpStatus(ErrorCode code);

}  // namespace rc
