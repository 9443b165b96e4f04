// File: server/api_token.h
//
// Safe default for mutating endpoints: a server reachable from other machines
// (HOST not loopback) without API_TOKEN gets a token generated at first start,
// stored as <DATA_DIR>/.api_token (mode 0600) and reused on later starts, so
// /api/models/clear and friends are never open to the network by accident.
//
//   if (settings.api_token.empty() && !IsLoopbackHost(settings.host)) {
//     RC_ASSIGN_OR_RETURN(GeneratedToken token, LoadOrCreateApiToken(settings.data_dir));
//   }
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace rc::server {

// True for 127.0.0.0/8, ::1 and IPv4-mapped 127.x (only this machine can
// connect); false for 0.0.0.0, :: and every other address.
bool IsLoopbackHost(std::string_view host);

struct GeneratedToken {
  std::string token;  // 64 hex digits from the OS random source
  std::string path;   // where it is stored
  bool created = false;  // false: read from an earlier start
};

// Reads <data_dir>/.api_token, or creates it (exclusively, mode 0600) when
// absent. Errors: kIo when it cannot be read or written, kInvalidArgument
// (field "API_TOKEN") when the file holds no usable token or is readable by
// group/others.
Result<GeneratedToken> LoadOrCreateApiToken(const std::string& data_dir);

// Constant-time comparison, so response timing does not leak the token.
bool TokensEqual(std::string_view a, std::string_view b);

}  // namespace rc::server
