// File: core/error.h
//
// Regimecast's error model: functions that can fail on input from outside
// return `rc::Result<T>` (a `tl::expected<T, rc::Error>`), never throw.
// Exceptions are kept for broken invariants and for third-party code that
// throws; such exceptions are caught and converted at the module boundary.
// `assert` is never used on user input.
//
//   rc::Result<Timeframe> tf = Timeframe::Parse(text);
//   if (!tf) return tf.error();            // propagate
//   if (!ok) return rc::InvalidArgument("timeframe", "must be one of 1m 5m ...");
#pragma once

#include <string>
#include <tl/expected.hpp>
#include <utility>

#include "core/error_codes.h"

namespace rc {

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // human-readable: what is wrong and why
  std::string field;    // the input field at fault ("symbol", "body.horizon_minutes"); may be empty

  // "invalid_argument: symbol: must not contain '/'"
  std::string ToString() const;
};

template <typename T>
using Result = tl::expected<T, Error>;

// Result of an operation that produces no value. Success is `rc::Ok()`.
using Status = tl::expected<void, Error>;

inline Status Ok() { return {}; }

// Factories, named by code. `field` names the input at fault, or is empty.
tl::unexpected<Error> MakeError(ErrorCode code, std::string message, std::string field = "");
tl::unexpected<Error> InvalidArgument(std::string field, std::string why);
tl::unexpected<Error> Malformed(std::string why, std::string field = "");
tl::unexpected<Error> NotFound(std::string what);
tl::unexpected<Error> Conflict(std::string why);
tl::unexpected<Error> Unsupported(std::string what, std::string field = "");
tl::unexpected<Error> DataCorrupt(std::string why, std::string field = "");
tl::unexpected<Error> IoError(std::string why);
tl::unexpected<Error> Internal(std::string why);
tl::unexpected<Error> Unavailable(std::string why);
tl::unexpected<Error> ProviderError(std::string why);
tl::unexpected<Error> Timeout(std::string why);
tl::unexpected<Error> RateLimited(std::string why);

// Prefixes the message with context, keeping code and field:
//   return WithContext(std::move(err), "reading footer of x.parquet");
Error WithContext(Error error, std::string_view context);

}  // namespace rc

// Propagates the error of an expression returning Result/Status.
//   RC_RETURN_IF_ERROR(table.Commit(actions));
#define RC_RETURN_IF_ERROR(expr)                                   \
  do {                                                             \
    auto rc_status_ = (expr);                                      \
    if (!rc_status_) return ::tl::unexpected(rc_status_.error());  \
  } while (0)

// Declares `lhs` from a Result expression or returns its error.
//   RC_ASSIGN_OR_RETURN(auto footer, ReadFooter(file));
#define RC_CONCAT_INNER_(a, b) a##b
#define RC_CONCAT_(a, b) RC_CONCAT_INNER_(a, b)
#define RC_ASSIGN_OR_RETURN(lhs, expr) \
  RC_ASSIGN_OR_RETURN_IMPL_(RC_CONCAT_(rc_result_, __LINE__), lhs, expr)
#define RC_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)       \
  auto tmp = (expr);                                    \
  if (!tmp) return ::tl::unexpected(tmp.error());       \
  lhs = std::move(*tmp)
