// File: core/logging.h
// Process-wide logging through spdlog: text ("2024-01-02 09:15:00.123 info msg")
// or one JSON object per line ({"ts":...,"level":...,"msg":...}), to stderr.
#pragma once

#include <string>

#include "core/error.h"
#include "core/settings.h"

namespace rc {

// Configures the default spdlog logger. Errors: kInvalidArgument for a bad level.
Status InitLogging(const std::string& level, LogFormat format);

// Escapes `text` for use inside a JSON string literal (no surrounding quotes).
std::string JsonEscape(std::string_view text);

}  // namespace rc
