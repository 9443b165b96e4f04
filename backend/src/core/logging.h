// File: core/logging.h
// Process-wide logging through spdlog: text ("2024-01-02 09:15:00.123 info msg")
// or one JSON object per line ({"ts":...,"level":...,"msg":...}), to stderr.
// While a thread handles an HTTP request, every line it logs carries the
// request's id ("... info [req 4f1c...] msg" / "request_id":"4f1c...").
#pragma once

#include <string>

#include "core/error.h"
#include "core/settings.h"

namespace rc {

// Configures the default spdlog logger. Errors: kInvalidArgument for a bad level.
Status InitLogging(const std::string& level, LogFormat format);

// Tags this thread's log lines with `request_id` until destroyed (the previous
// id, if any, is restored). Handlers run synchronously on the I/O thread, so
// one scope around a request covers every line logged for it.
class ScopedRequestId {
 public:
  explicit ScopedRequestId(std::string request_id);
  ~ScopedRequestId();
  ScopedRequestId(const ScopedRequestId&) = delete;
  ScopedRequestId& operator=(const ScopedRequestId&) = delete;

 private:
  std::string previous_;
};

// The id of the request this thread is handling, or "" outside a request.
const std::string& CurrentRequestId();

// Escapes `text` for use inside a JSON string literal (no surrounding quotes).
// Bytes that are not UTF-8 (a client's path or header echoed in an error)
// become U+FFFD, so the result is always valid JSON.
std::string JsonEscape(std::string_view text);

}  // namespace rc
