#include "core/error.h"

namespace rc {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
#define RC_ERROR_NAME(name, wire, status) \
  case ErrorCode::name:                   \
    return wire;
    RC_ERROR_CODES(RC_ERROR_NAME)
#undef RC_ERROR_NAME
  }
  return "internal";
}

int ErrorCodeHttpStatus(ErrorCode code) {
  switch (code) {
#define RC_ERROR_STATUS(name, wire, status) \
  case ErrorCode::name:                     \
    return status;
    RC_ERROR_CODES(RC_ERROR_STATUS)
#undef RC_ERROR_STATUS
  }
  return 500;
}

std::string Error::ToString() const {
  std::string out(ErrorCodeName(code));
  out += ": ";
  if (!field.empty()) {
    out += field;
    out += ": ";
  }
  out += message;
  return out;
}

tl::unexpected<Error> MakeError(ErrorCode code, std::string message, std::string field) {
  return tl::unexpected(Error{code, std::move(message), std::move(field)});
}
tl::unexpected<Error> InvalidArgument(std::string field, std::string why) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(why), std::move(field));
}
tl::unexpected<Error> Malformed(std::string why, std::string field) {
  return MakeError(ErrorCode::kMalformed, std::move(why), std::move(field));
}
tl::unexpected<Error> NotFound(std::string what) { return MakeError(ErrorCode::kNotFound, std::move(what)); }
tl::unexpected<Error> Conflict(std::string why) { return MakeError(ErrorCode::kConflict, std::move(why)); }
tl::unexpected<Error> Unsupported(std::string what, std::string field) {
  return MakeError(ErrorCode::kUnsupported, std::move(what), std::move(field));
}
tl::unexpected<Error> DataCorrupt(std::string why, std::string field) {
  return MakeError(ErrorCode::kDataCorrupt, std::move(why), std::move(field));
}
tl::unexpected<Error> IoError(std::string why) { return MakeError(ErrorCode::kIo, std::move(why)); }
tl::unexpected<Error> Internal(std::string why) { return MakeError(ErrorCode::kInternal, std::move(why)); }
tl::unexpected<Error> Unavailable(std::string why) { return MakeError(ErrorCode::kUnavailable, std::move(why)); }
tl::unexpected<Error> ProviderError(std::string why) { return MakeError(ErrorCode::kProviderError, std::move(why)); }
tl::unexpected<Error> Timeout(std::string why) { return MakeError(ErrorCode::kTimeout, std::move(why)); }
tl::unexpected<Error> RateLimited(std::string why) { return MakeError(ErrorCode::kRateLimited, std::move(why)); }

Error WithContext(Error error, std::string_view context) {
  error.message = std::string(context) + ": " + error.message;
  return error;
}

}  // namespace rc
